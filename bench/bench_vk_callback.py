"""Benchmark of the VK Callback API end to end: gunicorn on 127.0.0.1 (production's configuration,
config/gunicorn.conf.py: 2 workers of 8 threads, DEBUG=0) and a task worker beside it (db_worker, which
runs the inbox's drains), 16 concurrent senders posting VKontakte's own payload shapes (like_add,
wall_repost, then like_remove) with a share of duplicate deliveries mixed in, against a view on the
same server that answers a constant `ok` (aim: at least 0.7). A round's time runs from its first
delivery until the ledger holds every event (the inbox is empty), so the drains' work and their
delay are inside it; the callbacks' own answer rate is printed beside it. After the run the ledger
is checked: every distinct event was counted exactly once, duplicates added nothing.

The drains run at the end of each period of VK_INBOX_DRAIN_SECONDS (production's default, 1 s, unless
BENCH_VK_DRAIN_SECONDS sets another), and the worker looks for due tasks every 0.05 s.

Uses the ledger benchmark's database (BENCH_LEDGER_DB, default bench_ledger; its history is built
by bench_ledger.py and not needed here). Run: `.venv/bin/python bench/bench_vk_callback.py`.
"""

import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SENDERS = 16
EVENTS = int(os.environ.get("BENCH_VK_EVENTS", "3000"))  # distinct events per round
DRAIN_SECONDS = os.environ.get("BENCH_VK_DRAIN_SECONDS", "")
DUPLICATES = 0.2  # share of deliveries repeated (VKontakte retries)
GROUP_ID = 219_500_000
SECRET = "bench-vk-secret"

_application = None


def application(environ, start_response):
    global _application
    if _application is None:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.conf import settings

        settings.ROOT_URLCONF = "bench.bench_vk_callback"
        from django.core.wsgi import get_wsgi_application

        _application = get_wsgi_application()
    return _application(environ, start_response)


def __getattr__(name):
    if name == "urlpatterns":
        from django.http import HttpResponse
        from django.urls import path
        from django.views.decorators.csrf import csrf_exempt

        from config.urls import urlpatterns

        @csrf_exempt
        def ok(request):
            return HttpResponse("ok", content_type="text/plain")

        return [path("bench/ok/", ok), *urlpatterns]
    raise AttributeError(name)


def event(kind, obj):
    return {
        "type": kind,
        "object": obj,
        "group_id": GROUP_ID,
        "event_id": uuid.uuid4().hex[:40],
        "v": "5.199",
        "secret": SECRET,
    }


def like(liker, post, add=True):
    obj = {
        "liker_id": liker,
        "object_type": "post",
        "object_owner_id": -GROUP_ID,
        "object_id": post,
        "post_id": 0,
        "thread_reply_id": 0,
    }
    return event("like_add" if add else "like_remove", obj)


def repost(reposter, post):
    obj = {
        "id": reposter % 100_000,
        "from_id": reposter,
        "owner_id": reposter,
        "date": 1_790_000_000,
        "post_type": "post",
        "text": "",
        "copy_history": [
            {"id": post, "owner_id": -GROUP_ID, "from_id": -GROUP_ID, "date": 1_789_990_000, "post_type": "post"}
        ],
    }
    return event("wall_repost", obj)


def with_duplicates(events):
    deliveries = events + random.sample(events, int(len(events) * DUPLICATES))
    random.shuffle(deliveries)
    return [json.dumps(item).encode() for item in deliveries]


def send_all(url, bodies):
    """POST every body from SENDERS threads; deliveries per second."""
    queue = list(bodies)
    lock = threading.Lock()
    failures = []

    def sender():
        while True:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            request = urllib.request.Request(  # noqa: S310 - local
                url, data=body, headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local
                    if response.read() != b"ok":
                        failures.append(response.status)
            except OSError as error:
                failures.append(error)

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{url}: {len(failures)} deliveries failed, e.g. {failures[0]}")
    return len(bodies) / (time.perf_counter() - began)


def main():
    from bench.bench_ledger import bench_campaign, free_port, prepare_database

    url = prepare_database()
    campaign = bench_campaign()
    from django.db import connections

    from engagement.models import LedgerEntry, VkInboxEvent

    connections.close_all()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "VK_CALLBACK_GROUPS": f"{GROUP_ID}:{SECRET}:bench",
        "ENGAGEMENT_DAILY_ACTION_CAP": "1000000000",
        # Production's task backend by default: the drains are database tasks, run by the worker below.
        "TASK_BACKEND": "db",
        **({"VK_INBOX_DRAIN_SECONDS": DRAIN_SECONDS} if DRAIN_SECONDS else {}),
    }
    worker = subprocess.Popen(
        [str(ROOT / ".venv/bin/python"), "manage.py", "db_worker", "--queue-name", "default", "--no-reload"]
        + ["--no-startup-delay", "--interval", "0.05"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )

    def vacuumed():
        """This machine's PostgreSQL runs without autovacuum; production's visits the inbox after every
        5,000 removed rows (migration 0022). Vacuum the tables that rows leave before each round, and
        analyze the ledger and the posts as autovacuum would as they grow: a ledger never analyzed is
        planned as a tiny table, and a drain costs the database twenty times as much."""
        from django.db import connection

        with connection.cursor() as cursor:
            for table in ("engagement_vkinboxevent", "engagement_vkevent", "django_tasks_database_dbtaskresult"):
                cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute("ANALYZE engagement_ledgerentry, engagement_vkpost")

    def drained():
        """Wait until the inbox is empty: every event delivered so far is in the ledger."""
        while VkInboxEvent.objects.order_by("received_at").values_list("received_at").first():
            time.sleep(0.02)

    server = subprocess.Popen(
        # Production's configuration (config/gunicorn.conf.py: threaded workers), two workers for two cores.
        [str(ROOT / ".venv/bin/gunicorn"), "bench.bench_vk_callback:application", "--chdir", str(ROOT)]
        + ["-c", str(ROOT / "config/gunicorn.conf.py")]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                send_all(f"{base}/bench/ok/", [b"{}"])
                break
            except (RuntimeError, OSError):
                time.sleep(0.2)
        # Every worker loads the application on its first request: warm them all before timing, and
        # every thread's database connection with events of actors outside the checked range.
        send_all(f"{base}/bench/ok/", [b"{}"] * 200)
        warm = 2_000_000_000 + random.randrange(10**6) * 100
        send_all(f"{base}/api/vk/callback/", [json.dumps(like(warm + n, 1)).encode() for n in range(64)])
        drained()
        callback, answered, floor, ratios = [], [], [], []
        run = random.randrange(10**6)
        expected_entries, expected_amount = 0, 0
        for round_number in range(3):
            first = 80_000_000 + run * 1000 + round_number * EVENTS * 10
            likers = list(range(first, first + EVENTS * 2 // 3))
            reposters = list(range(first + EVENTS, first + EVENTS + EVENTS // 3))
            removers = likers[: len(likers) // 4]
            phase1 = with_duplicates([like(v, 1 + v % 20) for v in likers] + [repost(v, 1 + v % 20) for v in reposters])
            phase2 = with_duplicates([like(v, 1 + v % 20, add=False) for v in removers])
            vacuumed()
            floor.append(send_all(f"{base}/bench/ok/", phase1 + phase2))
            began = time.perf_counter()
            send_all(f"{base}/api/vk/callback/", phase1)
            send_all(f"{base}/api/vk/callback/", phase2)
            answered.append((len(phase1) + len(phase2)) / (time.perf_counter() - began))
            drained()
            callback.append((len(phase1) + len(phase2)) / (time.perf_counter() - began))
            ratios.append(callback[-1] / floor[-1])
            expected_entries += len(likers) + len(reposters) + len(removers)
            standing = len(likers) - len(removers)
            expected_amount += standing * campaign.rate_like + len(reposters) * campaign.rate_repost
        low, high = 80_000_000 + run * 1000, 80_000_000 + run * 1000 + 3 * EVENTS * 10
        entries = LedgerEntry.objects.filter(actor_vk_id__gte=low, actor_vk_id__lt=high)
        count = entries.count()
        amount = sum(entries.values_list("amount", flat=True))
        ratio = statistics.median(ratios)
        print(
            f"VK callback, {SENDERS} senders, {int(DUPLICATES * 100)} % duplicates, until the ledger holds every"
            f" event: {statistics.median(callback):,.0f} deliveries/s vs constant-ok view"
            f" {statistics.median(floor):,.0f}/s → ratio {ratio:.2f}, median of 3"
            f" ({', '.join(f'{r:.2f}' for r in ratios)}) (aim ≥ 0.70); answered at"
            f" {statistics.median(answered):,.0f}/s (drains every {DRAIN_SECONDS or '1'} s)",
            flush=True,
        )
        exact = count == expected_entries and amount == expected_amount
        print(
            f"exactly once: {count:,} ledger entries (expected {expected_entries:,}), {amount:,} kopecks"
            f" (expected {expected_amount:,}) → {'yes' if exact else 'NO'}",
            flush=True,
        )
        return 0 if exact else 1
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
