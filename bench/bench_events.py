"""Benchmark of check-in at one event's door on PostgreSQL: 16 concurrent scanners.

Prints, against a baseline measured in the same run (every figure the median of three runs):
- check-ins per minute through the door's sync path (`events.services.sync_check_ins`, one item per
  request as an online phone sends it: parse, look the ticket up, insert under the "ticket counted
  once" constraint, flag a repeat), 16 threads each with its own connection; one scan in ten shows a
  ticket another scanner already took, at the same moment, so the constraint is raced;
- a bare `UPDATE` of the same registration rows by the same 16 threads (the floor: one round trip
  and one row write per ticket);
- the ratio, the aim (500 check-ins a minute), and the check that no ticket was counted twice
  (exactly one non-repeated check-in per ticket scanned, every repeat flagged).

Uses its own database (BENCH_EVENTS_DB, default bench_events) on the server DATABASE_URL names;
BENCH_EVENTS_TICKETS sets the tickets per run (default 2,000). Run: `.venv/bin/python bench/bench_events.py`.
"""

import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get("BENCH_EVENTS_DB", "bench_events")
TICKETS = int(os.environ.get("BENCH_EVENTS_TICKETS", "2000"))
SCANNERS = 16
REPEAT_EVERY = 10
RUNS = 3
AIM_PER_MINUTE = 500


def prepare_environment():
    import psycopg

    base = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test")
    if not base.scheme.startswith("postgres"):
        sys.exit("bench_events needs PostgreSQL: set DATABASE_URL=postgres://…")
    admin_url = urlunsplit(base._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            connection.execute(f'CREATE DATABASE "{BENCH_DB}"')
    os.environ["DATABASE_URL"] = urlunsplit(base._replace(path=f"/{BENCH_DB}"))
    os.environ["DEBUG"] = "0"
    os.environ["TASK_BACKEND"] = "immediate"
    os.environ.setdefault("SECRET_KEY", "bench-events-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz-0123")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("VAR_DIR", "/tmp/bench_events_var")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"


def fill():
    """One event with TICKETS confirmed single-seat registrations, made once and kept."""
    from django.contrib.auth import get_user_model

    from events.models import Event, Registration, new_ticket_code
    from tests.factories import make_event

    event = Event.objects.filter(page__title="Бенчмарк входа").first()
    if event is None:
        event = make_event(capacity=TICKETS, title="Бенчмарк входа")
    User = get_user_model()
    have = event.registrations.count()
    if have < TICKETS:
        users = User.objects.bulk_create(
            [User(username=f"bench-door-{n}", email=f"bench-door-{n}@example.org") for n in range(have, TICKETS)]
        )
        Registration.objects.bulk_create(
            [
                Registration(
                    event=event,
                    kind="adult",
                    owner=user,
                    name=f"Гость {user.pk}",
                    status="confirmed",
                    ticket_code=new_ticket_code(),
                )  # fmt: skip
                for user in users
            ]
        )
    door = User.objects.get_or_create(username="bench-door-staff")[0]
    event.staff.add(door)
    return event, door


def scans(codes):
    """Each scanner's list: its share of the tickets, plus every REPEAT_EVERY-th ticket of the next
    scanner's share scanned at the same moment (the race on "counted once")."""
    shares = [codes[i::SCANNERS] for i in range(SCANNERS)]
    lists = []
    for i, share in enumerate(shares):
        stolen = shares[(i + 1) % SCANNERS][::REPEAT_EVERY]
        mixed = list(share)
        for k, code in enumerate(stolen):
            mixed.insert(min(len(mixed), k * REPEAT_EVERY), code)
        lists.append(mixed)
    return lists


def run_threads(work, lists):
    from django.db import connection

    barrier = threading.Barrier(len(lists) + 1)
    errors = []

    def worker(items):
        try:
            barrier.wait()
            work(items)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(items,)) for items in lists]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed


def door_run(event, door, codes):
    from events import services
    from events.models import CheckIn

    CheckIn.objects.filter(event=event).delete()
    lists = scans(codes)

    def work(items):
        for code in items:
            [result] = services.sync_check_ins(event, [{"id": str(uuid.uuid4()), "code": code}], by=door)
            if result["status"] not in ("ok", "repeated"):
                raise RuntimeError(result)

    elapsed = run_threads(work, lists)
    total = sum(len(items) for items in lists)
    counted = CheckIn.objects.filter(event=event, repeated=False)
    per_ticket = counted.values("registration_id").distinct().count()
    assert counted.count() == per_ticket == len(codes), "a ticket counted twice or missed"
    assert CheckIn.objects.filter(event=event, repeated=True).count() == total - len(codes)
    return total / elapsed * 60


def bare_run(event, codes):
    from django.db import connection

    ids = list(event.registrations.order_by("pk").values_list("pk", flat=True))
    lists = scans(ids)

    def work(items):
        with connection.cursor() as cursor:
            for pk in items:
                cursor.execute("UPDATE events_registration SET seats = seats WHERE id = %s", [pk])

    elapsed = run_threads(work, lists)
    return sum(len(items) for items in lists) / elapsed * 60


def main():
    prepare_environment()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    event, door = fill()
    codes = list(event.registrations.order_by("pk").values_list("ticket_code", flat=True)[:TICKETS])
    door_rates, bare_rates = [], []
    for run in range(1, RUNS + 1):
        door_rates.append(door_run(event, door, codes))
        bare_rates.append(bare_run(event, codes))
        print(
            f"run {run}: door {door_rates[-1]:,.0f} check-ins/min, bare UPDATE {bare_rates[-1]:,.0f} rows/min",
            flush=True,
        )
    door_rate, bare_rate = statistics.median(door_rates), statistics.median(bare_rates)
    print(
        f"{SCANNERS} scanners, {len(codes)} tickets (+1 in {REPEAT_EVERY} raced by a second scanner): "
        f"{door_rate:,.0f} check-ins/min vs bare UPDATE {bare_rate:,.0f} rows/min → {door_rate / bare_rate:.2f}× "
        f"of the floor; aim {AIM_PER_MINUTE}/min → {door_rate / AIM_PER_MINUTE:,.0f}× the aim; "
        "no ticket counted twice (checked every run)"
    )


if __name__ == "__main__":
    main()
