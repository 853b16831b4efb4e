"""`/healthz`: whether the database, the storage, the task queue and the cache answer, and whether
the VK callbacks' events are being drained into the ledger."""

import uuid
from datetime import timedelta

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_tasks_db.models import DBTaskResult

from engagement.selectors import oldest_waiting_vk_event

# VK events wait about VK_INBOX_DRAIN_SECONDS for their drain; one waiting this long means no task
# worker runs the drains (or, on RQ, none runs with --with-scheduler).
VK_INBOX_STALE = timedelta(minutes=5)


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_storage():
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)


def check_task_queue():
    if settings.TASK_BACKEND == "db":
        DBTaskResult.objects.exists()
    elif settings.TASK_BACKEND == "rq":
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()


def check_cache():
    """The shared cache (config/cache.py) answers a real round trip; a memory cache always does."""
    if hasattr(cache, "check"):
        cache.check()
    else:
        key = f"healthz:{uuid.uuid4().hex}"
        cache.set(key, "ok", 5)
        if cache.get(key) != "ok":
            raise RuntimeError("the cache lost what was just written")


def check_vk_inbox():
    oldest = oldest_waiting_vk_event()
    if oldest is not None and timezone.now() - oldest > VK_INBOX_STALE:
        raise RuntimeError(
            f"VK events have waited for their drain since {oldest:%Y-%m-%d %H:%M} UTC: does a task worker"
            " run (on RQ, with --with-scheduler)?"
        )


CHECKS = {"database": check_database, "storage": check_storage, "task_queue": check_task_queue}
# Parts the site works without (in a degraded way): their failure is reported, but the answer
# stays 200 so that a load balancer keeps sending visitors to a process that serves them.
# A stalled VK inbox loses nothing (its events wait), but the donation counter stops moving.
DEGRADING_CHECKS = {"cache": check_cache, "vk_inbox": check_vk_inbox}


@never_cache
def healthz(request):
    """200 when every part answers ("degraded" naming the cache when only it fails, since pages
    render without it); 503 naming the parts that do not answer."""
    states, failing, degraded = {}, [], []
    for checks, failures in ((CHECKS, failing), (DEGRADING_CHECKS, degraded)):
        for name, check in checks.items():
            try:
                check()
                states[name] = "ok"
            except Exception as error:  # any failure of a dependency is a health finding, not a crash
                states[name] = f"error: {error.__class__.__name__}: {error}"[:300]
                failures.append(name)
    status = "unavailable" if failing else "degraded" if degraded else "ok"
    return JsonResponse(
        {"status": status, "failing": failing, "degraded": degraded, "checks": states},
        status=503 if failing else 200,
    )
