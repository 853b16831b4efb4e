"""A guardian on a phone follows two children from one account: sees both, opens one and reads why a
work was rejected, withdraws the consent (after a confirmation) and gives it back, then adds another
child, who signs in at once with the password the guardian set."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from learning import services as learning
from tests import factories
from tests.factories import PASSWORD, PHONE, birth_date_for
from tests.factories.pages import PageTree

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REASON = "На рисунке виден номер дома — уберите его."


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def signed_in(new_page, live_server, user):
    page = new_page(PHONE)
    session = Client()
    session.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


@pytest.fixture
def family(migrated_data):
    season = factories.make_season(days_before=30)
    tree = PageTree(publish=False)
    tree.sections_named("directions", "mentors")
    mentor = tree.mentor("Вера Звонкова", slug="vera")
    direction = tree.direction(curator=mentor)
    masterclass = tree.masterclass(direction, mentor=mentor, season=season, title="Рисуем двор", slug="yard")
    assignment = factories.make_assignment(
        direction,
        season=season,
        masterclass=masterclass,
        title="Нарисуй свой двор",
        days_open=1,
        allowed_kinds=["image"],
        winner_opportunity="выставка",
    )
    factories.make_campaign(10_000_000, name="Сезон", days_before=1, days_after=60)
    moderator = factories.make_user("moderator", group="Moderators")
    anya = factories.make_student("anya@example.ru", "Аня", "Кузнецова", 12, notify_guardian=False)
    liza = learning.add_child(
        anya.guardian,
        email="liza@example.ru",
        password=PASSWORD,
        first_name="Лиза",
        surname="Кузнецова",
        birth_date=birth_date_for(9),
        region=None,
        town="Выкса",
    )
    learning.approve_submission(
        learning.submit_work(anya, assignment, title="Наш сад", files=[factories.png_upload()]), moderator
    )
    rejected = learning.submit_work(liza, assignment, title="Двор с качелями", files=[factories.png_upload()])
    learning.reject_submission(rejected, moderator, REASON)
    return {"guardian": anya.guardian, "anya": anya, "liza": liza}


def test_a_guardian_follows_two_children_withdraws_and_gives_consent_and_adds_another(
    family, new_page, live_server, screenshot
):
    page = signed_in(new_page, live_server, family["guardian"])
    page.goto("/cabinet/")
    children = page.locator("[data-children] .card")
    expect(children).to_have_count(2)
    expect(children.filter(has_text="Аня Кузнецова")).to_have_count(1)
    fits_the_phone(page)

    # Лиза's page: her rejected work and the moderator's reason.
    page.get_by_role("link", name="Лиза Кузнецова").click()
    page.get_by_role("heading", name="Лиза Кузнецова").wait_for()
    expect(page.locator("#child-works ~ .table-scroll")).to_contain_text(REASON)
    fits_the_phone(page)
    screenshot(page, "guardian-child-phone")

    # Withdraw: a confirmation page says what happens first.
    page.get_by_role("link", name="Отозвать согласие").click()
    expect(page.get_by_text("аккаунт Лиза отключится")).to_be_visible()
    fits_the_phone(page)
    page.get_by_role("button", name="Да, отозвать согласие").click()
    expect(page.locator("[data-consent-state=withdrawn]")).to_be_visible()
    family["liza"].user.refresh_from_db()
    assert not family["liza"].user.is_active

    # Give it back.
    page.get_by_label("Я родитель или законный представитель").check()
    page.get_by_role("button", name="Дать согласие").click()
    expect(page.locator(".message--success")).to_contain_text("Согласие дано")
    expect(page.locator("[data-consent-state]")).to_have_count(0)
    family["liza"].user.refresh_from_db()
    assert family["liza"].user.is_active

    # Another child, under the same account.
    page.goto("/cabinet/")
    page.get_by_role("link", name="Добавить ребёнка").click()
    page.get_by_label("Имя", exact=True).fill("Петя")
    page.get_by_label("Фамилия").fill("Кузнецов")
    page.get_by_label("Дата рождения").fill(birth_date_for(7).isoformat())
    page.get_by_label("Регион").select_option(index=1)
    page.get_by_label("Город или посёлок").fill("Выкса")
    page.get_by_label("Email ребёнка").fill("petya@example.ru")
    page.get_by_label("Пароль для ребёнка").fill(PASSWORD)
    page.get_by_label("Я родитель или законный представитель").check()
    fits_the_phone(page)
    page.get_by_role("button", name="Добавить ребёнка").click()
    page.get_by_role("heading", name="Петя Кузнецов").wait_for()
    page.goto("/cabinet/")
    expect(page.locator("[data-children] .card")).to_have_count(3)
    assert page.console_errors == []

    # Петя signs in at once with the password the guardian set, and sees who his guardian is.
    child = new_page(PHONE)
    child.goto("/cabinet/login/")
    child.get_by_label("Email").fill("petya@example.ru")
    child.get_by_label("Пароль").fill(PASSWORD)
    child.get_by_role("button", name="Войти").click()
    child.get_by_role("heading", name="Привет, Петя!").wait_for()
    expect(child.locator("[data-my-guardian]")).to_contain_text("p***@example.ru")
    fits_the_phone(child)
