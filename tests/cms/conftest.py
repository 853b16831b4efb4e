"""Small builders for the content tree: a test creates only the pages it reads."""

import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images.models import Image

from cms.models import (
    DirectionIndexPage,
    DirectionPage,
    EventIndexPage,
    EventPage,
    LessonPage,
    MasterclassPage,
    MentorIndexPage,
    MentorPage,
    PartnerIndexPage,
    PartnerPage,
    Region,
    Season,
    WinnerStoryIndexPage,
    WinnerStoryPage,
)
from tests.factories import add_child


@pytest.fixture
def season(db):
    return Season.objects.create(
        name="Сезон 2026/27", starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 5, 31)
    )


@pytest.fixture
def sections(home):
    return {
        "directions": add_child(home, DirectionIndexPage(title="Направления", slug="directions")),
        "mentors": add_child(home, MentorIndexPage(title="Наставники", slug="mentors")),
        "stories": add_child(home, WinnerStoryIndexPage(title="Истории", slug="stories")),
        "partners": add_child(home, PartnerIndexPage(title="Партнёры", slug="partners")),
        "events": add_child(home, EventIndexPage(title="Мероприятия", slug="events")),
    }


@pytest.fixture
def make_image(db):
    def make(title="Обложка", color=(200, 60, 60)):
        buffer = io.BytesIO()
        PILImage.new("RGB", (64, 36), color).save(buffer, "PNG")
        return Image.objects.create(title=title, file=ImageFile(buffer, name="cover.png"))

    return make


@pytest.fixture
def make_mentor(sections, django_user_model):
    def make(name="Мария Голосова", username=None, photo=None):
        user = None
        if username:
            user = django_user_model.objects.create_user(username=username, password="pass-12345")
            user.groups.add(Group.objects.get(name="Mentors"))
        return add_child(
            sections["mentors"],
            MentorPage(title=name, role="певица", bio="<p>Поёт.</p>", user=user, photo=photo, owner=user),
        )

    return make


@pytest.fixture
def make_direction(sections):
    def make(title="Вокал", slug="vocal", cover=None):
        return add_child(
            sections["directions"], DirectionPage(title=title, slug=slug, description="<p>Пение.</p>", cover=cover)
        )

    return make


@pytest.fixture
def make_masterclass(season):
    def make(direction, mentor, title="Голос с нуля", age_band="10-13", cover=None, slug=None):
        return add_child(
            direction,
            MasterclassPage(
                title=title,
                slug=slug or None,
                mentor=mentor,
                season=season,
                age_band=age_band,
                description="<p>Курс.</p>",
                cover=cover,
            ),
        )

    return make


@pytest.fixture
def make_lesson():
    def make(masterclass, title="Дыхание", video=None, owner=None):
        return add_child(
            masterclass, LessonPage(title=title, summary="Кратко", text="<p>Урок.</p>", video=video, owner=owner)
        )

    return make


@pytest.fixture
def make_story(sections, season):
    def make(direction, region_code="77", first_name="Аня", surname_initial="К", town="", town_size="unknown"):
        return add_child(
            sections["stories"],
            WinnerStoryPage(
                title=f"История: {first_name}",
                first_name=first_name,
                surname_initial=surname_initial,
                age=12,
                region=Region.objects.get(code=region_code),
                town=town,
                town_size=town_size,
                direction=direction,
                season=season,
                opportunity="Выступление на большой сцене",
                quote="Я больше не боюсь сцены.",
            ),
        )

    return make


@pytest.fixture
def one_of_each(sections, make_direction, make_mentor, make_masterclass, make_lesson, make_story, make_image):
    """One page of every type, with covers, a photo and an event's mentor filled in."""
    direction = make_direction(cover=make_image())
    mentor = make_mentor(photo=make_image())
    masterclass = make_masterclass(direction, mentor, cover=make_image())
    start = datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC)
    return [
        sections["directions"].get_parent().specific,
        *sections.values(),
        direction,
        mentor,
        masterclass,
        make_lesson(masterclass),
        make_story(direction),
        add_child(sections["partners"], PartnerPage(title="Фонд", kind="foundation", description="<p>.</p>")),
        add_child(
            sections["events"],
            EventPage(
                title="Встреча",
                starts_at=start,
                ends_at=start,
                region=Region.objects.get(code="16"),
                town="Казань",
                venue="ДК",
                description="<p>.</p>",
                mentors=[mentor],
            ),
        ),
    ]
