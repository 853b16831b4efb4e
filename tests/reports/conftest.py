"""A small season built from factories: two directions, students from a village, a regional city and
Moscow, their works in every status, jury scores, likes and an approved work in the ledger, a
foundation's transfer, offline events and partners. Tests read the report against these numbers."""

import datetime
import itertools
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from cms.models import DirectionPage, EventPage, Region, Season
from engagement.models import Beneficiary, Campaign, Transfer
from engagement.services import record_action, save_transfer
from learning import services as learning
from learning.models import LessonProgress, Score, Student, Submission
from reports.services import town_population_for
from tests import factories
from tests.factories.background import run_folder
from tests.factories.database import shared_snapshot_of

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def clean_state(fresh_cache, fast_password_hashing):
    """Every test starts with an empty cache, and cheap password hashing."""


def make_campaign(season):
    return factories.make_campaign(
        10_000_00, name="Рубль за действие 2026/27", season=season, days_after=200
    )  # 10 000 roubles


def student_record(make_user, *, first_name, region_code, town, birth_year_age):
    """A student row straight in the table (the report reads rows, not registrations)."""
    region = Region.objects.get(code=region_code)
    user = make_user()
    today = timezone.localdate()
    return Student.objects.create(
        user=user,
        first_name=first_name,
        surname="Тестова",
        birth_date=today.replace(year=today.year - birth_year_age) - datetime.timedelta(days=10),
        region=region,
        town=town,
        town_population=town_population_for(town, region),
    )


def work_record(student, assignment, status, age_band, **extra):
    """A work row in `status` straight in the table."""
    fields = {"rejection_reason": "Работа не по заданию."} if status == "rejected" else {}
    return Submission.objects.create(
        assignment=assignment,
        student=student,
        title=f"Работа {next(_numbers)}",
        status=status,
        age=int(age_band.split("-")[0]) + 1,
        age_band=age_band,
        **fields,
        **extra,
    )


@pytest.fixture
def add_student(make_user):
    """`add_student(first_name=…, region_code=…, town=…, birth_year_age=…)`: a student row."""
    return lambda **fields: student_record(make_user, **fields)


@pytest.fixture
def add_work():
    """`add_work(student, assignment, status, age_band)`: a work row."""
    return work_record


def build_world(season, campaign, make_user):
    """The season described in the module docstring; returns what tests need to look things up."""
    tree = factories.PageTree(publish=False)
    tree.section("mentors")
    mentor = tree.mentor()
    tree.section("directions")
    vocal = tree.direction()
    painting = tree.direction("Живопись", "painting", description="<p>Краски.</p>")
    lessons = {}
    assignments = {}
    now = timezone.now()
    for direction in (vocal, painting):
        masterclass = tree.masterclass(
            direction, mentor=mentor, season=season, title=f"Мастер-класс: {direction.title}"
        )
        lessons[direction.slug] = [
            tree.lesson(masterclass, f"{direction.title}, урок {n}", text="<p>У</p>") for n in (1, 2)
        ]
        assignments[direction.slug] = factories.make_assignment(
            direction,
            season=season,
            masterclass=masterclass,
            title=f"Задание: {direction.title}",
            days_open=20,
            days_left=20,
            allowed_kinds=["text"],
            jurors_per_work=2,
            winner_opportunity="Выступление на фестивале",
        )

    # Students: a village in Tver oblast, Kazan (over a million), Moscow, and a hamlet not in the list.
    anya = student_record(make_user, first_name="Аня", region_code="69", town="Удомля", birth_year_age=12)
    boris = student_record(make_user, first_name="Борис", region_code="16", town="Казань", birth_year_age=15)
    vera = student_record(make_user, first_name="Вера", region_code="77", town="Москва", birth_year_age=8)
    gleb = student_record(make_user, first_name="Глеб", region_code="14", town="Заимка Лесная", birth_year_age=11)
    student_record(make_user, first_name="Даша", region_code="50", town="Химки", birth_year_age=13)  # registered only

    # Lesson progress: Anya finished both vocal lessons, Boris started one painting lesson.
    for lesson in lessons["vocal"]:
        LessonProgress.objects.create(student=anya, lesson=lesson, duration=60, watched_seconds=60, completed_at=now)
    LessonProgress.objects.create(student=boris, lesson=lessons["painting"][0], duration=60, watched_seconds=20)

    vocal_task, painting_task = assignments["vocal"], assignments["painting"]
    anya_work = work_record(anya, vocal_task, "winner", "10-13")
    boris_work = work_record(boris, vocal_task, "finalist", "14-18")
    work_record(vera, vocal_task, "rejected", "6-9")
    gleb_work = work_record(gleb, vocal_task, "shortlisted", "10-13")
    work_record(boris, painting_task, "approved", "14-18")
    work_record(gleb, painting_task, "pending", "10-13")
    vera_painting = work_record(vera, painting_task, "winner", "6-9")

    jurors = [make_user(), make_user()]
    for juror in jurors:  # anya's work fully judged, boris's half, gleb's not yet
        Score.objects.create(juror=juror, submission=anya_work, points={}, total=20, comment="Хорошо")
    Score.objects.create(juror=jurors[0], submission=boris_work, points={}, total=15, comment="Неплохо")
    Score.objects.create(juror=jurors[0], submission=vera_painting, points={}, total=18, comment="Ярко")
    Score.objects.create(juror=jurors[1], submission=vera_painting, points={}, total=19, comment="Смело")

    # Likes through the learning service (they reach the ledger), and one approved work counted.
    fans = [make_user(), make_user(), make_user()]
    for fan in fans:
        learning.set_like(fan, anya_work, True)
    learning.set_like(fans[0], gleb_work, True)
    learning.set_like(fans[1], gleb_work, True)
    learning.set_like(fans[1], gleb_work, False)  # unliked: does not count
    record_action("work_approved", None, anya_work, f"work_approved:{anya_work.uid}")

    # A foundation pays for one child's treatment out of what was raised.
    foundation = tree.partner("Фонд «Тёплые руки»", slug="warm-hands", kind="foundation", description="<p>Ф</p>")
    tree.partner("Театр «Сказка»", slug="skazka", kind="creative", description="<p>Т</p>")
    tree.partner("Студия «Кадр»", slug="kadr", kind="creative", description="<p>С</p>")
    child = Beneficiary.objects.create(
        foundation=foundation,
        first_name="Миша",
        age=7,
        region=Region.objects.get(code="52"),
        diagnosis="Лечение",
        amount_needed=100_000_00,
    )
    save_transfer(
        Transfer(
            campaign=campaign,
            foundation=foundation,
            beneficiary=child,
            amount=300,
            transferred_on=timezone.localdate(),
            payment_reference="ПП-1",
        )
    )

    # Offline: two events in Tver oblast (one without figures yet), one in Moscow.
    events = tree.section("events")
    for title, region_code, attendance, volunteers in [
        ("Мастерская в Твери", "69", 120, 8),
        ("Концерт в Торжке", "69", None, None),
        ("Выставка в Москве", "77", 300, 15),
    ]:
        starts = now - datetime.timedelta(days=5)
        tree.add(
            events,
            EventPage(
                title=title,
                slug=f"event-{next(_numbers)}",
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=3),
                region=Region.objects.get(code=region_code),
                town="Тверь" if region_code == "69" else "Москва",
                venue="Дом культуры",
                description="<p>Событие.</p>",
                attendance=attendance,
                volunteers=volunteers,
            ),
        )

    return SimpleNamespace(
        season=season, campaign=campaign, vocal=vocal, painting=painting, students=[anya, boris, vera, gleb]
    )


def new_world():
    season = factories.make_season()
    return build_world(season, make_campaign(season), factories.make_user)


@pytest.fixture(scope="session")
def world_snapshot(django_db_setup, django_db_blocker, request):
    """The world built once per run and copied aside (shared_snapshot_of, as the demo is): building
    it costs tens of seconds under load (pages, the rollups' triggers), restoring it well under one.
    None on SQLite, where `world` builds it per test."""
    with django_db_blocker.unblock():
        return shared_snapshot_of("report_world", new_world, run_folder(request.config, "report-world"))


@pytest.fixture
def world(db, world_snapshot):
    """The world of build_world, restored from world_snapshot into this test's transaction (or built
    here on SQLite), with its objects read back from the restored rows."""
    if world_snapshot is None:
        return new_world()
    assert not get_user_model().objects.exists(), "`world` replaces every row: ask for it before fixtures adding rows"
    world_snapshot.restore(connection)
    built = world_snapshot.built
    return SimpleNamespace(
        season=Season.objects.get(pk=built.season.pk),
        campaign=Campaign.objects.get(pk=built.campaign.pk),
        vocal=DirectionPage.objects.get(pk=built.vocal.pk),
        painting=DirectionPage.objects.get(pk=built.painting.pk),
        students=[Student.objects.get(pk=student.pk) for student in built.students],
    )


@pytest.fixture(autouse=True)
def world_comes_first(request):
    """A test asking for `world` gets it before its other fixtures (editor_client, moderator…) add
    their rows, since restoring the world replaces every table's rows."""
    if "world" in request.fixturenames:
        request.getfixturevalue("world")
