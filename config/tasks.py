"""Platform-wide background tasks."""

from django.tasks import task
from django.utils import timezone


@task()
def heartbeat():
    """Prove that a worker picks up the platform's own tasks; returns when it ran (ISO time)."""
    return timezone.now().isoformat()
