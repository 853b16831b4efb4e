"""Background work of engagement (Django's tasks framework)."""

from django.tasks import task

from engagement.services.digests import publish_digests


@task()
def publish_ledger_digests():
    """Periodic (daily, after midnight UTC): publish the digest of every finished day; returns how many."""
    return len(publish_digests())
