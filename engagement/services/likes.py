"""Likes: worth a rouble while they stand, one counted like per account and target, rate-limited;
a new account's likes earn their rouble after its warm-up (README «Честные лайки»)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from config.errors import ServiceError
from engagement.actors import VkActor, actor_identity
from engagement.models import ActionKind, LedgerEntry, WarmingLike
from engagement.services import sql
from engagement.services.ledger import record_action, reverse_action


class RateLimited(ServiceError):
    """Too many likes too fast (HTTP 429)."""

    def __init__(self, message):
        super().__init__(message, code="rate_limited", status=429)


def _parse_rate(rate):
    count, _, period = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0]]
    return int(count), seconds


RATE_MESSAGES = {
    "like-account": "Слишком много лайков подряд с вашего аккаунта: не больше {limit} за {period}. "
    "Попробуйте чуть позже.",
    "like-ip": "Слишком много лайков подряд с вашего интернет-адреса: не больше {limit} за {period}. "
    "Попробуйте чуть позже.",
}
PERIODS = {1: "секунду", 60: "минуту", 3600: "час", 86400: "сутки"}


def check_rate(scope, ident, rate):
    """Count one hit of `ident` in `scope` against `rate` ("60/min"), refusing with 429 past it.

    The counter lives in the default cache: Redis in production, one counter for every worker and
    process (config/cache.py falls back to each process's memory only while Redis is down)."""
    limit, seconds = _parse_rate(rate)
    # A window opens with the first hit and closes `seconds` later (incr keeps the expiry).
    key = f"engagement:rate:{scope}:{ident}"
    cache.add(key, 0, seconds + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, seconds + 1)
        used = 1
    if used > limit:
        period = PERIODS.get(seconds, f"{seconds} с")
        raise RateLimited(RATE_MESSAGES[scope].format(limit=limit, period=period))


def warmup_ends(actor):
    """When `actor`'s likes start earning their rouble at once: its account's creation plus
    settings.ENGAGEMENT_LIKE_WARMUP_HOURS (None for a VK user, whose likes VK itself counts)."""
    if actor is None or isinstance(actor, VkActor) or getattr(actor, "date_joined", None) is None:
        return None
    return actor.date_joined + timedelta(hours=settings.ENGAGEMENT_LIKE_WARMUP_HOURS)


def like_key(target_type_id, target_id, label, generation):
    """The ledger key of an actor's `generation`-th like of a target (1, 2, … as they re-like)."""
    return f"like:{target_type_id}:{target_id}:{label}:{generation}"


def set_like(actor, target, liked, *, ip=None):
    """Like or unlike `target`; a like is worth its rouble while it stands.

    Liking writes a new entry keyed by the like's generation (1, 2, …); unliking writes the
    compensation of the standing one. Both are idempotent, so however often and however
    concurrently an account toggles, it never holds more than one counted like on one target.
    An account still in its warm-up gets a WarmingLike instead (its rouble comes with
    count_warmed_up_likes, under the same key); unliking deletes it, so it never earns.
    Rate-limited per account and per IP (THROTTLE_LIKE, THROTTLE_LIKE_IP)."""
    actor_fields, label = actor_identity(actor)
    if label is None:
        raise ServiceError("Лайк может поставить только вошедший пользователь.", code="login_required")
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    check_rate("like-account", label, rates["like"])
    if ip:
        check_rate("like-ip", ip, rates["like_ip"])
    target_type = ContentType.objects.get_for_model(target)
    with transaction.atomic():
        sql.lock(label)
        likes = list(
            LedgerEntry.objects.filter(
                **actor_fields,
                kind=ActionKind.LIKE,
                target_type=target_type,
                target_id=target.pk,
                reverses__isnull=True,
            ).annotate(reversed_by=Count("reversal"))
        )
        standing = [entry for entry in likes if not entry.reversed_by]
        warming = None
        if actor_fields["actor_user_id"] is not None:
            warming = WarmingLike.objects.filter(
                actor_user_id=actor_fields["actor_user_id"], target_type=target_type, target_id=target.pk
            ).first()
        if liked:
            if standing or warming:
                return standing[0] if standing else warming
            key = like_key(target_type.pk, target.pk, label, len(likes) + 1)
            now, ends = timezone.now(), warmup_ends(actor)
            if ends is not None and ends > now:
                return WarmingLike.objects.create(
                    actor_user_id=actor.pk,
                    target_type=target_type,
                    target_id=target.pk,
                    key=key,
                    liked_at=now,
                    counts_from=ends,
                )
            return record_action(ActionKind.LIKE, actor, target, key)
        if warming is not None:
            warming.delete()
        for entry in standing:
            reverse_action(entry.key, "лайк снят")
        return None


def count_warmed_up_likes(now=None):
    """Record in the ledger the rouble of every like whose account's warm-up ended by `now`
    (default: now); returns how many were recorded. Periodic (settings.SCHEDULE).

    Each like is recorded under the key it was given when liked, in the same transaction that
    deletes its WarmingLike and under the account's lock, so a like withdrawn meanwhile earns
    nothing, and a like is recorded once however often (or concurrently) this runs."""
    now = now or timezone.now()
    due = WarmingLike.objects.filter(counts_from__lte=now).order_by("pk").values_list("pk", "actor_user_id")
    recorded = 0
    for pk, user_id in list(due):
        with transaction.atomic():
            sql.lock(f"user:{user_id}")
            pending = WarmingLike.objects.select_for_update().select_related("actor_user", "target_type")
            warming = pending.filter(pk=pk).first()
            if warming is None:
                continue  # withdrawn, or recorded by a concurrent run
            # Only the target's model and id reach the ledger; the target need not be loaded.
            target = warming.target_type.model_class()(pk=warming.target_id)
            record_action(ActionKind.LIKE, warming.actor_user, target, warming.key)
            warming.delete()
            recorded += 1
    return recorded
