"""Benchmark of the content API (/api/v2/) on PostgreSQL with the demo season.

Prints, each against a baseline measured in the same run:
- a list of 50 lessons with every field (`fields=*`: video, materials, renditions...) vs the same
  50 pages with Wagtail's default listing fields (the framework floor): time ratio and queries;
- the same list at 5 items vs 50 items: queries must be equal (flat), time should grow far less
  than tenfold;
- a masterclass list filtered by direction and season vs the unfiltered list.

Uses its own database (BENCH_CMS_DB, default bench_cms) on the server DATABASE_URL names; it is
migrated and filled with the demo content once and kept for the next run.
Run: `.venv/bin/python bench/bench_content_api.py` (or `make bench`).
"""

import io
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get("BENCH_CMS_DB", "bench_cms")
ROUNDS = int(os.environ.get("BENCH_CMS_ROUNDS", "15"))


def prepare_database():
    import psycopg

    base = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test")
    if not base.scheme.startswith("postgres"):
        sys.exit("bench_content_api needs PostgreSQL: set DATABASE_URL=postgres://…")
    admin_url = urlunsplit(base._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{BENCH_DB}"')
    os.environ["DATABASE_URL"] = urlunsplit(base._replace(path=f"/{BENCH_DB}"))
    os.environ.setdefault("TASK_BACKEND", "immediate")
    os.environ.setdefault("VAR_DIR", "/tmp/bench_cms_var")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"


def measure(client, params):
    """Median seconds and the query count of GET /api/v2/pages/ with `params` (after a warm-up)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    response = client.get("/api/v2/pages/", params)  # warm-up: renditions, caches
    assert response.status_code == 200, response.content
    reset_queries()  # each request resets the log (request_started); start the capture from empty
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v2/pages/", params)
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        client.get("/api/v2/pages/", params)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), len(queries)


def main():
    prepare_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from cms import demo
    from cms.models import MasterclassPage, Season

    setup_test_environment()  # the test client's host, no real HTTP
    call_command("migrate", verbosity=0)
    demo.load(io.StringIO())
    client = Client(HTTP_HOST="localhost")

    lessons = {"type": "cms.LessonPage", "limit": 50}
    floor, floor_queries = measure(client, lessons)
    full, full_queries = measure(client, {**lessons, "fields": "*"})
    five, five_queries = measure(client, {**lessons, "fields": "*", "limit": 5})
    print(f"lessons, 50 items, default fields (floor): {floor * 1000:.1f} ms, {floor_queries} queries")
    print(f"lessons, 50 items, fields=*:               {full * 1000:.1f} ms, {full_queries} queries")
    print(f"  ratio to floor: {full / floor:.2f}x")
    print(f"lessons, 5 items, fields=*:                {five * 1000:.1f} ms, {five_queries} queries")
    print(f"  50 vs 5 items: time {full / five:.2f}x (10x items), queries {full_queries} vs {five_queries}")

    season = Season.current()
    direction = MasterclassPage.objects.first().get_parent()
    masterclasses = {"type": "cms.MasterclassPage", "fields": "*", "limit": 50}
    unfiltered, unfiltered_queries = measure(client, masterclasses)
    filtered, filtered_queries = measure(
        client, {**masterclasses, "direction": direction.slug, "season": season.pk, "age_band": "14-18"}
    )
    print(f"masterclasses, all, fields=*:              {unfiltered * 1000:.1f} ms, {unfiltered_queries} queries")
    print(f"masterclasses, filtered, fields=*:         {filtered * 1000:.1f} ms, {filtered_queries} queries")
    print(f"  filtered vs all: {filtered / unfiltered:.2f}x")
    if full_queries != five_queries:
        sys.exit("FAIL: the query count grows with the number of items")


if __name__ == "__main__":
    main()
