"""Builders for the site's page tests: a small season (direction, masterclass, lesson), an open
assignment, a running campaign, students and public works made through the learning services."""

import pytest
from django.contrib.auth import get_user_model

from cms.models import Region
from learning import services as learning
from tests import factories


@pytest.fixture(autouse=True)
def clean_state(fresh_cache, fast_password_hashing):
    """Menu, throttles and counter figures are cached: each test starts clean, with cheap hashing."""


@pytest.fixture
def season_tree(page_tree):
    season = factories.make_season(days_before=30)
    page_tree.sections_named("directions", "mentors")
    mentor = page_tree.mentor("Вера Звонкова", slug="vera")
    vocal = page_tree.direction(description="<p>Голос и дыхание.</p>", curator=mentor)
    masterclass = page_tree.masterclass(
        vocal, mentor=mentor, season=season, title="Поём с дыханием", slug="breath", description="<p>Три урока.</p>"
    )
    lesson = page_tree.lesson(masterclass, "Урок 1: дыхание", slug="lesson-1", summary="Дышим животом.", text="")
    return {"home": page_tree.home, "season": season, "direction": vocal, "masterclass": masterclass, "lesson": lesson}


@pytest.fixture
def assignment(season_tree):
    return factories.make_assignment(
        season_tree["direction"],
        season=season_tree["season"],
        masterclass=season_tree["masterclass"],
        title="Нарисуй обложку песни",
        task="Нарисуйте обложку к любимой песне.",
        days_open=1,
        allowed_kinds=["image"],
        winner_opportunity="выставка в галерее",
    )


@pytest.fixture
def campaign(db):
    return factories.make_campaign(10_000_000, name="Сезон 2026/27", days_before=1, days_after=60)


@pytest.fixture
def make_student(db):
    def make(email="anya@example.ru", first_name="Аня", surname="Кузнецова", age=15):
        return factories.make_student(
            email,
            first_name,
            surname,
            age,
            region=Region.objects.order_by("name").first(),
            town="Кириллов",
            town_population=None,
        )

    return make


@pytest.fixture
def moderator(make_user):
    return make_user("moderator", group="Moderators", email="moderator@example.ru")


@pytest.fixture
def public_work(assignment, make_student, moderator, campaign):
    student = make_student()
    work = learning.submit_work(student, assignment, title="Обложка для песни", files=[factories.png_upload()])
    learning.approve_submission(work, moderator)
    work.refresh_from_db()
    return work


@pytest.fixture
def visitor(db):
    return get_user_model().objects.create_user("gost@example.ru", "gost@example.ru", factories.PASSWORD)
