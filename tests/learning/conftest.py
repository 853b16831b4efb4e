"""Builders for the learning tests: a season with one direction, masterclass, lessons, an open
assignment, students of each age, and accounts for every role of the permission matrix."""

import datetime
import functools
import io
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from cms.models import (
    DirectionIndexPage,
    DirectionPage,
    LessonPage,
    MasterclassPage,
    MentorIndexPage,
    MentorPage,
    Region,
    WinnerStoryIndexPage,
)
from learning import services
from learning.models import Assignment, JuryMember, RubricCriterion
from tests import factories
from tests.factories import add_child, make_season

PASSWORD = "Лето-2026-пароль"


@pytest.fixture(autouse=True)
def clean_state(fresh_cache, fast_password_hashing):
    """Every test starts with no throttle or like-rate counters used, and cheap password hashing."""


@pytest.fixture
def season(db):
    return make_season()


@pytest.fixture
def campaign(db):
    from engagement import services as engagement
    from engagement.models import Campaign

    now = timezone.now()
    campaign = Campaign.objects.create(
        name="Сезон 2026/27",
        starts_at=now - datetime.timedelta(days=30),
        ends_at=now + datetime.timedelta(days=200),
        cap=10_000_000,
    )
    engagement.distribute_cap(campaign)
    return campaign


@pytest.fixture
def stories_index(home):
    return add_child(home, WinnerStoryIndexPage(title="Истории победителей", slug="stories"))


@pytest.fixture
def make_user(db):
    return functools.partial(factories.make_user, password=PASSWORD)


@pytest.fixture
def mentor_user(make_user):
    return make_user("mentor", group="Mentors")


@pytest.fixture
def direction(home, season, mentor_user):
    directions = add_child(home, DirectionIndexPage(title="Направления", slug="directions"))
    mentors = add_child(home, MentorIndexPage(title="Наставники", slug="mentors"))
    mentor = add_child(mentors, MentorPage(title="Мария Голосова", role="певица", bio="<p>Поёт.</p>", user=mentor_user))
    vocal = add_child(directions, DirectionPage(title="Вокал", slug="vocal", description="<p>Пение.</p>"))
    vocal.mentor_page = mentor
    return vocal


@pytest.fixture
def masterclass(direction, season):
    return add_child(
        direction,
        MasterclassPage(
            title="Голос с нуля",
            mentor=direction.mentor_page,
            season=season,
            age_band="10-13",
            description="<p>Курс.</p>",
        ),
    )


@pytest.fixture
def lessons(masterclass):
    return [
        add_child(masterclass, LessonPage(title=title, summary="Кратко", text="<p>Урок.</p>"))
        for title in ("Дыхание", "Опора", "Резонаторы")
    ]


@pytest.fixture
def make_assignment(direction, season, masterclass):
    def make(title="Спой любимую песню", **fields):
        now = timezone.now()
        values = {
            "direction": direction,
            "season": season,
            "masterclass": masterclass,
            "task": "Запишите, как вы поёте любимую песню.",
            "opens_at": now - datetime.timedelta(days=7),
            "closes_at": now + datetime.timedelta(days=30),
            "age_bands": ["6-9", "10-13", "14-18"],
            "allowed_kinds": ["image", "video", "audio", "document", "text"],
            "max_files": 3,
            "jurors_per_work": 3,
            "winner_opportunity": "Выступление на сцене фестиваля",
        }
        values.update(fields)
        assignment = Assignment.objects.create(title=title, **values)
        RubricCriterion.objects.create(assignment=assignment, name="Исполнение", max_points=10, sort_order=0)
        RubricCriterion.objects.create(assignment=assignment, name="Артистизм", max_points=5, sort_order=1)
        return assignment

    return make


@pytest.fixture
def assignment(make_assignment):
    return make_assignment()


def birth_date_for(age):
    today = timezone.localdate()
    return (
        datetime.date(today.year - age, 1, 1)
        if today.month > 1 or today.day > 1
        else datetime.date(today.year - age - 1, 1, 1)
    )


@pytest.fixture
def make_student(db):
    """A registered, active student (guardian consent confirmed for under-14s)."""

    def make(email="anya@example.org", first_name="Аня", surname="Колесникова", age=12, region="52", town="Выкса"):
        student = services.register_student(
            email=email,
            password=PASSWORD,
            first_name=first_name,
            surname=surname,
            birth_date=birth_date_for(age),
            region=Region.objects.get(code=region),
            town=town,
            town_population=52000,
            guardian_email=f"parent.{email}" if age < 14 else "",
            consent=age >= 14,
            ip="10.0.0.1",
        )
        if age < 14:
            services.confirm_guardian_consent(services.guardian_token(student), ip="10.0.0.2", password=PASSWORD)
        student.refresh_from_db()
        student.user.refresh_from_db()
        return student

    return make


@pytest.fixture
def student(make_student):
    return make_student()


@pytest.fixture
def client_for():
    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def jurors(make_user, direction, season):
    people = []
    for n in range(1, 4):
        user = make_user(f"juror{n}")
        JuryMember.objects.create(user=user, direction=direction, season=season)
        people.append(user)
    return people


@pytest.fixture
def mentor_seat(mentor_user, direction, season):
    return JuryMember.objects.create(user=mentor_user, direction=direction, season=season, role=JuryMember.Role.MENTOR)


def work_clip(path, *, size="160x90", seconds=1, noise=False):
    """A short contest video (test pattern and a tone) made by the real ffmpeg; `noise` makes it
    big for its length (many upload chunks). Returns the bytes."""
    picture = ["-vf", "noise=alls=20:allf=t", "-qp", "10"] if noise else []
    subprocess.run(
        [
            *["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}"],
            *["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", *picture],
            *["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        ],
        check=True,
    )
    return path.read_bytes()


def image_upload(name="photo.jpg", size=(64, 48), fmt="JPEG", exif=None, color=(200, 100, 50)):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, fmt, **kwargs)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def pdf_upload(name="score.pdf"):
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    return SimpleUploadedFile(name, body + b"trailer<</Root 1 0 R>>\n%%EOF\n", content_type="application/pdf")
