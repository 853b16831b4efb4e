"""Sending an announcement in the worker: its segment in chunks, notifications and deliveries
written in bulk (idempotent: a re-run skips whoever has it already), sent at each channel's pace,
progress saved after every chunk so the admin shows it."""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from learning.models import Student
from notifications.models import Announcement, Channel, Delivery, Kind, Notification
from notifications.services import delivery as sending
from notifications.services import preferences

CHUNK = 500


def segment(announcement):
    """The accounts an announcement goes to, ordered by id."""

    students = Student.objects.filter(deleted_at__isnull=True, user__is_active=True)
    if announcement.direction_id:
        students = students.filter(submissions__assignment__direction_id=announcement.direction_id)
    if announcement.season_id:
        students = students.filter(submissions__assignment__season_id=announcement.season_id)
    if announcement.region_id:
        students = students.filter(region_id=announcement.region_id)
    User = get_user_model()
    if announcement.audience == Announcement.Audience.GUARDIANS:
        people = User.objects.filter(pk__in=students.exclude(guardian=None).values("guardian_id"))
    else:
        people = User.objects.filter(pk__in=students.values("user_id"))
    return people.filter(is_active=True).order_by("pk")


def run(announcement_id):
    """Send one announcement; returns how many messages went out."""

    announcement = Announcement.objects.filter(pk=announcement_id).first()
    if announcement is None or announcement.status == Announcement.Status.DONE:
        return 0
    people = segment(announcement)
    Announcement.objects.filter(pk=announcement.pk).update(
        status=Announcement.Status.SENDING, started_at=timezone.now(), total=people.count(), done=0
    )
    target_type = ContentType.objects.get_for_model(Announcement)
    throttles = {}
    sent, last_id = 0, 0
    while True:
        chunk = list(people.filter(pk__gt=last_id).only("pk", "email")[:CHUNK])
        if not chunk:
            break
        last_id = chunk[-1].pk
        regions = dict(Student.objects.filter(user_id__in=[u.pk for u in chunk]).values_list("user_id", "region__code"))
        now = timezone.now()
        with transaction.atomic():
            Notification.objects.bulk_create(
                [
                    Notification(
                        recipient_id=user.pk,
                        kind=Kind.ANNOUNCEMENT,
                        target_type=target_type,
                        target_id=announcement.pk,
                        title=announcement.title,
                        body=announcement.body,
                        url=announcement.url,
                        child=user.pk in regions,
                        time_zone=regions.get(user.pk) or "",
                        created_at=now,
                    )
                    for user in chunk
                ],
                ignore_conflicts=True,
            )
            fresh = list(
                Notification.objects.filter(
                    recipient_id__in=[u.pk for u in chunk],
                    kind=Kind.ANNOUNCEMENT,
                    target_type=target_type,
                    target_id=announcement.pk,
                    deliveries__isnull=True,
                )
            )
            wanted = preferences.channels_for_many(chunk, Kind.ANNOUNCEMENT)
            deliveries = [
                Delivery(
                    notification=notification,
                    channel=channel,
                    next_try_at=sending.earliest_send(notification, channel, now),
                )
                for notification in fresh
                for channel in wanted.get(notification.recipient_id, [])
                if channel != Channel.SITE
            ]
            Delivery.objects.bulk_create(deliveries)
        due = [d.pk for d in deliveries if d.pk and d.next_try_at <= now]
        if due:
            sent += sending.send_due(ids=due, throttles=throttles)
        Announcement.objects.filter(pk=announcement.pk).update(done=F("done") + len(chunk))
    Announcement.objects.filter(pk=announcement.pk).update(status=Announcement.Status.DONE, finished_at=timezone.now())
    return sent
