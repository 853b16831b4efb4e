"""Sign-in for everyone, in Chromium against the live server: a grandparent signs up with an emailed
code and likes a work (the home counter rises by 1 ₽, once, when the new account's first day is
over); a 15-year-old signs in with VK ID through the local OAuth 2.1 server (tests/vk_id_server.py),
completes the pre-filled profile and submits a work. Phone pages must not scroll sideways."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from engagement import services as engagement
from engagement.models import LedgerEntry
from learning import services as learning
from tests import factories
from tests.factories import PHONE
from tests.vk_id_server import vk_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def counter_kopecks(page):
    return int(page.locator("[data-counter]").first.get_attribute("data-counter-kopecks"))


def fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url}: {width}px wide in a {PHONE['width']}px viewport"


def code_from_letter(to):
    letter = next(m for m in reversed(mail.outbox) if m.to == [to])
    return re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", letter.body, re.MULTILINE).group(1)


@pytest.fixture
def approved_work(season_content):
    moderator = get_user_model().objects.create_user("moder", "moder@example.ru", "x")
    student = factories.make_student(
        "anya@example.ru", "Аня", "Кузнецова", 12, region=season_content["region"], town="Кириллов"
    )
    work = learning.submit_work(
        student, season_content["assignment"], title="Обложка для песни", files=[factories.png_upload()]
    )
    learning.approve_submission(work, moderator)
    return work


def test_a_grandparent_signs_up_with_an_emailed_code_and_likes_a_work(
    new_page, live_server, approved_work, settings, screenshot
):
    settings.SITE_URL = live_server.url
    settings.ENGAGEMENT_LIKE_WARMUP_HOURS = 24  # the product's default (the tests' default is 0)
    page = new_page(PHONE)
    page.goto("/")
    before = counter_kopecks(page)
    work_url = f"/gallery/{approved_work.pk}/"

    # The work → «Поддержать» → the sign-in page: one typed field.
    page.goto(work_url)
    page.get_by_role("link", name="Поддержать").click()
    expect(page.locator("[data-sign-in-reason]")).to_contain_text("Войдите, чтобы поддержать работу")
    page.get_by_label("Электронная почта").fill("babushka.nina@example.ru")
    fits_the_phone(page)
    screenshot(page, "sign-in-phone")
    page.get_by_role("button", name="Получить код").click()

    # The code from the letter → back at the work, signed in.
    page.locator("input[name=code]").fill(code_from_letter("babushka.nina@example.ru"))
    fits_the_phone(page)
    screenshot(page, "sign-in-code-phone")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(re.escape(work_url) + "$"))
    page.get_by_role("button", name="Поддержать").click()
    # A new account's like shows at once; its rouble comes after the warm-up (README «Честные лайки»).
    page.get_by_text("Ваш аккаунт новый: рубль за него зачислится после первых суток").wait_for()
    page.goto("/")
    assert counter_kopecks(page) == before
    assert not LedgerEntry.objects.filter(kind="like").exists(), "no rouble before the first day is over"

    # A second like from the same account (after taking the first back) changes nothing.
    page.goto(work_url)
    page.get_by_role("button", name="Вы поддержали").click()
    page.get_by_text("Лайк снят.").wait_for()
    page.get_by_role("button", name="Поддержать").click()
    page.get_by_text("Ваш аккаунт новый").wait_for()

    # The first day over, the scheduled job records the like: the home counter rose by exactly 1 ₽,
    # however often the job runs.
    later = timezone.now() + datetime.timedelta(hours=25)
    assert engagement.count_warmed_up_likes(now=later) == 1
    assert engagement.count_warmed_up_likes(now=later) == 0
    # The live counter catches up within its polling period (the API's answer is cached seconds).
    page.goto("/")
    page.wait_for_function(
        f"() => document.querySelector('[data-counter]').dataset.counterKopecks === '{before + 100}'", timeout=20_000
    )
    page.wait_for_timeout(6_000)  # and stays there: the like is counted once
    assert counter_kopecks(page) == before + 100
    assert page.console_errors == []


def test_a_15_year_old_signs_in_with_vk_id_completes_the_profile_and_submits(
    new_page, live_server, season_content, settings, vk_id, screenshot, tmp_path
):
    settings.SITE_URL = live_server.url
    today = timezone.localdate()
    born = today.replace(year=today.year - 15) - datetime.timedelta(days=30)
    vk_id.user = vk_user(8101, "Кирилл", "Орлов", born, email="kirill@example.ru")

    page = new_page(PHONE)
    page.goto("/cabinet/login/")
    page.get_by_role("button", name="Продолжить с VK ID").click()

    # Back from VK ID: «Я ученик», and the profile comes pre-filled from VK.
    page.get_by_role("link", name="Я ученик").click()
    assert page.get_by_label("Имя", exact=True).input_value() == "Кирилл"
    assert page.get_by_label("Фамилия").input_value() == "Орлов"
    assert page.get_by_label("Дата рождения").input_value() == born.isoformat()
    page.get_by_label("Регион").select_option(str(season_content["region"].pk))
    page.get_by_label("Город или посёлок").fill("Кириллов")
    page.get_by_label("даю согласие").check()
    fits_the_phone(page)
    screenshot(page, "vk-id-profile-phone")
    page.get_by_role("button", name="Сохранить профиль").click()
    page.get_by_role("heading", name="Привет, Кирилл!").wait_for()

    # The work goes to the moderator.
    page.goto("/cabinet/submit/")
    page.get_by_label("Название работы").fill("Обложка к песне")
    picture = tmp_path / "cover.png"
    Image.new("RGB", (640, 480), (60, 120, 200)).save(picture, "PNG")
    page.get_by_label("Файлы").set_input_files(str(picture))
    page.get_by_role("button", name="Отправить").click()
    page.get_by_role("heading", name="Привет, Кирилл!").wait_for()
    assert page.locator(".status--pending").count() == 1
    fits_the_phone(page)
    assert page.console_errors == []
