"""Benchmark of the season report on PostgreSQL with 100,000 students and 1 million ledger entries.

Builds (once, kept for the next run) a season with 9 directions, 45 lessons, 100,000 students in
towns of the GeoNames list, 300,000 lesson progress rows, 60,000 works, 100,000 likes, jury scores,
1,000,000 ledger entries (5 % of them compensations; in time order, as they arrive, from the
season's start to the moment of the build), transfers, events and partners, all with INSERT ...
SELECT over generate_series (no ORM row by row). Then publishes the daily digests of every finished
day, as the nightly task does (the first run hashes every entry: a minute or two), so the report
reads closed days from their totals, and brings the running totals of the days not yet digested
forward, as the periodic task does every 5 minutes, so it reads today from a few rows too. Then
times the full report (every table, as the admin page
builds it) and the whole admin page over the Django test client, against a baseline measured in the
same run: one COUNT(*) pass over the ledger and the students. Aim: the full report under 1 second.

Uses its own database (BENCH_REPORTS_DB, default bench_reports) on the server DATABASE_URL names.
Run: `.venv/bin/python bench/bench_reports.py` (or `make bench`).
"""

import datetime
import logging
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STUDENTS = int(os.environ.get("BENCH_REPORTS_STUDENTS", "100000"))
LEDGER = int(os.environ.get("BENCH_REPORTS_LEDGER", "1000000"))
BENCH_DB = os.environ.get("BENCH_REPORTS_DB", "bench_reports")
DIRECTIONS = ["Вокал", "Актёрское мастерство", "Кино", "Дизайн одежды", "Живопись", "Фотография", "Иллюстрация",
              "Робототехника", "Блогинг"]  # fmt: skip
LESSONS_PER_MASTERCLASS = 5
RUNS = 5


def bench_database_url():
    base = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test")
    if not base.scheme.startswith("postgres"):
        sys.exit("bench_reports needs PostgreSQL: set DATABASE_URL=postgres://…")
    return urlunsplit(base._replace(path=f"/{BENCH_DB}")), urlunsplit(base._replace(path="/postgres"))


def ensure_database(admin_url):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TASK_BACKEND", "immediate")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    logging.disable(logging.WARNING)  # page creation logs every page and task


def build_content(today):
    """Season, campaign, pages and assignments through the ORM: a few hundred rows."""
    from django.utils import timezone

    from cms.models import EventPage, PartnerPage, Region, Season
    from engagement.models import Campaign
    from learning.models import Assignment
    from tests.factories import PageTree

    season = Season.objects.create(
        name="Сезон нагрузочный",
        starts_on=today - datetime.timedelta(days=80),
        ends_on=today + datetime.timedelta(days=190),
    )
    now = timezone.now()
    Campaign.objects.create(
        name="Рубль за действие (нагрузка)",
        season=season,
        starts_at=now - datetime.timedelta(days=80),
        ends_at=now + datetime.timedelta(days=190),
        cap=10**12,
    )
    tree = PageTree(publish=False)
    tree.sections_named("mentors", "directions")
    for number, title in enumerate(DIRECTIONS):
        mentor = tree.mentor(f"Наставник {number}", slug=f"mentor-{number}", role="артист", bio="<p>…</p>")
        direction = tree.direction(title, f"direction-{number}", description="<p>…</p>")
        masterclass = tree.masterclass(
            direction,
            mentor=mentor,
            season=season,
            title=f"{title}: курс",
            slug=f"course-{number}",
            age_band=["6-9", "10-13", "14-18"][number % 3],
            description="<p>…</p>",
        )
        for lesson in range(LESSONS_PER_MASTERCLASS):
            tree.lesson(masterclass, f"Урок {lesson + 1}", slug=f"lesson-{lesson}", summary="", text="<p>…</p>")
        Assignment.objects.create(
            title=f"{title}: задание",
            direction=direction,
            season=season,
            masterclass=masterclass,
            task="…",
            opens_at=now - datetime.timedelta(days=70),
            closes_at=now + datetime.timedelta(days=100),
            age_bands=["6-9", "10-13", "14-18"],
            allowed_kinds=["image"],
            jurors_per_work=3,
            winner_opportunity="Сцена",
        )
    kinds = [kind for kind, _ in PartnerPage.Kind.choices]
    for number in range(12):
        tree.partner(f"Партнёр {number}", slug=f"partner-{number}", kind=kinds[number % 4], description="<p>…</p>")
    events = tree.section("events")
    regions = list(Region.objects.order_by("code")[:30])
    for number, region in enumerate(regions):
        starts = now - datetime.timedelta(days=number + 1)
        tree.add(
            events,
            EventPage(
                title=f"Мероприятие {number}",
                slug=f"event-{number}",
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=3),
                region=region,
                town="Город",
                venue="Дом культуры",
                description="<p>…</p>",
                attendance=None if number % 5 == 0 else 50 + number * 7,
                volunteers=None if number % 5 == 0 else 3 + number % 9,
            ),
        )
    return season


BULK_SQL = """
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
SELECT '!', false, 'bench' || g, '', '', '', false, true, now() FROM generate_series(1, %(students)s + 30) g;

WITH towns AS (
    SELECT row_number() OVER (ORDER BY id) - 1 AS rn, name, population, region_id FROM reports_settlement
), users AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n FROM auth_user WHERE username LIKE 'bench%%'
)
INSERT INTO learning_student (first_name, surname, birth_date, town, town_population, guardian_email, created_at,
                              region_id, user_id)
SELECT 'Ученик', 'Тестов', %(today)s::date - (6 * 365 + (u.n * 37) %% (12 * 365))::int,
       CASE WHEN u.n %% 7 = 0 THEN 'Заимка ' || u.n ELSE t.name END,
       CASE WHEN u.n %% 7 = 0 THEN NULL ELSE t.population END,
       '', %(season_start)s::timestamptz + ((u.n %% 200) || ' days')::interval,
       COALESCE(t.region_id, (SELECT id FROM cms_region ORDER BY id LIMIT 1)), u.id
FROM users u JOIN towns t ON t.rn = (u.n * 7919) %% (SELECT count(*) FROM towns)
WHERE u.n <= %(students)s;

WITH lessons AS (
    SELECT row_number() OVER (ORDER BY p.path) - 1 AS rn, l.page_ptr_id AS id
    FROM cms_lessonpage l JOIN wagtailcore_page p ON p.id = l.page_ptr_id
), students AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM learning_student)
INSERT INTO learning_lessonprogress (position, duration, watched, watched_seconds, completed_at, updated_at, lesson_id,
                                     student_id)
SELECT 30, 600, '[]'::jsonb, CASE WHEN (s.n + k) %% 5 < 2 THEN 600 ELSE 200 END,
       CASE WHEN (s.n + k) %% 5 < 2 THEN now() END, now(), l.id, s.id
FROM students s CROSS JOIN generate_series(0, 2) k
JOIN lessons l ON l.rn = (s.n + k * 7) %% (SELECT count(*) FROM lessons);

WITH tasks AS (SELECT row_number() OVER (ORDER BY id) - 1 AS rn, id FROM learning_assignment),
students AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM learning_student)
INSERT INTO learning_submission (uid, title, description, text, status, rejection_reason, age, age_band, like_count,
                                 hidden, needs_review, ledger_round, counted, created_at, updated_at, submitted_at,
                                 assignment_id, student_id)
SELECT gen_random_uuid(), 'Работа ' || s.n, '', '',
       (ARRAY['pending','pending','rejected','approved','approved','approved','approved','approved','approved',
              'approved','approved','approved','approved','approved','approved','approved','shortlisted',
              'shortlisted','winner','finalist'])[s.n %% 20 + 1],
       CASE WHEN s.n %% 20 = 2 THEN 'Не по заданию' ELSE '' END,
       6 + s.n %% 13, CASE WHEN 6 + s.n %% 13 <= 9 THEN '6-9' WHEN 6 + s.n %% 13 <= 13 THEN '10-13' ELSE '14-18' END,
       0, false, false, 0, true, now(), now(), now(), t.id, s.id
FROM students s JOIN tasks t ON t.rn = s.n %% (SELECT count(*) FROM tasks)
WHERE s.n %% 5 < 3;

WITH works AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM learning_submission),
users AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM auth_user WHERE username LIKE 'bench%%')
INSERT INTO learning_like (created_at, user_id, submission_id, ip, network)
SELECT now(), u.id, w.id, NULL, '' FROM users u JOIN works w ON w.rn = (u.n * 31) %% (SELECT count(*) FROM works);

WITH jurors AS (SELECT id, row_number() OVER (ORDER BY id DESC) AS n FROM auth_user WHERE username LIKE 'bench%%'
                ORDER BY id DESC LIMIT 3)
INSERT INTO learning_score (points, total, comment, created_at, updated_at, juror_id, submission_id)
SELECT '{}'::jsonb, 20, 'Оценка', now(), now(), j.id, w.id
FROM learning_submission w JOIN jurors j ON j.n <= 1 + w.id %% 3
WHERE w.status IN ('shortlisted', 'winner', 'finalist');

-- Actors and works by joins on row numbers, in time order (ORDER BY g): indexing arrays of ids per
-- row re-read a 600,000-element array for each of 9.5 million rows and never finished at 1M students.
WITH users AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM auth_user WHERE username LIKE 'bench%%'),
works AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM learning_submission),
sizes AS (SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM works) AS works),
campaign AS (SELECT c.id, s.starts_on FROM engagement_campaign c JOIN cms_season s ON s.id = c.season_id)
INSERT INTO engagement_ledgerentry (kind, actor_vk_id, target_id, amount, key, reason, created_at, actor_user_id,
                                    campaign_id, reverses_id, target_type_id)
SELECT CASE WHEN g %% 10 = 0 THEN 'work_approved' WHEN g %% 10 = 9 THEN 'repost' ELSE 'like' END,
       CASE WHEN g %% 10 = 9 THEN 1000000 + g END,
       w.id, 100, 'bench:' || g, '',
       campaign.starts_on::timestamptz + (now() - campaign.starts_on::timestamptz) * ((g - 1)::float8 / %(originals)s),
       CASE WHEN g %% 10 BETWEEN 1 AND 8 THEN u.id END,
       campaign.id, NULL, %(work_type)s
FROM generate_series(1, %(originals)s) g CROSS JOIN sizes CROSS JOIN campaign
JOIN works w ON w.rn = g %% sizes.works
JOIN users u ON u.rn = g %% sizes.users
ORDER BY g;

INSERT INTO engagement_ledgerentry (kind, actor_vk_id, target_id, amount, key, reason, created_at, actor_user_id,
                                    campaign_id, reverses_id, target_type_id)
SELECT kind, actor_vk_id, target_id, -amount, 'reversal:' || key, 'unlike', created_at + interval '1 hour',
       actor_user_id, campaign_id, id, target_type_id
FROM engagement_ledgerentry WHERE kind = 'like' ORDER BY id LIMIT %(reversals)s;

UPDATE engagement_counterslot SET amount = totals.amount, actions = totals.actions
FROM (SELECT campaign_id, sum(amount) AS amount,
             count(*) FILTER (WHERE reverses_id IS NULL) - count(*) FILTER (WHERE reverses_id IS NOT NULL) AS actions
      FROM engagement_ledgerentry GROUP BY campaign_id) totals
WHERE engagement_counterslot.campaign_id = totals.campaign_id AND engagement_counterslot.number = 0;

INSERT INTO engagement_beneficiary (first_name, age, diagnosis, amount_needed, verified_on, consent_to_publish,
                                    created_at, foundation_id, region_id, verification_document)
SELECT 'Ребёнок', 3 + g %% 15, 'Лечение', 50000000, now()::date, true, now(),
       (SELECT page_ptr_id FROM cms_partnerpage WHERE kind = 'foundation' ORDER BY page_ptr_id LIMIT 1),
       (SELECT id FROM cms_region ORDER BY id LIMIT 1 OFFSET g %% 80), 'bench/document.pdf'
FROM generate_series(1, 300) g;

INSERT INTO engagement_transfer (amount, transferred_on, payment_reference, created_at, beneficiary_id, campaign_id,
                                 foundation_id, report_document, report_sha256)
SELECT 10000, (SELECT starts_on FROM cms_season ORDER BY id LIMIT 1) + (g %% 80), 'ПП-' || g, now(), b.id,
       (SELECT id FROM engagement_campaign ORDER BY id LIMIT 1), b.foundation_id, 'bench/report.pdf', repeat('0', 64)
FROM generate_series(1, 2000) g
JOIN (SELECT id, foundation_id, row_number() OVER (ORDER BY id) - 1 AS rn FROM engagement_beneficiary) b
  ON b.rn = g %% 300;
"""


# Per bulk statement: a query that is non-empty once the statement has run (each step commits, so a
# build cut short resumes at the first step not done).
DONE = {
    "auth_user": "SELECT 1 FROM auth_user WHERE username LIKE 'bench%%' LIMIT 1",
    "learning_student": "SELECT 1 FROM learning_student LIMIT 1",
    "learning_lessonprogress": "SELECT 1 FROM learning_lessonprogress LIMIT 1",
    "learning_submission": "SELECT 1 FROM learning_submission LIMIT 1",
    "learning_like": "SELECT 1 FROM learning_like LIMIT 1",
    "learning_score": "SELECT 1 FROM learning_score LIMIT 1",
    "engagement_ledgerentry": "SELECT 1 FROM engagement_ledgerentry LIMIT 1",
    "engagement_ledgerentry reversals": "SELECT 1 FROM engagement_ledgerentry WHERE reverses_id IS NOT NULL LIMIT 1",
    "engagement_counterslot": "SELECT 1 FROM engagement_counterslot WHERE amount > 0 LIMIT 1",
    "engagement_beneficiary": "SELECT 1 FROM engagement_beneficiary LIMIT 1",
    "engagement_transfer": "SELECT 1 FROM engagement_transfer LIMIT 1",
}


def build(today):
    """Each step in its own transaction, skipped when its rows are there. The bulk statements run
    with triggers off (session_replication_role = replica: the report's rollup triggers would add
    a row-by-row UPSERT to each of millions of rows); the rollups are then recounted in one pass
    per table, as the data migration backfills them."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from cms.models import Season
    from learning.models import Submission
    from reports import rollups

    started = time.perf_counter()
    with transaction.atomic():
        season = Season.objects.filter(name="Сезон нагрузочный").first() or build_content(today)
    params = {
        "students": STUDENTS,
        "today": today,
        "season_start": season.starts_on,
        "originals": LEDGER * 95 // 100,
        "reversals": LEDGER * 5 // 100,
        "work_type": ContentType.objects.get_for_model(Submission).pk,
    }
    seen, ran = set(), set()
    for statement in BULK_SQL.split(";\n\n"):
        table = re.search(r"(?:INSERT INTO|UPDATE) (\w+)", statement).group(1)
        step_name = f"{table} reversals" if table in seen else table
        seen.add(table)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(DONE[step_name])
            if cursor.fetchone():
                continue
            step = time.perf_counter()
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(statement, params)
            ran.add(table)
            print(f"  {step_name:<34} {time.perf_counter() - step:6.1f} s")
    if ran & {"learning_student", "learning_lessonprogress", "learning_submission", "learning_like", "learning_score"}:
        step = time.perf_counter()
        rollups.rebuild()  # those rows went in with triggers off
        print(f"  {'report rollups (recount)':<34} {time.perf_counter() - step:6.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"built in {time.perf_counter() - started:.0f} s")


def publish_digests():
    """Digest every finished day, as the nightly task does, so the report reads the normal state:
    closed days from their totals, only today from the entries. Hashing reads every entry in
    Python, so the first run takes a while; the digests stay in the bench database."""
    from django.db import connection
    from django.utils import timezone

    from engagement import services
    from engagement.models import DailyDigest, LedgerEntry

    last = DailyDigest.objects.order_by("-day").values_list("day", flat=True).first()
    first = LedgerEntry.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if first is None:
        return
    day = last + datetime.timedelta(days=1) if last else first.astimezone(datetime.UTC).date()
    finished = (timezone.now() - services.DIGEST_GRACE).astimezone(datetime.UTC).date() - datetime.timedelta(days=1)
    if day > finished:
        return
    started = time.perf_counter()
    print(f"publishing the digests of {(finished - day).days + 1} days")
    while day <= finished:
        # A week per call, so progress shows: `now` as just after the week's last day was over.
        until = min(day + datetime.timedelta(days=6), finished)
        end = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC)
        services.publish_digests(now=end + services.DIGEST_GRACE)
        print(f"  digested up to {until} ({time.perf_counter() - started:.0f} s)")
        day = until + datetime.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE engagement_dailydigest, engagement_ledgerdaytotal")


def timed(function, runs=RUNS):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    url, admin_url = bench_database_url()
    ensure_database(admin_url)
    setup_django(url)

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from cms.models import Season
    from engagement.models import DailyDigest
    from engagement.services.digests import tally_recent_days
    from learning.models import Student
    from reports import figures

    settings.ALLOWED_HOSTS.append("127.0.0.1")

    from reports import rollups

    rollups.install()  # the current trigger code (the migration installed the version of its day)
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM engagement_ledgerentry")
        ledger_rows = cursor.fetchone()[0]
    if Student.objects.count() < STUDENTS or ledger_rows < LEDGER or not DailyDigest.objects.exists():
        build(today)
    else:
        print("data already built: skipping the build")
    publish_digests()
    step = time.perf_counter()
    added = tally_recent_days()  # as the periodic task does every 5 minutes
    print(f"running totals of the days not digested: {added:,} entries added in {time.perf_counter() - step:.1f} s")
    season = Season.objects.get(name="Сезон нагрузочный")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM engagement_ledgerentry")
        ledger_rows = cursor.fetchone()[0]
    digested = DailyDigest.objects.order_by("-day").values_list("day", flat=True).first()
    print(f"data: {Student.objects.count():,} students, {ledger_rows:,} ledger entries, digested up to {digested}")

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM engagement_ledgerentry")
            cursor.execute("SELECT count(*) FROM learning_student")

    def fresh():
        return figures.ReportFilter(season=season)  # a new filter: nothing memoized from a run before

    figures.full_report(fresh())  # warm PostgreSQL's buffers, as a second editor opening the page would find them
    base = timed(baseline)
    report = timed(lambda: figures.full_report(fresh()))
    for _, functions in figures.SECTIONS:
        for function in functions:
            print(f"  {function.__name__:<18} {timed(lambda f=function: f(fresh()), runs=3) * 1000:7.1f} ms (alone)")

    admin = get_user_model().objects.filter(is_superuser=True).first() or get_user_model().objects.create_superuser(
        "bench-admin", "bench-admin@example.org", "bench-пароль-2026"
    )
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(admin)
    url_path = reverse("reports_season")

    def page():
        response = client.get(url_path, {"season": season.pk})
        assert response.status_code == 200, response.status_code

    page_time = timed(page, runs=3)
    print(f"baseline (COUNT(*) over ledger and students): {base * 1000:.0f} ms")
    print(f"full report (all tables): {report * 1000:.0f} ms = {report / base:.1f}x baseline; aim < 1000 ms")
    print(f"admin page with charts over the test client: {page_time * 1000:.0f} ms = {page_time / base:.1f}x baseline")
    if report >= 1.0:
        print("WARNING: the full report took 1 s or more")


if __name__ == "__main__":
    main()
