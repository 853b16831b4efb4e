"""Benchmark of notification delivery through the worker's path to local VK and Telegram servers.

Prints, against a baseline measured in the same run (every figure the median of three runs):
- messages per second through the delivery path (`notifications.services.delivery.send_due`, as
  the worker runs it: claim due deliveries in batches, look up the messenger links, render each
  message, call `messages.send` / `sendMessage`, log every try, mark them sent), throttling off;
- a bare loop of the same HTTP calls (same session type, same parameters, same servers);
- the ratio (the aim: at least 0.8) and a check that every delivery was sent once.

The VK and Telegram servers (tests/notifications/edges.py, built from the APIs' docs) run in a
separate process, so they do not share this process's interpreter lock. Half of the messages go
to VK, half to Telegram. Uses its own database (BENCH_NOTIFICATIONS_DB, default
bench_notifications) on the server DATABASE_URL names; BENCH_NOTIFICATIONS_MESSAGES sets the
messages per run (default 2,000). Run: `.venv/bin/python bench/bench_notifications.py`.
"""

import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get("BENCH_NOTIFICATIONS_DB", "bench_notifications")
MESSAGES = int(os.environ.get("BENCH_NOTIFICATIONS_MESSAGES", "2000"))
RUNS = 3
AIM_RATIO = 0.8
VK_TOKEN = "bench-vk-token"  # noqa: S105 - the local server's own
TELEGRAM_TOKEN = "123:bench-telegram-token"  # noqa: S105 - the local server's own


def prepare_environment():
    import psycopg

    base = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test")
    if not base.scheme.startswith("postgres"):
        sys.exit("bench_notifications needs PostgreSQL: set DATABASE_URL=postgres://…")
    admin_url = urlunsplit(base._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            connection.execute(f'CREATE DATABASE "{BENCH_DB}"')
    os.environ["DATABASE_URL"] = urlunsplit(base._replace(path=f"/{BENCH_DB}"))
    os.environ["DEBUG"] = "0"
    os.environ["TASK_BACKEND"] = "immediate"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("SECRET_KEY", "bench-notifications-only-not-a-secret-0123456789abcdefghijklmnopqrstuvw")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("VAR_DIR", "/tmp/bench_notifications_var")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"


def serve_edges(ports, stop):
    """The child process: VK and Telegram servers until told to stop."""
    from tests.notifications.edges import TelegramServer, VKServer

    vk, telegram = VKServer(VK_TOKEN).start(), TelegramServer(TELEGRAM_TOKEN).start()
    ports.put((vk.url, telegram.url))
    stop.wait()
    vk.stop()
    telegram.stop()


def fill():
    """MESSAGES accounts, each with VK (even) or Telegram (odd) linked and allowed; made once."""
    from django.contrib.auth import get_user_model

    from notifications.models import Channel, ChannelLink

    User = get_user_model()
    have = User.objects.filter(username__startswith="bench-notify-").count()
    if have < MESSAGES:
        users = User.objects.bulk_create(
            [User(username=f"bench-notify-{n}", email=f"bench-notify-{n}@example.org") for n in range(have, MESSAGES)]
        )
        ChannelLink.objects.bulk_create(
            [
                ChannelLink(
                    user=user,
                    channel=Channel.VK if n % 2 == 0 else Channel.TELEGRAM,
                    address=str(10_000 + n),
                    allowed=True,
                )
                for n, user in enumerate(users, start=have)
            ]
        )
    return list(User.objects.filter(username__startswith="bench-notify-").order_by("pk")[:MESSAGES])


def queue_deliveries(users):
    """One announcement-like notification per account with one pending messenger delivery."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from notifications.models import ChannelLink, Delivery, Kind, Notification

    Notification.objects.all().delete()
    now = timezone.now()
    target_type = ContentType.objects.get_for_model(users[0])
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=Kind.ANNOUNCEMENT,
                target_type=target_type,
                target_id=user.pk,
                title="Приглашаем на фестиваль",
                body="В субботу — концерт наставников. Приходите всей семьёй!",
                url="/events/festival/",
                created_at=now,
            )
            for user in users
        ]
    )
    channels = dict(ChannelLink.objects.filter(user__in=users).values_list("user_id", "channel"))
    Delivery.objects.bulk_create(
        [Delivery(notification=n, channel=channels[n.recipient_id], next_try_at=now) for n in notifications]
    )


BLOCKS = 10  # each run alternates bare and path blocks, so both meet the same load on a shared machine


def one_run(users, run):
    """(path msg/s, bare msg/s) of one run: the messages in BLOCKS blocks, each block sent by a bare
    loop and then through the delivery path."""
    from notifications.models import Delivery
    from notifications.services import delivery

    queue_deliveries(users)
    due = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    size = -(-len(users) // BLOCKS)
    path_time = bare_time = 0.0
    sent = 0
    for block in range(BLOCKS):
        part = slice(block * size, (block + 1) * size)
        bare_time += bare_block(users[part], run * BLOCKS + block)
        started = time.perf_counter()
        sent += delivery.send_due(ids=due[part])
        path_time += time.perf_counter() - started
    assert sent == len(users) == Delivery.objects.filter(status="sent").count(), "a message was not sent once"
    return len(users) / path_time, len(users) / bare_time


def bare_block(users, run):
    """The same HTTP calls in a plain loop: what sending costs with nothing around it."""
    from django.conf import settings

    from notifications.channels import http_session
    from notifications.models import ChannelLink

    links = dict(ChannelLink.objects.filter(user__in=users).values_list("user_id", "address"))
    channels = dict(ChannelLink.objects.filter(user__in=users).values_list("user_id", "channel"))
    # (the two reads above are outside the timed loop: the bare loop is only the HTTP calls)
    text = "Приглашаем на фестиваль\n\nВ субботу — концерт наставников. Приходите всей семьёй!\n" + (
        f"{settings.SITE_URL}/events/festival/"
    )
    session = http_session()
    vk_url = f"{settings.VK_API_URL}/method/messages.send"
    telegram_url = f"{settings.TELEGRAM_API_URL}/bot{settings.TELEGRAM_BOT_TOKEN}/sendMessage"
    started = time.perf_counter()
    for n, user in enumerate(users):
        if channels[user.pk] == "vk":
            data = {
                "user_id": links[user.pk],
                "random_id": 10**9 * run + n,
                "message": text,
                "dont_parse_links": 0,
                "access_token": settings.VK_MESSAGES_TOKEN,
                "v": "5.199",
            }
            assert "response" in session.post(vk_url, data=data, timeout=10).json()
        else:
            body = {"chat_id": links[user.pk], "text": text, "link_preview_options": {"is_disabled": True}}
            assert session.post(telegram_url, json=body, timeout=10).json()["ok"]
    return time.perf_counter() - started


def main():
    prepare_environment()
    ports, stop = multiprocessing.Queue(), multiprocessing.Event()
    edges = multiprocessing.Process(target=serve_edges, args=(ports, stop), daemon=True)
    edges.start()
    vk_url, telegram_url = ports.get(timeout=30)
    os.environ["VK_API_URL"], os.environ["TELEGRAM_API_URL"] = vk_url, telegram_url
    os.environ["VK_MESSAGES_TOKEN"], os.environ["TELEGRAM_BOT_TOKEN"] = VK_TOKEN, TELEGRAM_TOKEN
    os.environ["NOTIFICATIONS_RATES"] = "vk:0,telegram:0,email:0"  # pace off: measure the path itself
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        users = fill()
        path_rates, bare_rates, ratios = [], [], []
        for run in range(1, RUNS + 1):
            path_rate, bare_rate = one_run(users, run)
            path_rates.append(path_rate)
            bare_rates.append(bare_rate)
            ratios.append(path_rate / bare_rate)
            print(
                f"run {run}: delivery path {path_rates[-1]:,.0f} msg/s, bare HTTP loop {bare_rates[-1]:,.0f} msg/s "
                f"→ {path_rates[-1] / bare_rates[-1]:.2f}",
                flush=True,
            )
        path_rate, bare_rate = statistics.median(path_rates), statistics.median(bare_rates)
        ratio = statistics.median(ratios)
        print(
            f"{len(users)} messages (half VK messages.send, half Telegram sendMessage) to local servers: "
            f"delivery path {path_rate:,.0f} msg/s vs bare HTTP loop {bare_rate:,.0f} msg/s → median ratio {ratio:.2f} "
            f"(aim ≥ {AIM_RATIO}: {'met' if ratio >= AIM_RATIO else 'NOT met'}); every delivery sent once"
        )
    finally:
        stop.set()
        edges.join(timeout=10)


if __name__ == "__main__":
    main()
