"""Small builders for the content tree: a test creates only the pages it reads."""

import datetime

import pytest

from cms.models import EventPage, PartnerPage, Region, Season, WinnerStoryPage
from tests import factories
from tests.factories import add_child


@pytest.fixture
def season(db):
    return Season.objects.create(
        name="Сезон 2026/27", starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 5, 31)
    )


@pytest.fixture
def sections(page_tree):
    return page_tree.sections_named("directions", "mentors", "stories", "partners", "events", stories="Истории")


@pytest.fixture
def make_image(db):
    return factories.cover_image


@pytest.fixture
def make_mentor(page_tree, sections):
    def make(name="Мария Голосова", username=None, photo=None):
        user = None
        if username:
            user = factories.make_user(username, group="Mentors", password="pass-12345", email="")
        return page_tree.mentor(name, user=user, photo=photo, owner=user)

    return make


@pytest.fixture
def make_direction(page_tree, sections):
    def make(title="Вокал", slug="vocal", cover=None):
        return page_tree.direction(title, slug, cover=cover)

    return make


@pytest.fixture
def make_masterclass(page_tree, season):
    def make(direction, mentor, title="Голос с нуля", age_band="10-13", cover=None, slug=None):
        return page_tree.masterclass(
            direction, mentor=mentor, season=season, title=title, age_band=age_band, cover=cover, slug=slug or None
        )

    return make


@pytest.fixture
def make_lesson(page_tree):
    def make(masterclass, title="Дыхание", video=None, owner=None):
        return page_tree.lesson(masterclass, title, video=video, owner=owner)

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
