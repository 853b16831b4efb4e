"""Benchmark of publishing one day of the public ledger on PostgreSQL.

Builds (once, kept for the next run) one UTC day of BENCH_PUBLICATION_ROWS ledger entries
(default 1,000,000) and a day of a tenth as many, with INSERT ... SELECT generate_series. Then, each
measurement in its own process so its peak memory is its own, prints:
- the day's publication under rule 2 (engagement.services.publication.publish_day: one pass for the Merkle
  root and block roots, the Ed25519 signature, the row written, rolled back) plus one full download
  of its day file (the generator the day-file view streams), against the baseline measured in the
  same run: today's rule-1 digest of the same day (services.day_digest). Aim: at most 1.5×;
- peak RSS of each process, and of the publication at a tenth of the entries: memory stays flat;
- a receipt with its inclusion proof, through the API view (Django test client), over 200 random
  entries of the big day: median and 95th percentile, beside the cached counter through the same
  stack (the framework's floor). Aim: under 20 ms.

Uses its own database (BENCH_PUBLICATION_DB, default bench_publication) on the server DATABASE_URL
names. Run: `.venv/bin/python bench/bench_publication.py` (or `make bench`).
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROWS = int(os.environ.get("BENCH_PUBLICATION_ROWS", "1000000"))
BENCH_DB = os.environ.get("BENCH_PUBLICATION_DB", "bench_publication")
BIG_DAY, SMALL_DAY = date(2026, 1, 15), date(2026, 1, 16)

BUILD_SQL = """
INSERT INTO engagement_ledgerentry (kind, actor_user_id, actor_vk_id, target_type_id, target_id, amount,
                                    campaign_id, key, reverses_id, reason, created_at)
SELECT CASE WHEN g %% 10 = 0 THEN 'repost' ELSE 'like' END, NULL,
       CASE WHEN g %% 20 = 0 THEN NULL ELSE 100000 + g %% 50000 END,
       %(target_type)s, g %% 1000, 100, %(campaign)s, %(prefix)s || g, NULL, '',
       %(day)s::timestamptz + (g - 1) * (interval '86399 seconds' / %(rows)s)
FROM generate_series(1, %(rows)s) g
"""


def bench_database_url():
    base = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test")
    if not base.scheme.startswith("postgres"):
        sys.exit("bench_publication needs PostgreSQL: set DATABASE_URL=postgres://…")
    return urlunsplit(base._replace(path=f"/{BENCH_DB}")), urlunsplit(base._replace(path="/postgres"))


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TASK_BACKEND", "immediate")
    os.environ.setdefault("DEBUG", "0")  # no query log kept in memory
    os.environ.setdefault("SECRET_KEY", "bench-publication-only-not-a-secret-0123456789abcdefghijklmnop")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ.setdefault("CACHE_BACKEND", "local")
    import django

    django.setup()


def build():
    import psycopg
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection

    from engagement.models import Campaign, DailyDigest, LedgerEntry
    from engagement.services import GENESIS_DIGEST, publication

    url, admin_url = bench_database_url()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    call_command("migrate", verbosity=0)
    if DailyDigest.objects.filter(day=SMALL_DAY).exists() and (
        DailyDigest.objects.get(day=BIG_DAY).entries_count == ROWS
    ):
        return
    if LedgerEntry.objects.exists():
        sys.exit(f"{BENCH_DB} holds another build: drop it (DROP DATABASE {BENCH_DB}) and run again.")
    campaign = Campaign.objects.create(
        name="Бенчмарк", starts_at="2026-01-01T00:00Z", ends_at="2026-06-01T00:00Z", cap=10**12
    )
    target_type = ContentType.objects.get_for_model(Group).pk
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for day, rows, prefix in ((BIG_DAY, ROWS, "big:"), (SMALL_DAY, ROWS // 10, "small:")):
            cursor.execute(
                BUILD_SQL,
                {"target_type": target_type, "campaign": campaign.pk, "prefix": prefix, "day": day, "rows": rows},
            )
        cursor.execute("VACUUM ANALYZE engagement_ledgerentry")
    big = publication.publish_day(BIG_DAY, GENESIS_DIGEST)
    publication.publish_day(SMALL_DAY, big.digest)
    print(f"built {ROWS:,} + {ROWS // 10:,} entries and published both days in {time.perf_counter() - started:.0f} s")


def measure(what, day):
    """One measurement in this process: prints {"seconds", "rss_mb"} as JSON."""
    from django.db import transaction

    from engagement import services
    from engagement.services import digests, publication

    day = date.fromisoformat(day)
    started = time.perf_counter()
    if what == "digest":
        digests.day_digest(day, services.GENESIS_DIGEST)
    elif what == "publish":
        with transaction.atomic():
            tree = publication.DayTree(day)
            digest = publication.digest_v2("0" * 64, day, tree.count, tree.amount, tree.root.hex(), "")
            publication.signing_key().sign(publication.signed_message(day, digest))
            transaction.set_rollback(True)
    elif what == "day_file":
        size = 0
        for chunk in publication.day_file(day):
            size += len(chunk)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_child(what, day):
    out = subprocess.run(
        [sys.executable, __file__, "--measure", what, day.isoformat()],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def receipts_timing():
    import random

    from django.test import Client

    from engagement.models import LedgerEntry
    from engagement.services.publication import entries_of_day

    ids = entries_of_day(BIG_DAY).values_list("pk", flat=True)
    low, high = ids.first(), ids.last()
    codes = list(
        LedgerEntry.objects.filter(pk__in=random.sample(range(low, high + 1), 200)).values_list("receipt", flat=True)
    )
    client = Client(SERVER_NAME="localhost")
    client.get(f"/api/engagement/receipts/{codes[0]}/", secure=True)  # warm: connection, imports, key
    floor = []
    for _ in codes:  # the same stack answering the counter (cached in the process): the floor
        started = time.perf_counter()
        client.get("/api/engagement/counter/", secure=True)
        floor.append((time.perf_counter() - started) * 1000)
    times = []
    for code in codes:
        started = time.perf_counter()
        response = client.get(f"/api/engagement/receipts/{code}/", secure=True)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and response.json()["proof"], response.content
    return statistics.median(times), statistics.quantiles(times, n=20)[-1], statistics.median(floor)


def main():
    url, _ = bench_database_url()
    setup_django(url)
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        measure(sys.argv[2], sys.argv[3])
        return
    build()
    digest = run_child("digest", BIG_DAY)
    publish = run_child("publish", BIG_DAY)
    day_file = run_child("day_file", BIG_DAY)
    small = run_child("publish", SMALL_DAY)
    small_file = run_child("day_file", SMALL_DAY)
    total = publish["seconds"] + day_file["seconds"]
    print(f"one day of {ROWS:,} entries:")
    print(f"  rule-1 digest (baseline)        {digest['seconds']:7.1f} s   peak RSS {digest['rss_mb']:.0f} MB")
    print(f"  Merkle root + signature         {publish['seconds']:7.1f} s   peak RSS {publish['rss_mb']:.0f} MB")
    print(f"  day file, streamed once         {day_file['seconds']:7.1f} s   peak RSS {day_file['rss_mb']:.0f} MB")
    ratio = total / digest["seconds"]
    print(f"  publication = root + file       {total:7.1f} s   = {ratio:.2f}× the digest (aim ≤ 1.5×)")
    print(
        f"  memory at {ROWS // 10:,} entries: publication {small['rss_mb']:.0f} MB, day file "
        f"{small_file['rss_mb']:.0f} MB (flat if close to the figures above)"
    )
    median, p95, floor = receipts_timing()
    print(
        f"receipt with its proof over the API: median {median:.1f} ms, 95th percentile {p95:.1f} ms (aim < 20 ms); "
        f"the counter through the same stack: {floor:.1f} ms"
    )


if __name__ == "__main__":
    main()
