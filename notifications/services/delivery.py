"""Sending: claim the deliveries that are due, send each on its channel, log every try, retry with
backoff, fall back to email when a messenger fails for good. Runs in the task worker only.

A claimed delivery stays `pending` with `lease_until` set: no other worker claims it until then,
and a worker that dies mid-send leaves it to be claimed again after the lease (at-least-once: VK
drops the repeat by `random_id`). Claiming writes no indexed column, so PostgreSQL updates the row
in place (HOT); only the final `sent` or `failed` touches the indexes."""

import datetime
import logging
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import mailers
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from notifications import channels
from notifications.models import (
    PUSHED_CHANNELS,
    Channel,
    Delivery,
    DeliveryAttempt,
)
from notifications.services import preferences
from notifications.timezones import time_zone_for_region

LEASE = datetime.timedelta(minutes=5)
MESSENGER_LIMIT = 4096  # characters of one VK or Telegram message
logger = logging.getLogger(__name__)


# --- When a message may go ----------------------------------------------------------------------


def quiet_hours_end(moment, zone):
    """`moment` if it is outside the quiet hours in `zone`, else the next morning's end of them."""
    start, end = settings.NOTIFICATIONS_QUIET_HOURS
    if start == end:
        return moment  # no quiet hours
    local = moment.astimezone(zone)
    if end <= local.hour < start:
        return moment
    morning = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if local.hour >= start:
        morning += datetime.timedelta(days=1)
    # Through the wall clock, so a zone's offset change overnight still gives 08:00 local.
    return datetime.datetime.combine(morning.date(), datetime.time(end), tzinfo=zone).astimezone(datetime.UTC)


def earliest_send(notification, channel, moment):
    """A child is not messaged during the quiet hours of their region; the cabinet shows at once."""
    if channel not in PUSHED_CHANNELS or not notification.child:
        return moment
    return quiet_hours_end(moment, time_zone_for_region(notification.time_zone))


def backoff(attempt):
    """Seconds before try `attempt + 1`: 1, 2, 4, 8 … times the base, at most six hours."""
    return min(settings.NOTIFICATIONS_RETRY_SECONDS * 2 ** (attempt - 1), 6 * 3600)


# --- Rendering ----------------------------------------------------------------------------------


def absolute(url):
    return url if not url or url.startswith("http") else settings.SITE_URL + url


def render(delivery, notification, address):
    """The message of one delivery on its channel."""
    url = absolute(notification.url)
    if delivery.channel == Channel.EMAIL:
        unsubscribe = preferences.unsubscribe_url(notification)
        context = {
            "notification": notification,
            "url": url,
            "unsubscribe_url": unsubscribe,
            "site_url": settings.SITE_URL,
        }
        return channels.Message(
            delivery_id=delivery.pk,
            address=address,
            subject=notification.title,
            text=render_to_string("notifications/emails/notification.txt", context),
            html=render_to_string("notifications/emails/notification.html", context),
            # RFC 8058: mail clients show «Отписаться» and POST to the link, no sign-in needed.
            headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        )
    tail = f"\n{url}" if url else ""
    text = f"{notification.title}\n\n{notification.body}"
    if len(text) + len(tail) > MESSENGER_LIMIT:  # VK and Telegram refuse longer texts
        text = text[: MESSENGER_LIMIT - len(tail) - 1] + "…"
    text += tail
    return channels.Message(delivery_id=delivery.pk, address=address, subject=notification.title, text=text)


SENDERS = {
    Channel.VK: channels.send_vk,
    Channel.TELEGRAM: channels.send_telegram,
}


# --- Claiming and sending -----------------------------------------------------------------------


def claim(*, ids=None, now=None, limit=500):
    """Mark up to `limit` due deliveries (of `ids`, if given) as being sent by this worker, skipping
    rows another worker holds. Returns their ids."""
    now = now or timezone.now()
    due = Q(status=Delivery.Status.PENDING, next_try_at__lte=now) & (
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    with transaction.atomic():
        rows = Delivery.objects.select_for_update(skip_locked=True).filter(due)
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        claimed = list(rows.order_by("next_try_at").values_list("pk", flat=True)[:limit])
        if claimed:
            Delivery.objects.filter(pk__in=claimed).update(lease_until=now + LEASE, attempts=F("attempts") + 1)
    return claimed


def send_due(*, ids=None, now=None, limit=500, throttles=None):
    """Claim and send what is due (of `ids`, if given, then their email fallbacks), `limit` at a
    time. Returns how many were sent."""
    sent = 0
    while True:
        claimed = claim(ids=ids, now=now, limit=limit)
        if not claimed:
            return sent
        fallbacks, count = send_claimed(claimed, throttles=throttles, now=now)
        sent += count
        if ids is not None:
            done = set(claimed)
            ids = [pk for pk in ids if pk not in done] + fallbacks


ROW_FIELDS = ("pk", "channel", "attempts")
NOTIFICATION_FIELDS = ("pk", "recipient_id", "email", "kind", "title", "body", "url", "child", "time_zone")


def claimed_rows(ids):
    """The claimed deliveries with what sending reads of their notifications, as plain rows: an
    announcement sends thousands, and two model instances a message cost as much as the rest of
    the path."""
    names = [*ROW_FIELDS, *(f"notification__{field}" for field in NOTIFICATION_FIELDS)]
    rows = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).order_by("pk").values_list(*names)
    split = len(ROW_FIELDS)
    return [
        SimpleNamespace(
            **dict(zip(ROW_FIELDS, row[:split], strict=True)),
            notification=SimpleNamespace(**dict(zip(NOTIFICATION_FIELDS, row[split:], strict=True))),
        )
        for row in rows
    ]


def send_claimed(ids, *, throttles=None, now=None):
    """Send claimed deliveries; log each try; schedule retries; create email fallbacks. `now` is the
    moment the caller claimed them at (the clock when not given): a child's quiet hours are judged
    at it, as `claim` judged what is due, or a message claimed for a child's morning could be put
    back to a morning that `claim` finds due again, without end. Attempts are recorded at the clock.
    Returns (ids of fallback deliveries due now, number sent)."""
    deliveries = claimed_rows(ids)
    # Addresses in two narrow reads instead of a whole account per message.
    people = {d.notification.recipient_id for d in deliveries if d.notification.recipient_id}
    by_messenger = {d.notification.recipient_id for d in deliveries if d.channel != Channel.EMAIL} & people
    by_email = {d.notification.recipient_id for d in deliveries if d.channel == Channel.EMAIL} & people
    links = preferences.usable_links(by_messenger) if by_messenger else {}
    emails = dict(get_user_model().objects.filter(pk__in=by_email).values_list("pk", "email")) if by_email else {}
    throttles = throttles if throttles is not None else {}
    attempts, sent_ids, outcomes, postponed = [], [], [], []
    mailer = None
    started = now or timezone.now()
    try:
        for delivery in deliveries:
            notification = delivery.notification
            morning = earliest_send(notification, delivery.channel, started)
            if morning > started:  # claimed late, into a child's quiet hours: wait for the morning
                postponed.append((delivery.pk, morning))
                continue
            if delivery.channel == Channel.EMAIL:
                address = emails.get(notification.recipient_id, "") if notification.recipient_id else notification.email
            else:
                address = links.get(notification.recipient_id, {}).get(delivery.channel, "")
            throttle = throttles.get(delivery.channel)
            if throttle is None:
                throttle = throttles[delivery.channel] = channels.Throttle(
                    settings.NOTIFICATIONS_RATES.get(delivery.channel, 0)
                )
            error = None
            try:
                if not address:
                    raise channels.ChannelError("Адреса на этом канале больше нет.", permanent=True)
                message = render(delivery, notification, address)
                throttle.wait()
                if delivery.channel == Channel.EMAIL:
                    if mailer is None:
                        mailer = mailers.default
                        mailer.open()
                    channels.send_email(message, mailer)
                else:
                    SENDERS[delivery.channel](message)
            except channels.ChannelError as failure:
                error = failure
            except Exception as failure:
                # Recorded like a channel error, so the rest of the batch is still marked as sent
                # (a crash here would leave it to be claimed, and sent, again after the lease).
                logger.exception("notifications: delivery %s failed unexpectedly", delivery.pk)
                error = channels.ChannelError(f"Внутренняя ошибка: {failure.__class__.__name__}")
            if error is None:
                sent_ids.append(delivery.pk)
            else:
                outcomes.append((delivery, error))
    finally:
        if mailer is not None:
            mailer.close()
    recorded_at = timezone.now()
    fallbacks = []
    with transaction.atomic():
        for pk, morning in postponed:
            Delivery.objects.filter(pk=pk).update(next_try_at=morning, lease_until=None, attempts=F("attempts") - 1)
        if sent_ids:
            _record_sent(sent_ids, recorded_at)
        for delivery, error in outcomes:
            attempts.append(_record_failure(delivery, error, recorded_at, fallbacks))
        DeliveryAttempt.objects.bulk_create(attempts, ignore_conflicts=True)
    return [f.pk for f in fallbacks if f.next_try_at <= recorded_at], len(sent_ids)


SENT_SQL = """
    WITH sent AS (
        UPDATE notifications_delivery SET status = 'sent', sent_at = %s, lease_until = NULL, last_error = ''
        WHERE id = ANY(%s) RETURNING id, attempts, channel
    )
    INSERT INTO notifications_deliveryattempt (delivery_id, number, channel, status, error, created_at)
    SELECT id, attempts, channel, 'sent', '', %s FROM sent
    ON CONFLICT DO NOTHING
"""


def _record_sent(ids, now):
    """Mark deliveries sent and log their successful try. On PostgreSQL one statement does both
    (the hot path of an announcement: no model per message); elsewhere the ORM does it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(SENT_SQL, [now, list(ids), now])
        return
    Delivery.objects.filter(pk__in=ids).update(
        status=Delivery.Status.SENT, sent_at=now, lease_until=None, last_error=""
    )
    DeliveryAttempt.objects.bulk_create(
        [
            DeliveryAttempt(delivery_id=pk, number=attempts, channel=channel, status=DeliveryAttempt.Status.SENT)
            for pk, attempts, channel in Delivery.objects.filter(pk__in=ids).values_list("pk", "attempts", "channel")
        ],
        ignore_conflicts=True,
    )


def _record_failure(delivery, error, now, fallbacks):
    retry = not error.permanent and delivery.attempts < settings.NOTIFICATIONS_MAX_ATTEMPTS
    if retry:
        wait = error.retry_after or backoff(delivery.attempts)
        next_try = earliest_send(delivery.notification, delivery.channel, now + datetime.timedelta(seconds=wait))
        Delivery.objects.filter(pk=delivery.pk).update(next_try_at=next_try, lease_until=None, last_error=error.message)
        return DeliveryAttempt(
            delivery_id=delivery.pk,
            number=delivery.attempts,
            channel=delivery.channel,
            status=DeliveryAttempt.Status.RETRY,
            error=error.message,
            next_try_at=next_try,
        )
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED, lease_until=None, last_error=error.message
    )
    fallback = email_fallback(delivery, now)
    if fallback is not None:
        fallbacks.append(fallback)
    return DeliveryAttempt(
        delivery_id=delivery.pk,
        number=delivery.attempts,
        channel=delivery.channel,
        status=DeliveryAttempt.Status.FAILED,
        error=error.message,
    )


def email_fallback(delivery, now):
    """A messenger failed for good: send the notification by email instead, even when the person
    chose other channels for this kind (they would otherwise never learn of it), unless it went by
    email already, there is no address, or the address unsubscribed from this kind."""
    notification = delivery.notification
    if delivery.channel == Channel.EMAIL or notification.kind in preferences.EMAIL_SENT_ELSEWHERE:
        return None  # (learning emails those kinds itself)
    address = notification.email
    if notification.recipient_id:
        address = get_user_model().objects.filter(pk=notification.recipient_id).values_list("email", flat=True).first()
    if not address or preferences.email_opted_out(address, notification.kind):
        return None
    fallback, created = Delivery.objects.get_or_create(
        notification_id=notification.pk,
        channel=Channel.EMAIL,
        defaults={"fallback_of_id": delivery.pk, "next_try_at": earliest_send(notification, Channel.EMAIL, now)},
    )
    return fallback if created else None


# --- The weekly digest --------------------------------------------------------------------------


def send_weekly_digests(now=None):
    """One letter per person with every email that waited for the digest. Returns letters sent."""
    now = now or timezone.now()
    waiting = (
        Delivery.objects.filter(status=Delivery.Status.DIGEST)
        .select_related("notification__recipient")
        .order_by("notification__recipient_id", "notification__created_at")
    )
    by_person = {}
    for delivery in waiting:
        by_person.setdefault(delivery.notification.recipient_id, []).append(delivery)
    letters = 0
    for items in by_person.values():
        person = items[0].notification.recipient
        if person is None or not person.email:
            continue
        context = {
            "items": [i.notification for i in items],
            "site_url": settings.SITE_URL,
            "settings_url": settings.SITE_URL + "/cabinet/notifications/settings/",
        }
        message = channels.Message(
            delivery_id=items[0].pk,
            address=person.email,
            subject="Поколение М: что нового за неделю",
            text=render_to_string("notifications/emails/digest.txt", context),
            html=render_to_string("notifications/emails/digest.html", context),
        )
        try:
            channels.send_email(message)
        except channels.ChannelError as error:
            Delivery.objects.filter(pk__in=[i.pk for i in items]).update(last_error=error.message)
            continue
        with transaction.atomic():
            Delivery.objects.filter(pk__in=[i.pk for i in items]).update(
                status=Delivery.Status.SENT, sent_at=now, attempts=F("attempts") + 1
            )
            DeliveryAttempt.objects.bulk_create(
                [
                    DeliveryAttempt(delivery=i, number=i.attempts + 1, channel=Channel.EMAIL, status="sent")
                    for i in items
                ],
                ignore_conflicts=True,
            )
        letters += 1
    return letters
