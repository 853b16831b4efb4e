"""Benchmark of the public pages under gunicorn (2 sync workers, DEBUG=0, Redis cache).

Builds (once, kept for the next run) the demo season plus BENCH_PAGES_WORKS public works (default
5,000) and BENCH_PAGES_LEDGER ledger entries (default 200,000) in its own database
(BENCH_PAGES_DB, default bench_pages). Then, in one run, alternating with a static file WhiteNoise
serves (the baseline), it measures each page's requests per second, three times, and prints the
medians and the ratio static/page:
- with the page cache off (PAGE_CACHE_SECONDS=0: every request renders; aims: home within 50×,
  lesson within 20× of the static file);
- with the page cache on (an anonymous page from the cache; aim: within 3×).
It also prints each page's SQL queries (one request, cache cold and warm) and the query time.
Run: `.venv/bin/python bench/bench_pages.py` (or `make bench`).
"""

import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORKS = int(os.environ.get("BENCH_PAGES_WORKS", "5000"))
LEDGER = int(os.environ.get("BENCH_PAGES_LEDGER", "200000"))
BENCH_DB = os.environ.get("BENCH_PAGES_DB", "bench_pages")
SECONDS = float(os.environ.get("BENCH_PAGES_SECONDS", "4"))
CLIENTS = int(os.environ.get("BENCH_PAGES_CLIENTS", "8"))
REDIS_URL = os.environ.get("BENCH_PAGES_REDIS_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
STATIC_FILE = "/static/site_theme/favicon.svg"


def database_urls():
    base = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test")
    if not base.scheme.startswith("postgres"):
        sys.exit("bench_pages needs PostgreSQL: set DATABASE_URL=postgres://…")
    return urlunsplit(base._replace(path=f"/{BENCH_DB}")), urlunsplit(base._replace(path="/postgres"))


def prepare():
    import psycopg

    url, admin_url = database_urls()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TASK_BACKEND", "immediate")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from cms.models import DirectionPage

    # A migration creates the home page, so the demo is told by its directions.
    if not DirectionPage.objects.exists():
        print("loading the demo season…", flush=True)
        call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return url


def build_works():
    """Public works by as many students, cloned in SQL from the demo's approved works (their files)."""
    from django.db import connection

    from learning.models import Submission

    public = Submission.objects.filter(status__in=Submission.PUBLIC_STATUSES).count()
    missing = WORKS - public
    if missing <= 0:
        return
    print(f"building {missing:,} public works…", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM auth_user")
        first = cursor.fetchone()[0] + 1
        cursor.execute(
            "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email,"
            " is_staff, is_active, date_joined)"
            " SELECT i, '!', false, 'bench' || i || '@example.org', '', '', 'bench' || i || '@example.org',"
            " false, true, now() FROM generate_series(%s, %s) AS i",
            [first, first + missing - 1],
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('auth_user', 'id'), (SELECT max(id) FROM auth_user))")
        cursor.execute("SELECT id FROM cms_region ORDER BY id")
        regions = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "INSERT INTO learning_student (user_id, first_name, surname, birth_date, region_id, town,"
            " town_population, guardian_email, created_at)"
            " SELECT i, 'Ученик', 'Скрытый', date '2012-01-01', (%s::bigint[])[1 + i %% %s], '', NULL, '', now()"
            " FROM generate_series(%s, %s) AS i",
            [regions, len(regions), first, first + missing - 1],
        )
        cursor.execute(
            "SELECT s.id, s.assignment_id, s.age, s.age_band FROM learning_submission s"
            " WHERE s.status = 'approved' ORDER BY s.id"
        )
        templates = cursor.fetchall()
        cursor.execute(
            "CREATE TEMP TABLE bench_new AS SELECT st.id AS student_id, row_number() OVER (ORDER BY st.id) AS n"
            " FROM learning_student st WHERE st.user_id >= %s",
            [first],
        )
        cursor.execute(
            "INSERT INTO learning_submission (uid, assignment_id, student_id, title, description, text, status,"
            " rejection_reason, age, age_band, like_count, hidden, needs_review, ledger_round, counted,"
            " created_at, updated_at, submitted_at, approved_at, jury_code)"
            " SELECT gen_random_uuid(), (t.a)[1 + n %% %s], student_id, 'Работа ' || n, 'Описание', '',"
            " 'approved', '', (t.ages)[1 + n %% %s], (t.bands)[1 + n %% %s], (n * 7919) %% 500, false, false, 1,"
            " true, now(), now(), now(), now() - n * interval '1 minute', 'B' || n"
            " FROM bench_new, (SELECT %s::bigint[] AS a, %s::int[] AS ages, %s::text[] AS bands) AS t",
            [
                len(templates),
                len(templates),
                len(templates),
                [t[1] for t in templates],
                [t[2] for t in templates],
                [t[3] for t in templates],
            ],
        )
        cursor.execute(
            "INSERT INTO learning_submissionfile (uid, submission_id, kind, file, video_id, content_type, size,"
            " width, height, position)"
            " SELECT gen_random_uuid(), s.id, f.kind, f.file, f.video_id, f.content_type, f.size, f.width,"
            " f.height, 0 FROM learning_submission s"
            " JOIN LATERAL (SELECT * FROM learning_submissionfile WHERE submission_id ="
            "   (SELECT id FROM learning_submission WHERE status = 'approved' AND assignment_id = s.assignment_id"
            "    ORDER BY id LIMIT 1) ORDER BY position LIMIT 1) f ON true"
            " WHERE s.title LIKE 'Работа %%' AND NOT EXISTS"
            " (SELECT 1 FROM learning_submissionfile x WHERE x.submission_id = s.id)"
        )
        cursor.execute("ANALYZE")


def build_ledger():
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from engagement.models import LedgerEntry, VkPost

    present = LedgerEntry.objects.count()
    if present >= LEDGER:
        return
    print(f"building {LEDGER - present:,} ledger entries…", flush=True)
    post_type = ContentType.objects.get_for_model(VkPost).pk
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO engagement_ledgerentry (kind, actor_vk_id, target_type_id, target_id, amount,"
            " campaign_id, key, reverses_id, reason, created_at)"
            " SELECT 'like', 1000000 + i, %s, 1 + i %% 100, 0, NULL, 'benchpages:' || i, NULL, '',"
            " now() - i * interval '10 s' FROM generate_series(1, %s) AS i",
            [post_type, LEDGER - present],
        )
        cursor.execute("ANALYZE engagement_ledgerentry")


def pages():
    from cms.models import DirectionPage, LessonPage

    return {
        "home": "/",
        "direction": DirectionPage.objects.live().order_by("path").first().url,
        "lesson": LessonPage.objects.live().order_by("path").first().url,
        "gallery": "/gallery/",
        "api gallery popular": "/api/gallery/?ordering=popular",
    }


def count_queries(paths):
    """SQL queries and their time for one anonymous request to each page, cache cold then warm."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    result = {}
    with override_settings(ALLOWED_HOSTS=["*"], PAGE_CACHE_SECONDS=0):
        client = Client()
        for name, path in paths.items():
            cache.clear()
            connection.queries_log.clear()  # a full log (the build's queries) would hide new ones
            with CaptureQueriesContext(connection) as cold:
                assert client.get(path).status_code == 200, path
            with CaptureQueriesContext(connection) as warm:
                client.get(path)
            seconds = sum(float(q["time"]) for q in warm.captured_queries)
            result[name] = (len(cold), len(warm), seconds * 1000)
    return result


# --- load -----------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url, static_root, page_cache_seconds):
    port = int(os.environ.get("BENCH_PAGES_PORT", "0")) or free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "CACHE_BACKEND": "redis",
        "REDIS_URL": REDIS_URL,
        "STATIC_ROOT": str(static_root),
        "PAGE_CACHE_SECONDS": str(page_cache_seconds),
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--chdir",
            str(ROOT),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{base}{STATIC_FILE}", timeout=2) as response:  # noqa: S310 - local
                if response.status == 200:
                    return server, base
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def requests_per_second(url, seconds=SECONDS, clients=CLIENTS, headers=None):
    """Requests per second from `clients` threads for `seconds` (each request a new connection,
    as gunicorn's sync workers close them)."""
    stop = time.perf_counter() + seconds
    done = [0] * clients
    failed = []

    def loop(index):
        request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - local
        while time.perf_counter() < stop:
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local
                    response.read()
                    if response.status != 200:
                        failed.append(response.status)
            except OSError as error:
                failed.append(error)
            done[index] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failed:
        raise RuntimeError(f"{url}: {len(failed)} failed requests, e.g. {failed[0]}")
    return sum(done) / (time.perf_counter() - began)


def measure(base, paths, rounds=3):
    """Median req/s of each page and of the static file, alternated, `rounds` times."""
    static, figures = [], {name: [] for name in paths}
    for _ in range(rounds):
        for name, path in paths.items():
            static.append(requests_per_second(base + STATIC_FILE))
            figures[name].append(requests_per_second(base + path))
    return statistics.median(static), {name: statistics.median(values) for name, values in figures.items()}


def headers_of(base, path):
    request = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"})  # noqa: S310 - local
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local
        return response.headers, len(response.read())


def main():
    url = prepare()
    build_works()
    build_ledger()
    from learning.models import Submission

    works = Submission.objects.filter(status__in=Submission.PUBLIC_STATUSES).count()
    from engagement.models import LedgerEntry

    print(f"public works: {works:,}; ledger entries: {LedgerEntry.objects.count():,}", flush=True)
    paths = pages()
    for name, (cold, warm, ms) in count_queries(paths).items():
        print(f"queries, {name}: {cold} (cache cold), {warm} (warm), {ms:.1f} ms of SQL", flush=True)

    static_root = Path(os.environ.get("BENCH_PAGES_STATIC_ROOT", ROOT / "var" / "bench-static"))
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-only", "STATIC_ROOT": str(static_root)}
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    brotli = any(static_root.rglob("*.br"))
    print(f"static files precompressed with brotli: {'yes' if brotli else 'no (pip install brotli)'}", flush=True)

    from django.db import connections

    connections.close_all()
    aims = {"home": 50, "lesson": 20}
    for cache_seconds, label in [(0, "page cache off"), (60, "page cache on")]:
        server, base = start_server(url, static_root, cache_seconds)
        try:
            if cache_seconds:
                headers, size = headers_of(base, "/")
                print(
                    f"home, anonymous: Cache-Control {headers.get('Cache-Control')!r}, Content-Encoding"
                    f" {headers.get('Content-Encoding')!r}, {size:,} bytes, csrftoken cookie:"
                    f" {'csrftoken' in (headers.get('Set-Cookie') or '')}",
                    flush=True,
                )
            static, figures = measure(base, paths)
            print(f"== {label}: static file {static:,.0f} req/s (median of 3)", flush=True)
            for name, rate in figures.items():
                aim = 3 if cache_seconds else aims.get(name)
                verdict = f" (aim within {aim}×: {'met' if static / rate <= aim else 'NOT met'})" if aim else ""
                print(f"{name}: {rate:,.0f} req/s, static/page {static / rate:.1f}×{verdict}", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    shutil.rmtree(static_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
