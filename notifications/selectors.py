"""Reads for the cabinet, the header and the admin."""

from notifications.models import Channel, Kind, Notification
from notifications.services import preferences


def unread_count(user):
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(user):
    return Notification.objects.filter(recipient=user).only(
        "pk", "title", "body", "url", "kind", "created_at", "read_at"
    )


def preference_rows(user):
    """[(kind, label, [(channel, label, enabled), …]), …] for the preferences page."""
    chosen = preferences.preference_map(user)
    return [
        (kind, label, [(channel, channel_label, chosen[(kind, channel)]) for channel, channel_label in Channel.choices])
        for kind, label in Kind.choices
        if kind != Kind.CONSENT_PENDING  # goes to a guardian's address before any account exists
    ]
