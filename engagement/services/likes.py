"""Likes: worth a rouble while they stand, one counted like per account and target, rate-limited."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count

from config.errors import ServiceError
from engagement.actors import actor_identity
from engagement.models import ActionKind, LedgerEntry
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


def _check_rate(scope, ident, rate):
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
        raise RateLimited(f"Слишком много лайков подряд: не больше {limit} за {seconds} с. Попробуйте чуть позже.")


def like_key(target_type_id, target_id, label, generation):
    """The ledger key of an actor's `generation`-th like of a target (1, 2, … as they re-like)."""
    return f"like:{target_type_id}:{target_id}:{label}:{generation}"


def set_like(actor, target, liked, *, ip=None):
    """Like or unlike `target`; a like is worth its rouble while it stands.

    Liking writes a new entry keyed by the like's generation (1, 2, …); unliking writes the
    compensation of the standing one. Both are idempotent, so however often and however
    concurrently an account toggles, it never holds more than one counted like on one target.
    Rate-limited per account and per IP (THROTTLE_LIKE, THROTTLE_LIKE_IP)."""
    actor_fields, label = actor_identity(actor)
    if label is None:
        raise ServiceError("Лайк может поставить только вошедший пользователь.", code="login_required")
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    _check_rate("like-account", label, rates["like"])
    if ip:
        _check_rate("like-ip", ip, rates["like_ip"])
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
        if liked:
            if standing:
                return standing[0]
            key = like_key(target_type.pk, target.pk, label, len(likes) + 1)
            return record_action(ActionKind.LIKE, actor, target, key)
        for entry in standing:
            reverse_action(entry.key, "лайк снят")
        return None
