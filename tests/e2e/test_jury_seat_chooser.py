"""In Chromium: an editor seats a juror by searching adults in the chooser (no dropdown of every
account); a child's account is not among the results."""

import re

import pytest
from django.contrib.auth import get_user_model

from tests.factories import DESKTOP, add_child, make_season

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Kraski-2026-leto"


def test_an_editor_finds_an_adult_by_name_and_seats_them(new_page, migrated_data):
    from django.contrib.auth.models import Group

    from cms.models import DirectionIndexPage, DirectionPage, HomePage
    from learning.models import JuryMember, Student

    users = get_user_model().objects
    editor = users.create_user("olga", "olga@example.org", PASSWORD)
    editor.groups.add(Group.objects.get(name="Editors"))
    vera = users.create_user("vera", "vera@example.org", PASSWORD, first_name="Вера", last_name="Звонкова")
    child = users.create_user("kid", "zvonkova.kid@example.org", PASSWORD, last_name="Звонкова")
    Student.objects.create(user=child, first_name="Аня", surname="Звонкова")
    season = make_season()
    index = add_child(HomePage.objects.get(), DirectionIndexPage(title="Направления", slug="directions"))
    direction = add_child(index, DirectionPage(title="Вокал", slug="vocal", description="<p>Голос.</p>"))

    page = new_page(DESKTOP)
    page.goto("/admin/login/")
    page.locator("input[name=username]").fill("olga")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/admin/$"))

    page.goto("/admin/snippets/learning/jurymember/add/")
    assert page.locator("select[name=user]").count() == 0, "no dropdown of every account"
    page.get_by_role("button", name="Выбрать взрослого").click()
    search = page.locator(".modal input[name=q]")
    search.fill("звонк")
    results = page.locator(".modal [data-chooser-modal-choice]")
    results.filter(has_text="vera").wait_for()
    assert "zvonkova.kid@example.org" not in page.locator(".modal").inner_text()
    results.filter(has_text="vera").click()
    page.locator(".modal").wait_for(state="hidden")
    # Direction and season have Wagtail's own page and snippet choosers; their hidden inputs suffice here.
    for name, pk in (("direction", direction.pk), ("season", season.pk)):
        page.locator(f"input[name={name}]").evaluate("(input, pk) => { input.value = pk; }", str(pk))
    page.get_by_role("button", name=re.compile("Сохранить")).first.click()
    page.wait_for_url(re.compile(r"/admin/snippets/learning/jurymember/$"))
    assert JuryMember.objects.get().user == vera
