"""Benchmark of the engagement ledger on PostgreSQL with 10 million ledger rows.

Prints, each against a baseline measured in the same run:
- record_action() throughput with 1 and 8 concurrent clients (separate processes, as real clients
  are) vs a raw-SQL insert-plus-slot baseline run the same way (aim: at least 80 %, the median of
  three runs);
- the donation counter endpoint over HTTP (gunicorn on a local port, hit by wrk when installed,
  else by a bounded loop of client threads) vs a view returning a constant JSON through the same
  stack, the framework floor, median of three alternated rounds (aim: at least 90 %);
- VKontakte batch ingestion (ingest_vk_events, set-based in the database) in rows per second vs a
  bare binary COPY of the same rows into the ledger, median of three rounds (aim: at least 80 %).

Uses its own database (BENCH_LEDGER_DB, default bench_ledger) on the server DATABASE_URL names;
the 10 million rows are built once with generate_series and kept for the next run.
Run: `.venv/bin/python bench/bench_ledger.py [record] [counter] [ingestion]` (or `make bench`; no
argument runs all three; BENCH_LEDGER_ROWS and BENCH_LEDGER_INGEST_ROWS scale it down).
"""

import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROWS = int(os.environ.get("BENCH_LEDGER_ROWS", "10000000"))
INGEST_ROWS = int(os.environ.get("BENCH_LEDGER_INGEST_ROWS", "100000"))
BENCH_DB = os.environ.get("BENCH_LEDGER_DB", "bench_ledger")
FLOOR_BODY = (
    b'{"campaign": {"id": 1, "name": "bench"}, "raised_kopecks": 0, "raised_roubles": 0, "actions": 0, '
    b'"cap_kopecks": 0, "percent_of_cap": 0, "goal_reached": false, "children_helped": 0, '
    b'"updated_at": "2026-01-01T00:00:00+00:00"}'
)


def bench_database_url():
    base = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test")
    if not base.scheme.startswith("postgres"):
        sys.exit("bench_ledger needs PostgreSQL: set DATABASE_URL=postgres://…")
    return urlunsplit(base._replace(path=f"/{BENCH_DB}")), urlunsplit(base._replace(path="/postgres"))


# --- the WSGI app gunicorn serves: the project plus the constant-JSON floor view ----------------

_application = None


def application(environ, start_response):
    global _application
    if _application is None:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.conf import settings

        settings.ROOT_URLCONF = "bench.bench_ledger"
        from django.core.wsgi import get_wsgi_application

        _application = get_wsgi_application()
    return _application(environ, start_response)


def __getattr__(name):
    # Django reads `urlpatterns` of ROOT_URLCONF; built on first use, after django.setup().
    if name == "urlpatterns":
        from django.http import HttpResponse
        from django.urls import path

        from config.urls import urlpatterns

        def floor(request):
            return HttpResponse(FLOOR_BODY, content_type="application/json")

        return [path("bench/floor/", floor), *urlpatterns]
    raise AttributeError(name)


# --- setup ---------------------------------------------------------------------------------------


def prepare_database():
    import psycopg

    url, admin_url = bench_database_url()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    os.environ["DATABASE_URL"] = url
    os.environ["ENGAGEMENT_DAILY_ACTION_CAP"] = "1000000000"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TASK_BACKEND", "immediate")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def build_history():
    """10 million historical entries of a past campaign, built in SQL; slots set to match."""
    from datetime import UTC, datetime

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from engagement.models import Campaign, LedgerEntry, VkPost
    from engagement.services import distribute_cap

    history, _ = Campaign.objects.get_or_create(
        name="bench: история",
        defaults={
            "starts_at": datetime(2025, 9, 1, tzinfo=UTC),
            "ends_at": datetime(2026, 6, 1, tzinfo=UTC),
            "cap": 10**15,
        },
    )
    post_type = ContentType.objects.get_for_model(VkPost).pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM engagement_ledgerentry WHERE campaign_id = %s", [history.pk])
        present = cursor.fetchone()[0]
        if present < ROWS:
            print(f"building {ROWS - present:,} ledger rows with generate_series…", flush=True)
            cursor.execute("SET synchronous_commit = off")
            step = 1_000_000
            for start in range(present + 1, ROWS + 1, step):
                stop = min(start + step - 1, ROWS)
                began = time.perf_counter()
                cursor.execute(
                    "INSERT INTO engagement_ledgerentry (kind, actor_vk_id, target_type_id, target_id, amount,"
                    " campaign_id, key, reverses_id, reason, created_at)"
                    " SELECT CASE WHEN i %% 5 = 0 THEN 'repost' ELSE 'like' END, 1000000 + i %% 2000000, %s,"
                    " 1 + i %% 1000, 100, %s, 'hist:' || i, NULL, '',"
                    " timestamptz '2025-09-01 00:00Z' + i * interval '2 s'"
                    " FROM generate_series(%s, %s) AS i",
                    [post_type, history.pk, start, stop],
                )
                print(f"  rows {stop:,} ({time.perf_counter() - began:.0f} s)", flush=True)
            cursor.execute("ANALYZE engagement_ledgerentry")
        # The slots hold what the entries add up to (so reconcile_ledger agrees).
        cursor.execute(
            "SELECT coalesce(sum(amount), 0), count(*) FROM engagement_ledgerentry WHERE campaign_id = %s",
            [history.pk],
        )
        total, count = cursor.fetchone()
        cursor.execute(
            "UPDATE engagement_counterslot SET amount = CASE WHEN number = 0 THEN %s ELSE 0 END,"
            " actions = CASE WHEN number = 0 THEN %s ELSE 0 END,"
            " budget = CASE WHEN number = 0 THEN %s ELSE 0 END WHERE campaign_id = %s",
            [total, count, total, history.pk],
        )
    distribute_cap(history)
    print(f"ledger rows: {LedgerEntry.objects.count():,}", flush=True)


def bench_campaign():
    from datetime import timedelta

    from django.utils import timezone

    from engagement.models import Campaign

    now = timezone.now()
    campaign, _ = Campaign.objects.get_or_create(
        name="bench: текущая",
        defaults={"starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=3650), "cap": 10**15},
    )
    return campaign


# --- record_action vs raw SQL --------------------------------------------------------------------


def run_clients(clients, work):
    """Run work(index) in `clients` separate processes (forked, each with its own database
    connection, as real clients are: gunicorn workers, task runners), started together; the
    seconds from the common start until the last one ends. Both sides of a comparison run here,
    so neither pays for sharing one interpreter's lock between its client threads."""
    import multiprocessing

    from django.db import connections

    context = multiprocessing.get_context("fork")
    connections.close_all()  # a child must not share the parent's connection
    barrier = context.Barrier(clients + 1)
    failed = context.Value("i", 0)

    def target(index):
        from django.db import connections

        try:
            barrier.wait()
            work(index)
        except BaseException:  # reported by the exit code below
            import traceback

            traceback.print_exc()
            with failed.get_lock():
                failed.value += 1
        finally:
            connections.close_all()

    processes = [context.Process(target=target, args=(i,)) for i in range(clients)]
    for process in processes:
        process.start()
    barrier.wait()
    began = time.perf_counter()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - began
    if failed.value or any(process.exitcode for process in processes):
        raise RuntimeError(f"{failed.value} of {clients} client processes failed")
    return elapsed


def bench_record_action(url, campaign, clients, per_client):
    import psycopg
    from django.contrib.contenttypes.models import ContentType

    from engagement.models import SLOT_COUNT, VkPost
    from engagement.services import VkActor, record_action

    post, _ = VkPost.objects.get_or_create(group_id=1, post_id=1)
    post_type = ContentType.objects.get_for_model(VkPost).pk
    run = time.time_ns()
    dsn = url.replace("postgres://", "postgresql://", 1)

    def service(index):
        for n in range(per_client):
            record_action("like", VkActor(50_000_000 + index * per_client + n), post, f"bench:{run}:svc:{index}:{n}")

    def raw(index):
        with psycopg.connect(dsn) as conn:
            for n in range(per_client):
                conn.execute(
                    "INSERT INTO engagement_ledgerentry (kind, actor_vk_id, target_type_id, target_id, amount,"
                    " campaign_id, key, reverses_id, reason, created_at)"
                    " VALUES ('like', %s, %s, %s, 100, %s, %s, NULL, '', now())",
                    [
                        60_000_000 + index * per_client + n,
                        post_type,
                        post.pk,
                        campaign.pk,
                        f"bench:{run}:raw:{index}:{n}",
                    ],
                )
                conn.execute(
                    "UPDATE engagement_counterslot SET amount = amount + 100, actions = actions + 1"
                    " WHERE campaign_id = %s AND number = %s",
                    [campaign.pk, random.randrange(SLOT_COUNT)],
                )
                conn.commit()

    total = clients * per_client
    raw_rate = total / run_clients(clients, raw)
    service_rate = total / run_clients(clients, service)
    return service_rate, raw_rate


# --- the counter over HTTP -----------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "bench.bench_ledger:application",
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
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"{base}/bench/floor/", timeout=2) as response:  # noqa: S310 - local
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        server.terminate()
        raise RuntimeError("gunicorn did not start")
    return server, base


def requests_per_second(url, seconds=5):
    wrk = shutil.which("wrk")
    if wrk:
        out = subprocess.run(
            [wrk, "-t2", "-c16", f"-d{seconds}s", url], capture_output=True, text=True, check=True
        ).stdout
        if "Non-2xx" in out:
            raise RuntimeError(f"{url} answered errors:\n{out}")
        return float(next(line for line in out.splitlines() if line.startswith("Requests/sec")).split()[1])
    stop = time.perf_counter() + seconds
    done = [0] * 8

    def loop(index):
        while time.perf_counter() < stop:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local
                response.read()
            done[index] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(8)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - began)


def bench_counter(url, campaign):
    server, base = start_server(url)
    try:
        with urllib.request.urlopen(f"{base}/api/engagement/counter/", timeout=5) as response:  # noqa: S310
            assert response.status == 200 and response.headers["ETag"]
        rounds = []
        for _ in range(3):  # alternated, the median of three: other processes share this machine
            floor = requests_per_second(f"{base}/bench/floor/")
            counter = requests_per_second(f"{base}/api/engagement/counter/?campaign={campaign.pk}")
            rounds.append((counter / floor, counter, floor))
        return sorted(rounds)
    finally:
        server.terminate()
        server.wait(timeout=20)


# --- VK batch ingestion --------------------------------------------------------------------------


def vk_like_events(total, group_id=219_000_000):
    run = time.time_ns() % 10**9
    return [
        {
            "type": "like_add",
            "group_id": group_id,
            "event_id": f"bench{run}-{n}",
            "v": "5.199",
            "object": {
                "liker_id": 70_000_000 + run % 10**6 * 1000 + n,
                "object_type": "post",
                "object_owner_id": -group_id,
                "object_id": 1 + n % 50,
                "post_id": 0,
            },
        }
        for n in range(total)
    ]


def ingest_rate(total, batch):
    """ingest_vk_events in batches (set-based in the database on PostgreSQL): rows/s."""
    from django.db import connection

    from engagement.services import ingest_vk_events

    events = vk_like_events(total)
    written = 0
    began = time.perf_counter()
    for start in range(0, total, batch):
        written += ingest_vk_events(events[start : start + batch])
    elapsed = time.perf_counter() - began
    assert written == total, f"ingested {written} of {total}"
    connection.close()
    return total / elapsed


def bare_copy_rate(total, batch, table="engagement_ledgerentry"):
    """The baseline: the same number of ledger rows (same columns, same shape) COPYed in binary
    straight into `table`, one transaction per batch, and nothing else (no de-duplication, like
    state, cap, slots or VK event log)."""
    from datetime import UTC, datetime

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from engagement.models import VkPost
    from engagement.services import sql

    post_type = ContentType.objects.get_for_model(VkPost).pk
    run = time.time_ns()
    now = datetime.now(UTC)
    copy = f"COPY {table} ({', '.join(name for name, _ in sql.VK_ENTRY_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    began = time.perf_counter()
    for start in range(0, total, batch):
        with transaction.atomic(), sql.binary_cursor() as cursor, cursor.copy(copy) as writer:
            writer.set_types([kind for _, kind in sql.VK_ENTRY_COLUMNS])
            for n in range(start, start + batch):
                key = f"copy:{run}:{n}"
                writer.write_row(("like", 80_000_000 + n, post_type, 1 + n % 50, 0, None, key, None, "", now))
    elapsed = time.perf_counter() - began
    connection.close()
    return total / elapsed


PLAIN_TABLE = "bench_plain_ledger"


def bench_ingestion(total=100_000, batch=10_000, runs=3):
    """Median of `runs` interleaved rounds: ingestion vs a bare COPY into the ledger, and (context)
    a bare COPY into a plain table of the same columns without indexes or triggers."""
    from django.db import connection

    from engagement.services import sql

    with connection.cursor() as cursor:
        columns = ", ".join(f"{name} {kind}" for name, kind in sql.VK_ENTRY_COLUMNS)
        cursor.execute(f"CREATE UNLOGGED TABLE IF NOT EXISTS {PLAIN_TABLE} ({columns})")
        cursor.execute(f"TRUNCATE {PLAIN_TABLE}")
    rounds = []
    for _ in range(runs):
        ingest = ingest_rate(total, batch)
        bare = bare_copy_rate(total, batch)
        plain = bare_copy_rate(total, batch, PLAIN_TABLE)
        rounds.append((ingest / bare, ingest, bare, plain))
        print(f"  ingestion round: {ingest:,.0f} vs bare COPY {bare:,.0f} rows/s ({ingest / bare:.2f})", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {PLAIN_TABLE}")
    rounds.sort()
    return rounds[len(rounds) // 2], rounds


def main():
    url = prepare_database()
    build_history()
    campaign = bench_campaign()

    parts = sys.argv[1:] or ["record", "counter", "ingestion"]
    results = []
    for clients, per_client in [(1, 800), (8, 150)] if "record" in parts else []:
        runs = sorted(
            (service / raw, service, raw)
            for service, raw in (bench_record_action(url, campaign, clients, per_client) for _ in range(3))
        )
        ratio, service, raw = runs[1]  # the median of three
        results.append(ratio >= 0.80)
        print(
            f"record_action, {clients} client(s): {service:,.0f}/s vs raw SQL insert+slot {raw:,.0f}/s"
            f" → ratio {ratio:.2f}, median of 3 ({', '.join(f'{r:.2f}' for r, _, _ in runs)}) (aim ≥ 0.80)",
            flush=True,
        )

    if "counter" in parts:
        rounds = bench_counter(url, campaign)
        ratio, counter, floor = rounds[1]
        results.append(ratio >= 0.90)
        print(
            f"counter over HTTP: {counter:,.0f} req/s vs constant-JSON floor {floor:,.0f} req/s"
            f" → ratio {ratio:.2f}, median of 3 ({', '.join(f'{r:.2f}' for r, _, _ in rounds)}) (aim ≥ 0.90)",
            flush=True,
        )

    if "ingestion" in parts:
        (ratio, rows, bare, plain), rounds = bench_ingestion(INGEST_ROWS)
        results.append(ratio >= 0.80)
        print(
            f"VK batch ingestion (set-based): {rows:,.0f} rows/s vs a bare COPY of the same"
            f" rows into the ledger {bare:,.0f} rows/s → ratio {ratio:.2f}, median of {len(rounds)}"
            f" ({', '.join(f'{r[0]:.2f}' for r in rounds)}) (aim ≥ 0.80); a bare COPY into a plain table"
            f" without indexes: {plain:,.0f} rows/s (ratio {rows / plain:.2f})",
            flush=True,
        )

    from engagement.services import reconcile

    balanced = all(balance.balanced for balance in reconcile())
    print(f"reconcile after the run: {'balanced' if balanced else 'DIFFERENCE'}")
    print(f"aims met: {sum(results)} of {len(results)}")
    return 0 if balanced else 1


if __name__ == "__main__":
    sys.exit(main())
