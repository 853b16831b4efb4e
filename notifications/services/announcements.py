"""Editors' announcements: check, preview with the count, then hand to the worker."""

from django.db import transaction

from config.errors import ServiceError
from notifications import tasks
from notifications.models import Announcement
from notifications.services import broadcast


def recipient_count(announcement):
    return broadcast.segment(announcement).count()


def start(announcement):
    """Queue a draft for sending (once): the worker sends it (`tasks.send_announcement`)."""
    if not announcement.title.strip() or not announcement.body.strip():
        raise ServiceError("Заполните заголовок и текст объявления.", code="empty_announcement", field="body")
    with transaction.atomic():
        updated = Announcement.objects.filter(pk=announcement.pk, status=Announcement.Status.DRAFT).update(
            status=Announcement.Status.QUEUED, total=recipient_count(announcement)
        )
        if not updated:
            raise ServiceError("Это объявление уже отправлено.", code="already_sent", status=409)
        announcement_id = announcement.pk
        transaction.on_commit(lambda: tasks.send_announcement.enqueue(announcement_id))
    announcement.refresh_from_db()
    return announcement
