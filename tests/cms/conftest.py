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
    HomePage,
    LessonPage,
    MasterclassPage,
    MentorIndexPage,
    MentorPage,
    PartnerIndexPage,
    Region,
    Season,
    WinnerStoryIndexPage,
    WinnerStoryPage,
)


def add_child(parent, page, publish=True):
    parent.add_child(instance=page)
    if publish:
        page.save_revision().publish()
    return page


@pytest.fixture
def home(db):
    return HomePage.objects.get()


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
    def make(direction, region_code="77", first_name="Аня", surname_initial="К", town="Москва", population=None):
        return add_child(
            sections["stories"],
            WinnerStoryPage(
                title=f"История: {first_name}",
                first_name=first_name,
                surname_initial=surname_initial,
                age=12,
                region=Region.objects.get(code=region_code),
                town=town,
                town_population=population,
                direction=direction,
                season=season,
                opportunity="Выступление на большой сцене",
                quote="Я больше не боюсь сцены.",
            ),
        )

    return make
