"""Platform-wide background tasks."""

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import import_string


@task()
def heartbeat():
    """Prove that a worker picks up the platform's own tasks; returns when it ran (ISO time)."""
    return timezone.now().isoformat()


def enqueue_on_commit(task_path, *args, **kwargs):
    """Enqueue the task at the dotted `task_path` once the current transaction commits (at once
    outside one). Services name their tasks rather than import them: a tasks module imports its
    app's services, so the other direction would be an import cycle."""
    task_to_run = import_string(task_path)
    transaction.on_commit(lambda: task_to_run.enqueue(*args, **kwargs))
