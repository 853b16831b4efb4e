"""Background work of engagement (Django's tasks framework)."""

from django.tasks import task

from engagement.services.digests import publish_digests, tally_recent_days
from engagement.services.likes import count_warmed_up_likes as count_warmed_up_likes_now
from engagement.services.vk import drain_vk_inbox as drain_vk_inbox_now


@task()
def publish_ledger_digests():
    """Periodic (daily, after midnight UTC): publish the digest of every finished day; returns how many."""
    return len(publish_digests())


@task()
def count_warmed_up_likes():
    """Periodic (every 10 minutes): record the rouble of likes whose account's warm-up ended; returns how many."""
    return count_warmed_up_likes_now()


@task()
def tally_recent_ledger_days():
    """Periodic (every 5 minutes): bring the running totals of the days not yet digested forward,
    so the season report reads today from a few rows; returns how many entries were added."""
    return tally_recent_days()


@task()
def drain_vk_inbox():
    """Soon after VK callbacks (VK_INBOX_DRAIN_SECONDS; request_vk_drain) and periodically (every
    minute): turn the VK events waiting in the inbox into ledger entries; returns how many."""
    return drain_vk_inbox_now()
