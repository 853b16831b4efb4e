"""Builders for the site's page tests: a small season (direction, masterclass, lesson), an open
assignment, a running campaign, students and public works made through the learning services."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.factories import add_child, make_season

PASSWORD = "Kraski-2026-leto"


@pytest.fixture(autouse=True)
def clean_state(fresh_cache, fast_password_hashing):
    """Menu, throttles and counter figures are cached: each test starts clean, with cheap hashing."""


@pytest.fixture
def season_tree(db):
    from cms.models import (
        DirectionIndexPage,
        DirectionPage,
        HomePage,
        LessonPage,
        MasterclassPage,
        MentorIndexPage,
        MentorPage,
    )

    season = make_season(days_before=30)
    home = HomePage.objects.get()
    directions = add_child(home, DirectionIndexPage(title="Направления", slug="directions"))
    mentors = add_child(home, MentorIndexPage(title="Наставники", slug="mentors"))
    mentor = add_child(mentors, MentorPage(title="Вера Звонкова", slug="vera", role="певица", bio="<p>Поёт.</p>"))
    vocal = add_child(
        directions, DirectionPage(title="Вокал", slug="vocal", description="<p>Голос и дыхание.</p>", curator=mentor)
    )
    masterclass = add_child(
        vocal,
        MasterclassPage(
            title="Поём с дыханием", slug="breath", mentor=mentor, season=season, age_band="10-13",
            description="<p>Три урока.</p>",
        ),
    )  # fmt: skip
    lesson = add_child(masterclass, LessonPage(title="Урок 1: дыхание", slug="lesson-1", summary="Дышим животом."))
    return {"home": home, "season": season, "direction": vocal, "masterclass": masterclass, "lesson": lesson}


@pytest.fixture
def assignment(season_tree):
    from learning.models import Assignment

    now = timezone.now()
    return Assignment.objects.create(
        title="Нарисуй обложку песни",
        direction=season_tree["direction"],
        season=season_tree["season"],
        masterclass=season_tree["masterclass"],
        task="Нарисуйте обложку к любимой песне.",
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=30),
        age_bands=["6-9", "10-13", "14-18"],
        allowed_kinds=["image"],
        winner_opportunity="выставка в галерее",
    )


@pytest.fixture
def campaign(db):
    from engagement.models import Campaign

    now = timezone.now()
    return Campaign.objects.create(
        name="Сезон 2026/27",
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now + datetime.timedelta(days=60),
        cap=10_000_000,
    )


@pytest.fixture
def make_student(db):
    from cms.models import Region
    from learning import services as learning

    def make(email="anya@example.ru", first_name="Аня", surname="Кузнецова", age=15):
        today = timezone.localdate()
        return learning.register_student(
            email=email,
            password=PASSWORD,
            first_name=first_name,
            surname=surname,
            birth_date=today.replace(year=today.year - age) - datetime.timedelta(days=3),
            region=Region.objects.order_by("name").first(),
            town="Кириллов",
            consent=True,
        )

    return make


def png_upload(name="cover.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 80, 120)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def moderator(db):
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user("moderator", "moderator@example.ru", PASSWORD)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def public_work(assignment, make_student, moderator, campaign):
    from learning import services as learning

    student = make_student()
    work = learning.submit_work(student, assignment, title="Обложка для песни", files=[png_upload()])
    learning.approve_submission(work, moderator)
    work.refresh_from_db()
    return work


@pytest.fixture
def visitor(db):
    return get_user_model().objects.create_user("gost@example.ru", "gost@example.ru", PASSWORD)
