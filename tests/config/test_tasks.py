"""One worker runs both the platform's tasks (django.tasks) and Wagtail's (django_tasks backport)."""

import pytest
import redis
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from wagtail.tasks import delete_file_from_storage_task

from config.tasks import heartbeat


def enqueue_one_of_each():
    name = default_storage.save("worker-proof.txt", ContentFile(b"delete me"))
    ours = heartbeat.enqueue()
    wagtails = delete_file_from_storage_task.enqueue(default_storage.deconstruct(), name)
    return name, ours, wagtails


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_database_worker_runs_our_task_and_wagtails(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    name, ours, wagtails = enqueue_one_of_each()
    assert ours.status == "READY" and wagtails.status == "READY"
    assert default_storage.exists(name)

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*")

    ours.refresh()
    wagtails.refresh()
    assert ours.status == "SUCCESSFUL", ours.errors
    assert ours.return_value.startswith("20")
    assert wagtails.status == "SUCCESSFUL", wagtails.errors
    assert not default_storage.exists(name)


def redis_answers():
    try:
        return redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        return False


@pytest.mark.skipif(not redis_answers(), reason="needs Redis on 127.0.0.1:6379")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rq_worker_runs_our_task_and_wagtails(settings, redis_url):
    import django_rq
    from django_tasks_rq import Job
    from rq import SimpleWorker

    settings.RQ_QUEUES = {"default": {"URL": redis_url}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default")
    # The whole database, registries included: under pytest-xdist a file that killed a worker
    # mid-job (tests/media_pipeline/test_worker_recovery.py) may have run on this Redis database.
    queue.connection.flushdb()
    name, ours, wagtails = enqueue_one_of_each()
    assert default_storage.exists(name)

    SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)

    ours.refresh()
    wagtails.refresh()
    assert ours.status == "SUCCESSFUL", ours.errors
    assert ours.return_value.startswith("20")
    assert wagtails.status == "SUCCESSFUL", wagtails.errors
    assert not default_storage.exists(name)
