"""The whole story in a real browser: a child under 14 registers and a guardian's link activates the
account; the child watches a lesson (the video really plays and resumes after a reload) and submits
a work; a moderator approves it in the Wagtail admin; a visitor likes it and the donation counter
on the home page goes up. Also: the home page's weight on first load, and screenshots."""

import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from tests.factories import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HOME_PAGE_BUDGET = 500 * 1024
PASSWORD = "Kraski-2026-leto"


def png_file(path):
    Image.new("RGB", (640, 480), (200, 80, 120)).save(path, "PNG")
    return path


def counter_kopecks(page):
    return int(page.locator("[data-counter]").first.get_attribute("data-counter-kopecks"))


def test_student_registers_watches_submits_and_a_like_raises_the_counter(
    new_page, live_server, season_content, settings, screenshot, tmp_path
):
    settings.SITE_URL = live_server.url
    lesson = season_content["lesson"]

    # A 12-year-old registers; the account waits for the guardian.
    child = new_page(PHONE)
    child.goto("/cabinet/register/")
    birth = timezone.localdate().replace(year=timezone.localdate().year - 12) - datetime.timedelta(days=10)
    child.get_by_label("Имя", exact=True).fill("Аня")
    child.get_by_label("Фамилия").fill("Кузнецова")
    child.get_by_label("Дата рождения").fill(birth.isoformat())
    child.get_by_label("Регион").select_option(str(season_content["region"].pk))
    child.get_by_label("Город или посёлок").fill("Кириллов")
    child.get_by_label("Email", exact=True).fill("anya@example.ru")
    child.get_by_label("Пароль").fill(PASSWORD)
    child.get_by_label("Email родителя").fill("mama@example.ru")
    screenshot(child, "register-phone")
    child.get_by_role("button", name="Зарегистрироваться").click()
    child.get_by_role("heading", name="Почти готово, Аня!").wait_for()
    assert not get_user_model().objects.get(email="anya@example.ru").is_active

    # The guardian opens the emailed link and agrees.
    letter = next(m for m in mail.outbox if "mama@example.ru" in m.to)
    link = re.search(r"https?://\S+", letter.body).group(0)
    guardian = new_page(PHONE)
    guardian.goto(link)
    # The page wears the site's layout and stylesheet (the CSP blocks inline styles): the consent
    # button is the site's accent button, not the browser's grey one.
    expect(guardian.locator(".site-header")).to_be_visible()
    consent_button = guardian.get_by_role("button", name="Даю согласие")
    assert consent_button.evaluate("b => getComputedStyle(b).backgroundColor") not in (
        "rgba(0, 0, 0, 0)",
        "rgb(239, 239, 239)",
    )
    screenshot(guardian, "guardian-consent-phone")
    guardian.get_by_role("button", name="Даю согласие").click()
    guardian.get_by_text("аккаунт Аня активирован").wait_for()
    assert get_user_model().objects.get(email="anya@example.ru").is_active

    # The child signs in and watches the lesson: the video really plays.
    child.goto("/cabinet/login/")
    child.get_by_label("Email").fill("anya@example.ru")
    child.get_by_label("Пароль").fill(PASSWORD)
    child.get_by_role("button", name="Войти").click()
    child.get_by_role("heading", name="Привет, Аня!").wait_for()
    child.goto(lesson.url)
    video = child.locator("[data-player] video")
    video.wait_for()
    child.evaluate("document.querySelector('[data-player] video').muted = true")
    child.evaluate("document.querySelector('[data-player] video').play()")
    child.wait_for_function("() => document.querySelector('[data-player] video').currentTime > 4", timeout=30_000)
    screenshot(child, "lesson-phone")
    with child.expect_response(lambda r: r.url.endswith("/api/progress/") and r.request.method == "POST") as beacon:
        child.evaluate("document.querySelector('[data-player] video').pause()")
    assert beacon.value.ok, beacon.value.text()
    saved = beacon.value.json()["position"]
    assert saved > 4

    # After a reload the player resumes near the same place.
    child.reload()
    child.wait_for_function(
        "saved => Math.abs(document.querySelector('[data-player] video').currentTime - saved) < 1.5", arg=saved
    )

    # The child submits a work; the upload shows its progress and lands in the cabinet as pending.
    child.goto("/cabinet/submit/")
    child.get_by_label("Название работы").fill("Обложка для песни")
    child.get_by_label("Файлы").set_input_files(str(png_file(tmp_path / "cover.png")))
    screenshot(child, "submit-work-phone")
    child.get_by_role("button", name="Отправить").click()
    child.get_by_role("heading", name="Привет, Аня!").wait_for()
    assert child.locator(".status--pending").count() == 1

    # A moderator approves it in the Wagtail admin.
    moderator_user = get_user_model().objects.create_user(
        "moderator", "moderator@example.ru", PASSWORD, first_name="Ольга"
    )
    moderator_user.groups.add(Group.objects.get(name="Moderators"))
    moderator = new_page(DESKTOP)
    moderator.goto("/admin/login/")
    moderator.locator("input[name=username]").fill("moderator")
    moderator.locator("input[name=password]").fill(PASSWORD)
    moderator.locator("form button[type=submit]").first.click()
    moderator.wait_for_url(re.compile(r"/admin/$"))
    moderator.goto("/admin/learning/moderation/")
    moderator.get_by_text("«Обложка для песни»").wait_for()
    screenshot(moderator, "admin-moderation-desktop")
    moderator.get_by_role("button", name="Одобрить").click()
    moderator.get_by_text("опубликована").first.wait_for()

    # A visitor watches the counter on the home page while another tab likes the work.
    get_user_model().objects.create_user("gost@example.ru", "gost@example.ru", PASSWORD)
    visitor = new_page(DESKTOP)
    visitor.goto("/cabinet/login/")
    visitor.get_by_label("Email").fill("gost@example.ru")
    visitor.get_by_label("Пароль").fill(PASSWORD)
    visitor.get_by_role("button", name="Войти").click()
    visitor.goto("/")
    before = counter_kopecks(visitor)
    liker = visitor.context.new_page()
    liker.goto("/gallery/")
    liker.get_by_role("link", name="Обложка для песни").click()
    screenshot(liker, "work-desktop")
    liker.get_by_role("button", name="Поддержать").click()
    liker.get_by_text("Вы поддержали").wait_for()
    visitor.wait_for_function(
        "before => Number(document.querySelector('[data-counter]').dataset.counterKopecks) > before",
        arg=before,
        timeout=20_000,
    )
    after = counter_kopecks(visitor)
    assert after - before == 100, (before, after)
    expected = f"{after // 100:,}".replace(",", "\u00a0") + "\u00a0₽"
    expect(visitor.locator("[data-counter-value]").first).to_have_text(expected)
    screenshot(visitor, "home-after-like-desktop")
    assert not child.console_errors, child.console_errors
    assert not visitor.console_errors, visitor.console_errors


def photo(title, seed):
    """A photo-like 1600x1200 cover: random detail at a coarse scale, smoothly enlarged, so it
    compresses like a photograph rather than like flat colour."""
    import random

    from django.core.files.images import ImageFile
    from wagtail.images.models import Image as WagtailImage

    rng = random.Random(seed)
    coarse = Image.frombytes("RGB", (40, 30), rng.randbytes(40 * 30 * 3))
    picture = coarse.resize((1600, 1200), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return WagtailImage.objects.create(title=title, file=ImageFile(buffer, name=f"{seed}.jpg"))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_home_page_weighs_at_most_500_kb_on_first_load(new_page, season_content, viewport):
    from cms.models import DirectionIndexPage, DirectionPage

    directions = DirectionIndexPage.objects.get()
    names = ["Актёрское мастерство", "Кино", "Дизайн одежды", "Живопись", "Фотография", "Иллюстрация", "Робототехника"]
    for number, name in enumerate(names):
        direction = DirectionPage(title=name, slug=f"d{number}", description="<p>Описание.</p>")
        direction.cover = photo(name, number)
        directions.add_child(instance=direction)
        direction.save_revision().publish()

    page = new_page(viewport)
    sizes = []
    page.on("requestfinished", lambda request: sizes.append((request.url, request.sizes())))
    page.goto("/", wait_until="networkidle")
    total = sum(s["responseBodySize"] + s["responseHeadersSize"] for _, s in sizes)
    width = viewport["width"]
    print(f"\nГлавная страница ({width} px), первая загрузка: {total} байт ({total / 1024:.1f} КБ)")
    for url, s in sizes:
        print(f"  {s['responseBodySize'] + s['responseHeadersSize']:>8}  {url}")
    assert total <= HOME_PAGE_BUDGET
    assert not page.console_errors, page.console_errors


def test_main_pages_render_without_errors_at_phone_and_desktop_widths(new_page, season_content, screenshot):
    """Screenshots of the main pages for review; no page logs a script or CSP error."""
    lesson = season_content["lesson"]
    pages = {
        "home": "/",
        "directions": "/directions/",
        "direction": "/directions/vocal/",
        "masterclass": lesson.get_parent().url,
        "lesson": lesson.url,
        "mentor": "/mentors/vera/",
        "gallery": "/gallery/",
        "transparency": "/transparency/",
        "search": "/search/?q=%D0%B2%D0%BE%D0%BA%D0%B0%D0%BB%D0%B0",
        "widget": "/widget/",
        "login": "/cabinet/login/",
        "not-found": "/takoy-stranitsy-net/",
    }
    for width_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_page(viewport)
        for name, url in pages.items():
            response = page.goto(url, wait_until="networkidle")
            assert response.status == (404 if name == "not-found" else 200), (url, response.status)
            screenshot(page, f"{name}-{width_name}")
        errors = [e for e in page.console_errors if "404" not in e]
        assert not errors, errors
    page = new_page(PHONE)
    page.goto("/search/?q=%D0%B2%D0%BE%D0%BA%D0%B0%D0%BB%D0%B0")
    assert page.get_by_role("link", name="Вокал").count() >= 1
