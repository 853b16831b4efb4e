"""Preview in the admin shows the draft in the bundled site's own templates; the live page is
untouched, and a link without a valid token shows nothing of the draft."""

import html
import re

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text


def open_preview(client, lesson, title, text):
    """What the admin's Preview button does: post the edit form, then read the iframe's address."""
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[lesson.pk])
    form = nested_form_data(
        {
            "title": title,
            "slug": lesson.slug,
            "summary": "Черновое кратко",
            "text": rich_text(f"<p>{text}</p>"),
            "video": "",
            "materials": inline_formset([]),
            "comments": inline_formset([]),
        }
    )
    assert client.post(url, form).json()["is_valid"] is True
    page = client.get(url).content.decode()
    return html.unescape(re.search(r'<iframe src="([^"]+)"', page).group(1))


@pytest.mark.django_db
def test_editor_sees_the_draft_lesson_in_the_sites_own_template(editor_client, client, season_tree):
    lesson = season_tree["lesson"]
    src = open_preview(editor_client, lesson, "Урок 1 (черновик)", "Новый текст урока")
    assert "/preview/?" in src

    response = client.get(src[src.index("/preview/") :])

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Урок 1 (черновик)</h1>" in page
    assert "Новый текст урока" in page
    assert 'class="breadcrumbs"' in page  # the lesson page template of the site, not a bare dump
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Cache-Control"] == "no-store"
    live = client.get(lesson.url).content.decode()
    assert "<h1>Урок 1: дыхание</h1>" in live and "черновик" not in live


@pytest.mark.django_db
def test_a_forged_preview_link_shows_a_russian_message_and_no_draft(client, season_tree):
    response = client.get("/preview/", {"content_type": "cms.lessonpage", "token": "forged:token"})
    assert response.status_code == 403
    assert "Предпросмотр недоступен" in response.content.decode()


@pytest.mark.django_db
def test_a_preview_link_without_a_token_explains_what_to_do(client):
    response = client.get("/preview/")
    assert response.status_code == 400
    assert "откройте предпросмотр из админки" in response.content.decode()
