"""Benchmark of the learning API on PostgreSQL.

Prints, each against a baseline measured in the same run:
- the public gallery (20 works a page, public author fields, files, likes) with 2 000 approved works
  vs a bare ORM read of the same 20 rows: time ratio, and queries at 2 000 works vs at 20 works
  (must be equal: the list does not grow with the table);
- "most liked" ordering with a region filter vs the default newest-first list;
- one player progress report (`record_progress`: row lock, interval merge, completion) vs a bare
  UPDATE of the same row.

Uses its own database (BENCH_LEARNING_DB, default bench_learning) on the server DATABASE_URL names;
it is migrated and filled once and kept for the next run.
Run: `.venv/bin/python bench/bench_learning.py` (or `make bench`).
"""

import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get("BENCH_LEARNING_DB", "bench_learning")
ROUNDS = int(os.environ.get("BENCH_LEARNING_ROUNDS", "20"))
WORKS = 2000


def prepare_database():
    import psycopg

    base = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test")
    if not base.scheme.startswith("postgres"):
        sys.exit("bench_learning needs PostgreSQL: set DATABASE_URL=postgres://…")
    admin_url = urlunsplit(base._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            connection.execute(f'CREATE DATABASE "{BENCH_DB}"')
    os.environ["DATABASE_URL"] = urlunsplit(base._replace(path=f"/{BENCH_DB}"))
    os.environ.setdefault("TASK_BACKEND", "immediate")
    os.environ.setdefault("VAR_DIR", "/tmp/bench_learning_var")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"


def fill():
    """A season, one direction, an assignment and WORKS approved works by as many students."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from cms.models import DirectionPage, LessonPage, MasterclassPage, MentorPage, Region, Season
    from learning.models import Assignment, Student, Submission, SubmissionFile
    from tests.factories import PageTree

    if Submission.objects.count() >= WORKS:
        return
    today = timezone.localdate()
    season, _ = Season.objects.get_or_create(
        name="Бенчмарк",
        defaults={"starts_on": today - datetime.timedelta(days=30), "ends_on": today + datetime.timedelta(days=200)},
    )
    tree = PageTree(publish=False)
    tree.sections_named("directions", "mentors")
    mentor = MentorPage.objects.first() or tree.mentor("Наставник", role="художник", bio="<p>…</p>")
    direction = DirectionPage.objects.filter(slug="painting").first() or tree.direction(
        "Живопись", "painting", description="<p>…</p>"
    )
    masterclass = MasterclassPage.objects.first() or tree.masterclass(
        direction, mentor=mentor, season=season, title="Цвет", description="<p>…</p>"
    )
    if not LessonPage.objects.exists():
        tree.lesson(masterclass, "Урок", summary="…", text="")
    now = timezone.now()
    assignment = Assignment.objects.create(
        title="Рисунок",
        direction=direction,
        season=season,
        masterclass=masterclass,
        task="…",
        opens_at=now - datetime.timedelta(days=10),
        closes_at=now + datetime.timedelta(days=10),
        age_bands=["6-9", "10-13", "14-18"],
        allowed_kinds=["image"],
        winner_opportunity="Выставка",
    )
    regions = list(Region.objects.all())
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"bench{n}", email=f"bench{n}@example.org") for n in range(WORKS)])
    students = Student.objects.bulk_create(
        [
            Student(
                user=u,
                first_name="Ученик",
                surname="Бенчев",
                birth_date=datetime.date(2013, 1, 1),
                region=regions[n % len(regions)],
                town="Город",
            )
            for n, u in enumerate(users)
        ]
    )
    works = Submission.objects.bulk_create(
        [
            Submission(
                assignment=assignment,
                student=s,
                title=f"Работа {n}",
                status="approved",
                age=12,
                age_band="10-13",
                like_count=n % 37,
                approved_at=now - datetime.timedelta(minutes=n),
            )
            for n, s in enumerate(students)
        ]
    )
    SubmissionFile.objects.bulk_create(
        [
            SubmissionFile(
                submission=w, kind="image", file=f"works/bench/{w.pk}.jpg", content_type="image/jpeg", size=1
            )
            for w in works
        ]
    )


def timed(action):
    action()
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def count_queries(action):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def main():
    prepare_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    fill()

    from django.db import transaction
    from rest_framework.test import APIClient

    from cms.models import LessonPage
    from learning import services
    from learning.models import LessonProgress, Student, Submission

    client = APIClient()

    def gallery(params=None):
        response = client.get("/api/gallery/", params or {})
        assert response.status_code == 200, response.content

    def bare_rows():
        list(Submission.objects.filter(status="approved").order_by("-approved_at")[:20].values())

    api, bare = timed(gallery), timed(bare_rows)
    print(
        f"gallery page (20 of {WORKS}): {api * 1000:.1f} ms vs bare ORM rows {bare * 1000:.1f} ms → {api / bare:.1f}×"
    )
    queries_big = count_queries(gallery)
    with transaction.atomic():
        keep = list(Submission.objects.order_by("-approved_at").values_list("pk", flat=True)[:20])
        Submission.objects.exclude(pk__in=keep).update(status="pending")
        queries_small = count_queries(gallery)
        transaction.set_rollback(True)
    print(
        f"gallery queries: {queries_big} at {WORKS} works vs {queries_small} at 20 works "
        f"→ {'flat' if queries_big == queries_small else 'GROWS'}"
    )
    popular = timed(lambda: gallery({"ordering": "popular", "region": "77"}))
    print(f"most liked + region filter: {popular * 1000:.1f} ms vs newest {api * 1000:.1f} ms → {popular / api:.2f}×")

    student = Student.objects.first()
    lesson = LessonPage.objects.first()
    position = {"at": 0.0}

    def report():
        start = position["at"] % 3000
        services.record_progress(student, lesson, position=start + 10, start=start, end=start + 10, duration=3600)
        position["at"] += 10

    report()
    row = LessonProgress.objects.get(student=student, lesson=lesson)

    def bare_update():
        LessonProgress.objects.filter(pk=row.pk).update(position=position["at"])

    progress, update = timed(report), timed(bare_update)
    print(f"progress report: {progress * 1000:.2f} ms vs bare UPDATE {update * 1000:.2f} ms → {progress / update:.1f}×")


if __name__ == "__main__":
    main()
