"""Each role's journey on the demo data, in Chromium, as `make run` leaves it: the demo (loaded with
DEBUG on, so with its passwords, once per run: `demo_snapshot`) is restored and committed once
for the module, its site moved to a live server of its own with the development mailbox, so the
journeys share it instead of reloading it per test.

A visitor plays a demo lesson on a phone; a moderator approves from the queue; an editor previews a
draft in the admin's panel and publishes it; a juror scores; the mentor confirms winners; the
foundation's coordinator records a transfer typed in roubles with its document; a child under 14
registers, the guardian's link comes from the development mailbox, and the child submits a work.
Phone pages must not scroll sideways (document width ≤ viewport)."""

import datetime
import re

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.testcases import LiveServerThread
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from cms.demo import ensure_site_address
from learning.demo import DEMO_PASSWORD
from tests.factories import DESKTOP, PHONE, restore_migrated_data

# Plain django_db: the demo is committed once by the module fixture; each test reads it (and what the
# live server commits) inside its own rolled-back transaction.
# The first test's setup may build the run's demo snapshot (three clips through ffmpeg): more
# than the default timeout on a busy two-core machine.
pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db, pytest.mark.timeout(1500)]
PASSWORD = "Kraski-2026-leto"


@pytest.fixture(scope="module")
def demo_site(django_db_blocker, initial_data, demo_snapshot, browser, tmp_path_factory):
    """The demo restored once into the test database and committed, and a live server over it;
    emptied afterwards."""
    var = tmp_path_factory.mktemp("demo-var")
    folders = {
        "VAR_DIR": var,
        "MEDIA_ROOT": var / "media",
        "PRIVATE_MEDIA_ROOT": var / "private",
        "VIDEO_WORK_DIR": var / "work",
        "VIDEO_UPLOAD_TEMP_DIR": var / "uploads",
    }
    with django_db_blocker.unblock():
        server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)  # static files from the apps
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        url = f"http://127.0.0.1:{server.port}"
        overrides = override_settings(
            DEBUG=True,
            SITE_URL=url,
            WAGTAILAPI_BASE_URL=url,
            ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"],
            EMAIL_BACKEND_NAME="mailbox",
            MAILERS={"default": {"BACKEND": "config.dev_mailbox.MailboxBackend"}},
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
            WAGTAIL_HEADLESS_PREVIEW={
                "CLIENT_URLS": {"default": f"{url}/preview/"},
                "SERVE_BASE_URL": None,
                "REDIRECT_ON_PREVIEW": False,
                "ENFORCE_TRAILING_SLASH": True,
            },
            **folders,
        )
        overrides.enable()
        from django.conf import settings

        private = {**settings.STORAGES["private"], "OPTIONS": {"location": folders["PRIVATE_MEDIA_ROOT"]}}
        storages = override_settings(STORAGES={**settings.STORAGES, "private": private})
        storages.enable()
        try:
            with transaction.atomic():
                demo_snapshot.restore(connection)
                ensure_site_address()  # as load_demo does for SITE_URL: the site answers at this server
            cache.clear()
            demo_snapshot.copy_files(folders)
            yield {"url": url, "folders": folders, "mail": var / "mail"}
        finally:
            server.terminate()
            storages.disable()
            overrides.disable()
            call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True, reset_sequences=False)
            restore_migrated_data(initial_data)


@pytest.fixture(autouse=True)
def demo_folders(demo_site, settings):
    """Undo the per-test media folders of tests/conftest.py: the demo's files live in the module's."""
    for name, value in demo_site["folders"].items():
        setattr(settings, name, value)
    private = {**settings.STORAGES["private"], "OPTIONS": {"location": demo_site["folders"]["PRIVATE_MEDIA_ROOT"]}}
    settings.STORAGES = {**settings.STORAGES, "private": private}


@pytest.fixture
def open_page(browser, demo_site):
    contexts = []

    def make(viewport=PHONE):
        context = browser.new_context(viewport=viewport, base_url=demo_site["url"], locale="ru-RU")
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        return page

    yield make
    for context in contexts:
        context.close()


def fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url}: {width}px wide in a {PHONE['width']}px viewport"


def admin_sign_in(page, username, password=DEMO_PASSWORD):
    page.goto("/admin/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/admin/$"))


def test_a_visitor_plays_a_demo_lesson_on_a_phone(open_page):
    from cms.models import LessonPage

    lesson = LessonPage.objects.live().order_by("path").last()
    page = open_page(PHONE)
    page.goto(lesson.url)
    video = page.locator("[data-player] video")
    video.wait_for()
    page.evaluate("() => { const v = document.querySelector('[data-player] video'); v.muted = true; v.play(); }")
    page.wait_for_function("() => document.querySelector('[data-player] video').currentTime > 1", timeout=30_000)
    qualities = page.locator("[data-quality] option")
    expect(qualities.first).to_have_text("Авто")
    assert qualities.count() >= 3, qualities.all_inner_texts()  # auto, two qualities (and sound only)
    fits_the_phone(page)
    assert not page.console_errors, page.console_errors


def test_a_moderator_approves_from_the_queue(open_page):
    from learning.models import Submission

    work = Submission.objects.filter(status="pending").order_by("submitted_at").first()
    page = open_page(DESKTOP)
    admin_sign_in(page, "moderator.demo")
    page.goto("/admin/learning/moderation/")
    page.locator(f"#work-{work.pk}").get_by_role("button", name="Одобрить").click()
    page.get_by_text("опубликована").first.wait_for()
    work.refresh_from_db()
    assert work.status == "approved"


def test_an_editor_previews_a_draft_in_the_panel_and_publishes_it(open_page):
    from cms.models import LessonPage

    lesson = LessonPage.objects.live().order_by("path").first()
    page = open_page(DESKTOP)
    admin_sign_in(page, "redaktor.demo")
    page.goto(f"/admin/pages/{lesson.pk}/edit/")
    page.locator("#id_title").fill("Новый заголовок урока")
    page.locator("button[data-side-panel-toggle='preview']").click()
    draft = page.frame_locator("#w-preview-iframe").frame_locator("iframe")  # Wagtail swaps in a fresh frame
    expect(draft.get_by_role("heading", name="Новый заголовок урока")).to_be_visible(timeout=30_000)
    assert not [e for e in page.console_errors if "frame-ancestors" in e], page.console_errors

    # The same draft in a tab of its own.
    tab = page.context.new_page()
    tab.goto(f"/admin/pages/{lesson.pk}/edit/preview/")
    expect(tab.frame_locator("iframe").get_by_role("heading", name="Новый заголовок урока")).to_be_visible()
    tab.close()

    page.locator("footer button.w-dropdown__toggle").first.click()
    page.locator("button[name=action-publish]").click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/"))
    lesson.refresh_from_db()
    assert lesson.title == "Новый заголовок урока" and lesson.live and not lesson.has_unpublished_changes


def test_a_juror_scores(open_page):
    from django.contrib.auth import get_user_model

    from learning import services
    from learning.models import Score

    kim = get_user_model().objects.get(username="juror.kim")
    work = services.blind_works_for(kim).exclude(scores__juror=kim).first()
    page = open_page(DESKTOP)
    admin_sign_in(page, "juror.kim")
    page.goto("/admin/learning/jury/")
    page.get_by_role("link", name=f"Работа {work.jury_code}").click()
    page.wait_for_url(re.compile(rf"/admin/learning/jury/{work.jury_code}/$"))
    for field in page.locator("input[name^=criterion-]").all():
        field.fill(field.get_attribute("max"))
    page.locator("textarea[name=comment]").fill("Живой цвет и своя история.")
    page.get_by_role("button", name="Сохранить оценку").click()
    page.get_by_text("Оценка сохранена").wait_for()
    assert Score.objects.filter(juror=kim, submission=work).exists()


def within(locator, width, what):
    box = locator.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, f"{what}: {box} in a {width}px viewport"


def test_the_admin_screens_fit_a_phone_and_the_content_column(open_page):
    """At 390 px the moderation queue's filters and decision form wrap into view, the jury's work
    image fits the column with its proportions, an appeal's decision buttons are in view, and the
    season report's wide tables scroll in boxes of their own, headings in view, instead of widening
    the page; at 1280 px the report's tables stay in Wagtail's content column too."""
    from django.contrib.auth import get_user_model

    from learning import services

    moderator = open_page(PHONE)
    admin_sign_in(moderator, "moderator.demo")
    moderator.goto("/admin/learning/moderation/")
    work = moderator.locator("section[id^=work-]").first
    for what, control in [
        ("«Вид»", moderator.locator("select[name=kind]")),
        ("«Показать»", moderator.get_by_role("button", name="Показать")),
        ("«Журнал решений»", moderator.get_by_role("link", name="Журнал решений")),
        ("шаблон причины", work.locator("select[name=template]")),
        ("своя причина", work.locator("input[name=reason]")),
        ("«Отклонить»", work.get_by_role("button", name="Отклонить")),
    ]:
        within(control, PHONE["width"], what)
    fits_the_phone(moderator)

    kim = get_user_model().objects.get(username="juror.kim")
    shown = next(w for w in services.blind_works_for(kim) if w.files.filter(kind="image").exists())
    juror = open_page(PHONE)
    admin_sign_in(juror, "juror.kim")
    juror.goto(f"/admin/learning/jury/{shown.jury_code}/")
    image = juror.locator("img[alt^=изображение]").first
    juror.wait_for_function("() => document.querySelector('img[alt^=изображение]').complete")
    within(image, PHONE["width"], "изображение работы")
    natural, shown_ratio = image.evaluate("i => [i.naturalWidth / i.naturalHeight, i.width / i.height]")
    assert abs(natural - shown_ratio) < 0.05, (natural, shown_ratio)
    fits_the_phone(juror)

    editor = open_page(PHONE)
    admin_sign_in(editor, "redaktor.demo")
    editor.goto("/admin/learning/appeals/")
    within(editor.get_by_role("button", name="Удовлетворить").first, PHONE["width"], "«Удовлетворить»")
    fits_the_phone(editor)
    for viewport, page in [(PHONE, editor), (DESKTOP, open_page(DESKTOP))]:
        if page is not editor:
            admin_sign_in(page, "redaktor.demo")
        page.goto("/admin/reports/season/")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"the season report is {width}px wide in {viewport['width']}px"
        tables = page.locator("section.report-table").filter(has=page.locator("table[data-table]"))
        assert tables.count() >= 5
        for section in tables.all():
            within(section.locator("h3"), viewport["width"], "заголовок таблицы")
            within(section.locator("table[data-table]").locator("xpath=.."), viewport["width"], "рамка таблицы")
        overflows = page.evaluate(
            "[...document.querySelectorAll('table[data-table]')].map(t => t.parentElement)"
            ".map(box => [box.scrollWidth, box.clientWidth])"
        )
        assert any(inner > outer for inner, outer in overflows), f"at {viewport['width']}px: {overflows}"


def test_the_mentor_confirms_winners(open_page):
    from cms.models import Season
    from learning.models import Assignment

    assignment = Assignment.objects.get(season=Season.objects.get(name="Сезон 2026/27"), direction__slug="painting")
    scored = [w for w in assignment.submissions.filter(status="shortlisted") if w.scores.count() >= 3]
    page = open_page(DESKTOP)
    admin_sign_in(page, "vera.lapteva")
    page.goto(f"/admin/learning/results/{assignment.pk}/")
    page.locator(f"input[name=winners][value='{scored[0].pk}']").check()
    page.get_by_role("button", name="Утвердить итоги").click()
    page.get_by_text("Итоги утверждены").wait_for()
    scored[0].refresh_from_db()
    assert scored[0].status == "winner"


def test_the_coordinator_records_a_transfer_in_roubles_with_its_document(open_page, tmp_path):
    from engagement.models import Campaign, Transfer

    campaign = Campaign.objects.get(season__name="Сезон 2026/27")  # this season's: nothing transferred yet
    page = open_page(DESKTOP)
    admin_sign_in(page, "koordinator", "koordinator")
    page.goto("/admin/snippets/engagement/transfer/add/")
    page.locator("#id_campaign-chooser [data-chooser-action-choose]").first.click()
    page.locator("a[data-chooser-modal-choice]", has_text=campaign.name).click()
    page.locator("#id_beneficiary-chooser [data-chooser-action-choose]").first.click()
    page.locator("a[data-chooser-modal-choice]", has_text="Алиса").click()
    expect(page.locator("#id_foundation option:checked")).to_have_text("Благотворительный фонд «Тёплые ладони»")
    page.locator("#id_transferred_on").fill("2026-11-20")
    page.locator("#id_transferred_on").press("Escape")
    page.locator("#id_payment_reference").fill("п/п 1120")
    report = tmp_path / "otchet-fonda.pdf"
    report.write_bytes(b"%PDF-1.4\n% demo report of the foundation\n%%EOF\n")
    page.locator("#id_report_document").set_input_files(str(report))

    # «1500» is 1 500 ₽: more than this season's campaign has raised, so the form says so and saves
    # nothing (typed in kopecks, as before, it would have gone through as 15 ₽).
    page.get_by_role("textbox", name="Сумма перевода, ₽").fill("1500")
    page.get_by_role("button", name="Сохранить").first.click()
    page.get_by_text("Перевод больше, чем осталось в кампании").wait_for()
    assert not Transfer.objects.filter(payment_reference="п/п 1120").exists()

    page.get_by_role("textbox", name="Сумма перевода, ₽").fill("25")
    page.locator("#id_report_document").set_input_files(str(report))  # a refused form keeps no file
    page.get_by_role("button", name="Сохранить").first.click()
    page.wait_for_url(re.compile(r"/admin/snippets/engagement/transfer/$"))
    transfer = Transfer.objects.get(payment_reference="п/п 1120")
    assert transfer.amount == 2500 and transfer.campaign == campaign
    assert transfer.report_document.name.endswith(".pdf")
    row = page.get_by_role("row").filter(has_text="Алиса").filter(has_text="25\u00a0₽")
    expect(row).to_have_count(1)

    # The public transparency page counts it, and fits a phone.
    visitor = open_page(PHONE)
    visitor.goto("/transparency/")
    helped = visitor.get_by_role("region", name=f"Кому помогли в сезоне {campaign.season}")
    expect(helped.get_by_role("row").filter(has_text="Алиса")).to_contain_text("25\u00a0₽")
    fits_the_phone(visitor)


def test_a_child_under_14_registers_the_guardian_agrees_from_the_mailbox_and_the_child_submits(open_page, tmp_path):
    from cms.models import Region

    child = open_page(PHONE)
    child.goto("/cabinet/register/")
    birth = timezone.localdate().replace(year=timezone.localdate().year - 11) - datetime.timedelta(days=20)
    child.get_by_label("Имя", exact=True).fill("Варя")
    child.get_by_label("Фамилия").fill("Смирнова")
    child.get_by_label("Дата рождения").fill(birth.isoformat())
    child.get_by_label("Регион").select_option(str(Region.objects.get(code="35").pk))
    child.get_by_label("Город или посёлок").fill("Тотьма")
    child.get_by_label("Email", exact=True).fill("varya@example.ru")
    child.get_by_label("Пароль").fill(PASSWORD)
    child.get_by_label("Email родителя").fill("mama.vari@example.ru")
    fits_the_phone(child)
    child.get_by_role("button", name="Зарегистрироваться").click()
    child.get_by_role("heading", name="Почти готово, Варя!").wait_for()

    # The guardian's letter is in the development mailbox, linked from the banner; its link is a link.
    guardian = open_page(PHONE)
    guardian.goto("/")
    guardian.locator(".dev-banner a").click()
    guardian.get_by_role("link", name="Поколение М: подтвердите согласие для Варя").click()
    expect(guardian.get_by_text("mama.vari@example.ru").first).to_be_visible()
    fits_the_phone(guardian)
    guardian.locator(".dev-mail__text a").first.click()
    guardian.get_by_role("button", name="Даю согласие").click()
    guardian.get_by_text("аккаунт Варя активирован").wait_for()

    # The child signs in and submits a work to the open painting assignment.
    child.goto("/cabinet/login/")
    child.get_by_label("Email").fill("varya@example.ru")
    child.get_by_label("Пароль").fill(PASSWORD)
    child.get_by_role("button", name="Войти").click()
    child.get_by_role("heading", name="Привет, Варя!").wait_for()
    child.goto("/cabinet/submit/")
    assignment = child.get_by_label("Задание")
    if assignment.count():
        option = assignment.locator("option", has_text="Портрет моей семьи").first
        assignment.select_option(option.get_attribute("value"))
    child.get_by_label("Название работы").fill("Мы с мамой печём блины")
    picture = tmp_path / "family.png"
    Image.new("RGB", (640, 480), (230, 150, 60)).save(picture, "PNG")
    child.get_by_label("Файлы").set_input_files(str(picture))
    fits_the_phone(child)
    child.get_by_role("button", name="Отправить").click()
    child.get_by_role("heading", name="Привет, Варя!").wait_for()
    assert child.locator(".status--pending").count() == 1
    fits_the_phone(child)
