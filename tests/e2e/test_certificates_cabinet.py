"""A child's certificate in a real browser: the cabinet shows it with the badges, the PDF
downloads and reads right, «Поделиться» gives the verification link (never the PDF), and a
stranger who opens that link sees a valid certificate with the first name and initial only."""

import datetime
import io
from pathlib import Path

import pypdf
import pytest
from django.utils import timezone

from tests.factories import PHONE, add_child

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Diplom-2026-vesna"


@pytest.fixture
def winner(migrated_data, settings, live_server):
    """A 15-year-old whose work a moderator approved and the jury shortlisted; the certificates'
    tasks ran when each decision committed."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from cms.models import (
        DirectionIndexPage,
        DirectionPage,
        HomePage,
        MasterclassPage,
        MentorIndexPage,
        MentorPage,
        Region,
        Season,
    )
    from learning import services as learning
    from learning.models import Assignment

    settings.SITE_URL = live_server.url
    today = timezone.localdate()
    season = Season.objects.create(
        name="Сезон проверки",
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=200),
    )
    home = HomePage.objects.get()
    directions = add_child(home, DirectionIndexPage(title="Направления", slug="directions"))
    mentors = add_child(home, MentorIndexPage(title="Наставники", slug="mentors"))
    mentor = add_child(mentors, MentorPage(title="Вера Кистева", slug="vera", role="художница", bio="<p>Пишет.</p>"))
    painting = add_child(
        directions, DirectionPage(title="Живопись", slug="painting", description="<p>Краски.</p>", curator=mentor)
    )
    masterclass = add_child(
        painting,
        MasterclassPage(
            title="Акварель", slug="akvarel", mentor=mentor, season=season, age_band="14-18", description="<p>.</p>"
        ),
    )
    now = timezone.now()
    assignment = Assignment.objects.create(
        title="Портрет моей семьи",
        direction=painting,
        season=season,
        masterclass=masterclass,
        task="Нарисуйте семью.",
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=30),
        age_bands=["14-18"],
        allowed_kinds=["text"],
        winner_opportunity="Выставка",
    )
    student = learning.register_student(
        email="anya@example.ru",
        password=PASSWORD,
        first_name="Аня",
        surname="Кузнецова",
        birth_date=today.replace(year=today.year - 15) - datetime.timedelta(days=10),
        region=Region.objects.get(code="35"),
        town="Тотьма",
        consent=True,
        ip="127.0.0.1",
    )
    moderator = get_user_model().objects.create_user("moderator", "moderator@example.ru", PASSWORD)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    work = learning.submit_work(student, assignment, title="Мама и кот", text="Рассказ о моей семье.")
    learning.approve_submission(work, moderator)
    learning.shortlist_submission(work, moderator)
    return student


def test_a_child_downloads_and_shares_a_certificate_and_a_stranger_checks_it(new_page, winner, screenshot):
    from certificates.models import Certificate

    finalist = Certificate.objects.get(holder=winner.user, kind="finalist")
    child = new_page(PHONE)
    child.goto("/cabinet/login/")
    child.get_by_label("Email").fill("anya@example.ru")
    child.get_by_label("Пароль").fill(PASSWORD)
    child.get_by_role("button", name="Войти").click()
    child.get_by_role("heading", name="Привет, Аня!").wait_for()

    certificates = child.locator("#my-certificates").locator("xpath=..")
    certificates.get_by_text("2 сертификата").wait_for()
    assert child.locator(".badge--earned").all_inner_texts()[0].startswith("★")
    earned = child.locator(".badge--earned strong").all_inner_texts()
    assert earned == ["Первая работа", "Финалист"]
    card = child.locator(f'[data-certificate="{finalist.code}"]')
    card.scroll_into_view_if_needed()
    screenshot(child, "cabinet-certificates-phone")

    with child.expect_download() as download:
        card.get_by_role("link", name="Скачать PDF").click()
    data = Path(download.value.path()).read_bytes()
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "Аня Кузнецова" in text and finalist.code in text

    card.get_by_text("Поделиться").click()
    link = card.locator("[data-share-link]")
    assert link.is_visible()
    shared = link.input_value()
    assert shared == finalist.verify_url and not shared.endswith("/pdf/")
    assert "vk.com/share.php" in card.get_by_role("link", name="ВКонтакте").get_attribute("href")
    screenshot(child, "cabinet-share-phone")

    stranger = new_page(PHONE)
    stranger.goto(shared)
    stranger.get_by_text("Сертификат действителен").wait_for()
    assert stranger.locator("[data-certificate-holder]").inner_text() == "Аня К."
    assert "Кузнецова" not in stranger.content()
    screenshot(stranger, "certificate-check-phone")
    pdf = stranger.request.get(f"/certificates/{finalist.code}/pdf/")
    assert pdf.status == 403
    assert child.console_errors == [] and stranger.console_errors == []
