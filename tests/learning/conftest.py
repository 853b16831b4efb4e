"""Builders for the learning tests: a season with one direction, masterclass, lessons, an open
assignment, students of each age, and accounts for every role of the permission matrix."""

import pytest
from rest_framework.test import APIClient

from learning.models import ConflictDeclaration, JuryMember
from tests import factories


@pytest.fixture(autouse=True)
def clean_state(fresh_cache, fast_password_hashing):
    """Every test starts with no throttle or like-rate counters used, and cheap password hashing."""


@pytest.fixture
def campaign(db):
    return factories.make_campaign(10_000_000, name="Сезон 2026/27", days_after=200)


@pytest.fixture
def stories_index(page_tree):
    return page_tree.section("stories")


@pytest.fixture
def direction(page_tree, season, mentor_user):
    page_tree.sections_named("directions", "mentors")
    mentor = page_tree.mentor(user=mentor_user)
    vocal = page_tree.direction()
    vocal.mentor_page = mentor
    return vocal


@pytest.fixture
def masterclass(page_tree, direction, season):
    return page_tree.masterclass(direction, mentor=direction.mentor_page, season=season)


@pytest.fixture
def lessons(page_tree, masterclass):
    return [page_tree.lesson(masterclass, title) for title in ("Дыхание", "Опора", "Резонаторы")]


@pytest.fixture
def make_assignment(direction, season, masterclass):
    def make(title="Спой любимую песню", **fields):
        values = {
            "masterclass": masterclass,
            "task": "Запишите, как вы поёте любимую песню.",
            "allowed_kinds": ["image", "video", "audio", "document", "text"],
            "max_files": 3,
            "jurors_per_work": 3,
            "criteria": [("Исполнение", 10), ("Артистизм", 5)],
        }
        values.update(fields)
        direction_of = values.pop("direction", direction)
        return factories.make_assignment(direction_of, season=values.pop("season", season), title=title, **values)

    return make


@pytest.fixture
def assignment(make_assignment):
    return make_assignment()


@pytest.fixture
def make_student(db):
    """A registered, active student (guardian consent confirmed for under-14s)."""

    def make(email="anya@example.org", first_name="Аня", surname="Колесникова", age=12, region="52", town="Выкса"):
        return factories.make_student(
            email, first_name, surname, age, region=region, town=town, ip="10.0.0.1", guardian_ip="10.0.0.2"
        )

    return make


@pytest.fixture
def student(make_student):
    return make_student()


@pytest.fixture
def client_for():
    """Unlike the shared `client_for`, authenticates the API client directly (no session)."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def jurors(make_user, direction, season, assignment):
    """Three jurors of the assignment's direction, each having declared no conflict of interest
    with its works (scoring needs the declaration)."""
    people = []
    for n in range(1, 4):
        user = make_user(f"juror{n}")
        JuryMember.objects.create(user=user, direction=direction, season=season)
        ConflictDeclaration.objects.create(juror=user, assignment=assignment)
        people.append(user)
    return people


@pytest.fixture
def mentor_seat(mentor_user, direction, season):
    return JuryMember.objects.create(user=mentor_user, direction=direction, season=season, role=JuryMember.Role.MENTOR)
