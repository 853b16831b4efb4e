"""Editors can open every page type in the admin, and the tree offers only the allowed children."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_editors_open_the_edit_form_of_every_page_type(editor_client, one_of_each):
    pages = one_of_each
    for page in pages:
        response = editor_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
        assert response.status_code == 200, type(page).__name__


def test_adding_under_a_masterclass_offers_only_lessons(editor_client, make_direction, make_mentor, make_masterclass):
    masterclass = make_masterclass(make_direction(), make_mentor())

    response = editor_client.get(reverse("wagtailadmin_pages:add_subpage", args=[masterclass.pk]))

    # Only one allowed type: Wagtail goes straight to the lesson form.
    assert response.status_code == 302
    assert "/add/cms/lessonpage/" in response["Location"]
    wrong = editor_client.get(reverse("wagtailadmin_pages:add", args=["cms", "mentorpage", masterclass.pk]))
    assert (wrong.status_code, wrong.get("Location")) in {(403, None), (302, "/admin/")}  # refused


def test_editors_find_a_region_by_name_in_the_chooser_and_the_list(editor_client):
    chooser = editor_client.get(reverse("wagtailsnippetchoosers_cms_region:choose_results"), {"q": "Якут"})
    listing = editor_client.get(reverse("wagtailsnippets_cms_region:list"), {"q": "77"})

    assert chooser.status_code == 200 and listing.status_code == 200
    assert "Республика Саха (Якутия)" in chooser.content.decode()
    assert "Москва" not in chooser.content.decode()
    assert "Москва" in listing.content.decode()
