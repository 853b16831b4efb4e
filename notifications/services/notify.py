"""`notify()`: the one way other apps tell a person something. It writes the notification and one
delivery per wanted channel in the caller's transaction and hands the sending to the task worker
once that transaction commits; it never sends in the request."""

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import ServiceError
from notifications import tasks
from notifications.models import Channel, Delivery, Kind, Notification
from notifications.services import preferences
from notifications.services.delivery import earliest_send


def recipient_profile(user):
    """(is a child, region code) of an account: students are the platform's children (6–18)."""
    student = getattr(user, "student", None) if user is not None else None
    if student is None:
        return False, ""
    return True, student.region.code if student.region_id else ""


def notify(kind, target, *, recipient=None, email="", key="", title, body, url="", now=None):
    """Tell `recipient` (an account) or `email` (an address without one) about `target`. Once per
    recipient, kind, target and key: a repeated call returns None and sends nothing."""
    kind = Kind(kind)
    if recipient is None and not email:
        raise ServiceError("Не указан получатель уведомления.", code="no_recipient")
    now = now or timezone.now()
    child, region_code = recipient_profile(recipient)
    notification = Notification(
        recipient=recipient,
        email="" if recipient is not None else email.strip().lower(),
        kind=kind,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        key=key,
        title=title[:200],
        body=body,
        url=url,
        child=child,
        time_zone=region_code,
        created_at=now,
    )
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        return None  # told already: the database keeps one per recipient, kind, target and key
    if recipient is not None:
        wanted = preferences.channels_for(recipient, kind)
        if Channel.EMAIL in wanted and preferences.email_opted_out(recipient.email, kind):
            wanted.remove(Channel.EMAIL)
        digest = preferences.wants_weekly_digest(recipient) and kind not in preferences.NOT_DIGESTED
    else:
        wanted = [] if preferences.email_opted_out(email, kind) else [Channel.EMAIL]
        digest = False
    deliveries = []
    for channel in wanted:
        if channel == Channel.SITE:
            continue  # the notification centre reads the notification itself
        status = Delivery.Status.DIGEST if digest and channel == Channel.EMAIL else Delivery.Status.PENDING
        deliveries.append(
            Delivery(
                notification=notification,
                channel=channel,
                status=status,
                next_try_at=earliest_send(notification, channel, now),
            )
        )
    Delivery.objects.bulk_create(deliveries)
    due = [d.pk for d in deliveries if d.status == Delivery.Status.PENDING and d.next_try_at <= now]
    if due:
        transaction.on_commit(lambda: tasks.send_deliveries.enqueue(due))
    return notification


def mark_read(user, notification_id):
    updated = Notification.objects.filter(pk=notification_id, recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if not updated and not Notification.objects.filter(pk=notification_id, recipient=user).exists():
        raise ServiceError("Такого уведомления нет.", code="not_found", status=404)


def mark_all_read(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
