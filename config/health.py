"""`/healthz`: whether the database, the storage and the task queue answer."""

import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_storage():
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)


def check_task_queue():
    if settings.TASK_BACKEND == "db":
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.exists()
    elif settings.TASK_BACKEND == "rq":
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()


CHECKS = {"database": check_database, "storage": check_storage, "task_queue": check_task_queue}


@never_cache
def healthz(request):
    """200 when every part answers; 503 naming the parts that do not."""
    states, failing = {}, []
    for name, check in CHECKS.items():
        try:
            check()
            states[name] = "ok"
        except Exception as error:  # any failure of a dependency is a health finding, not a crash
            states[name] = f"error: {error.__class__.__name__}: {error}"[:300]
            failing.append(name)
    status = 503 if failing else 200
    return JsonResponse(
        {"status": "ok" if not failing else "unavailable", "failing": failing, "checks": states}, status=status
    )
