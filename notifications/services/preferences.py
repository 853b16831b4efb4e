"""What each person wants: the channels a kind goes to, per-kind switches, the weekly digest, the
one-click unsubscribe token, and linking VK and Telegram."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from config.errors import ServiceError
from notifications.models import Channel, ChannelLink, EmailOptOut, Kind, Preference, Profile

UNSUBSCRIBE_SALT = "notifications.unsubscribe"

# Learning already emails these decisions itself (learning/services.py): by default they reach the
# cabinet and the messengers only, so nobody gets the same email twice.
EMAIL_SENT_ELSEWHERE = {Kind.WORK_APPROVED, Kind.WORK_REJECTED, Kind.RESULTS}
# Kinds that never wait for the weekly digest: they are about a date.
NOT_DIGESTED = {Kind.CONSENT_PENDING, Kind.EVENT_REMINDER, Kind.DEADLINE_REMINDER}


def default_enabled(kind, channel):
    if channel == Channel.EMAIL:
        return kind not in EMAIL_SENT_ELSEWHERE
    return True


def preference_map(user):
    """{(kind, channel): enabled} for every kind and channel, defaults filled in."""
    chosen = {(p.kind, p.channel): p.enabled for p in Preference.objects.filter(user=user)}
    return {
        (kind, channel): chosen.get((kind, channel), default_enabled(kind, channel))
        for kind in Kind.values
        for channel in Channel.values
    }


def usable_links(user_ids):
    """{user_id: {channel: address}} of the VK and Telegram links that may be written to."""
    links = {}
    rows = ChannelLink.objects.filter(user_id__in=user_ids, allowed=True).exclude(address="")
    for user_id, channel, address in rows.values_list("user_id", "channel", "address"):
        links.setdefault(user_id, {})[channel] = address
    return links


def channels_for(user, kind):
    """The channels a notification of `kind` goes to for this account, in order."""
    wanted = preference_map(user)
    links = usable_links([user.pk]).get(user.pk, {})
    channels = []
    for channel in Channel.values:
        if not wanted[(kind, channel)]:
            continue
        if channel == Channel.EMAIL and not user.email:
            continue
        if channel in (Channel.VK, Channel.TELEGRAM) and channel not in links:
            continue
        channels.append(channel)
    return channels


def email_opted_out(email, kind):
    return EmailOptOut.objects.filter(email__iexact=email, kind=kind).exists()


def wants_weekly_digest(user):
    return Profile.objects.filter(user=user, weekly_digest=True).exists()


def set_preferences(user, choices, *, weekly_digest):
    """Save the preferences page: `choices` is the set of (kind, channel) switched on. Switching a
    kind's email back on lifts an earlier one-click unsubscribe of it."""
    with transaction.atomic():
        for kind in Kind.values:
            for channel in Channel.values:
                Preference.objects.update_or_create(
                    user=user, kind=kind, channel=channel, defaults={"enabled": (kind, channel) in choices}
                )
        if user.email:
            wanted = [kind for kind in Kind.values if (kind, Channel.EMAIL) in choices]
            EmailOptOut.objects.filter(email__iexact=user.email, kind__in=wanted).delete()
        Profile.objects.update_or_create(user=user, defaults={"weekly_digest": weekly_digest})


# --- One-click unsubscribe ----------------------------------------------------------------------


def unsubscribe_token(notification):
    who = {"u": notification.recipient_id} if notification.recipient_id else {"e": notification.email.lower()}
    return signing.dumps({**who, "k": notification.kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(notification):

    return settings.SITE_URL + reverse("notifications:unsubscribe", args=[unsubscribe_token(notification)])


def read_unsubscribe_token(token):
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise ServiceError(
            "Ссылка для отписки повреждена. Откройте её из письма целиком или настройте уведомления в кабинете.",
            code="bad_unsubscribe_token",
            status=404,
        )
    if data.get("k") not in Kind.values:
        raise ServiceError("Такого вида писем больше нет.", code="bad_unsubscribe_token", status=404)
    return data


def unsubscribe(token):
    """Stop email of one kind to the person the token names; no sign-in needed. Unlike switching
    email off on the preferences page (a choice of channel), this also stops the email that stands
    in for a failed messenger. Returns the kind."""
    data = read_unsubscribe_token(token)
    kind = data["k"]
    email = data.get("e", "")
    with transaction.atomic():
        if "u" in data:
            Preference.objects.update_or_create(
                user_id=data["u"], kind=kind, channel=Channel.EMAIL, defaults={"enabled": False}
            )
            user = get_user_model().objects.filter(pk=data["u"]).first()
            email = user.email.lower() if user is not None else ""
        if email:
            EmailOptOut.objects.get_or_create(email=email, kind=kind)
    return Kind(kind)


# --- Messenger links ----------------------------------------------------------------------------


def link_for(user, channel):
    link, _ = ChannelLink.objects.get_or_create(user=user, channel=channel)
    return link


def telegram_start_url(user):
    """The deep link that opens the bot with `/start <token>`; the webhook then learns the chat."""
    link = link_for(user, Channel.TELEGRAM)
    return f"https://t.me/{settings.TELEGRAM_BOT_USERNAME}?start={link.token}"


def connect_telegram(token, chat_id):
    """`/start <token>` arrived from a chat: that chat now receives this person's messages.
    Returns the link, or None for an unknown token."""
    with transaction.atomic():
        link = ChannelLink.objects.select_for_update().filter(channel=Channel.TELEGRAM, token=token).first()
        if link is None:
            return None
        ChannelLink.objects.filter(channel=Channel.TELEGRAM, address=str(chat_id)).exclude(pk=link.pk).update(
            address="", allowed=False
        )
        link.address, link.allowed, link.linked_at = str(chat_id), True, timezone.now()
        link.save()
    return link


def telegram_chat_blocked(chat_id):
    """The person blocked the bot (a `my_chat_member` update with status `kicked`)."""
    ChannelLink.objects.filter(channel=Channel.TELEGRAM, address=str(chat_id)).update(allowed=False)


def vk_allow_key(user):
    """The `key` the VK «allow messages» widget passes back in the `message_allow` event."""
    return link_for(user, Channel.VK).token


def vk_messages_allowed(vk_user_id, key):
    """VK's `message_allow`: the person with this VK id allowed the community's messages. The key
    (from our widget) ties the VK id to an account; without a known key only an already linked VK
    id is re-allowed."""
    with transaction.atomic():
        link = None
        if key:
            link = ChannelLink.objects.select_for_update().filter(channel=Channel.VK, token=key).first()
        if link is None:
            return ChannelLink.objects.filter(channel=Channel.VK, address=str(vk_user_id)).update(allowed=True) > 0
        ChannelLink.objects.filter(channel=Channel.VK, address=str(vk_user_id)).exclude(pk=link.pk).update(
            address="", allowed=False
        )
        link.address, link.allowed, link.linked_at = str(vk_user_id), True, timezone.now()
        link.save()
    return True


def vk_messages_denied(vk_user_id):
    """VK's `message_deny`: stop writing to that VK id."""
    ChannelLink.objects.filter(channel=Channel.VK, address=str(vk_user_id)).update(allowed=False)


def channels_for_many(users, kind):
    """{user_id: [channel, …]} for many accounts in three queries (announcements)."""
    ids = [u.pk for u in users]
    chosen = {(p.user_id, p.channel): p.enabled for p in Preference.objects.filter(user_id__in=ids, kind=kind)}
    links = usable_links(ids)
    result = {}
    for user in users:
        channels = []
        for channel in Channel.values:
            if not chosen.get((user.pk, channel), default_enabled(kind, channel)):
                continue
            if channel == Channel.EMAIL and not user.email:
                continue
            if channel in (Channel.VK, Channel.TELEGRAM) and channel not in links.get(user.pk, {}):
                continue
            channels.append(channel)
        result[user.pk] = channels
    return result
