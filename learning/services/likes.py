"""Likes on public works: each stands in the engagement ledger (a rouble while it stands) and is
mirrored in the gallery's `Like` rows; moderators void suspicious clusters of them (README
«Честные лайки»)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from config.errors import ServiceError
from engagement import services as engagement
from learning import selectors
from learning.models import Like, LikeClusterVoid, Submission
from learning.services.moderation import lock_work


def count_like(user, submission, liked, ip=None):
    """The one place a like reaches the engagement ledger (a like is worth its rouble while it stands;
    the ledger also limits how fast an account or an address may like; its refusals are
    ServiceErrors that reach the person as they are)."""
    return engagement.set_like(user, submission, liked, ip=ip)


def set_like(user, submission, liked, ip=None):
    """Like or unlike a public work; repeating the same state changes nothing. Returns the count.
    The gallery's `Like` rows mirror the ledger's standing likes in the same transaction, so the
    gallery can sort by likes without reading the ledger. A like keeps the address it came from
    (and its network) for the «Подозрительная активность» screen, until forget_like_addresses."""
    with transaction.atomic():
        submission = lock_work(submission)
        if not submission.is_public:
            raise ServiceError("Работа не найдена.", code="work_not_found", status=404)
        if submission.student.user_id == user.pk:
            raise ServiceError("Свою работу лайкнуть нельзя.", code="own_work", status=403)
        existing = Like.objects.filter(submission=submission, user=user)
        if liked != existing.exists():
            count_like(user, submission, liked, ip=ip)
            if liked:
                network = selectors.like_network(ip)
                Like.objects.create(submission=submission, user=user, ip=ip if network else None, network=network)
            else:
                existing.delete()
            submission.like_count = Like.objects.filter(submission=submission).count()
            submission.save(update_fields=["like_count"])
    return submission.like_count


def like_warmup_until(user):
    """Until when a signed-in account's likes wait for their rouble (its first day), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    ends = engagement.warmup_ends(user)
    return ends if ends is not None and ends > timezone.now() else None


def like_message(user, submission, liked):
    """What the like button says after a like or an unlike: honestly, what this like earns."""
    if not liked:
        return "Лайк снят."
    worth = engagement.like_worth(user, submission)
    if worth.state == "warming":
        when = timezone.localtime(worth.counts_from).strftime("%d.%m %H:%M")
        return (
            "Спасибо! Лайк засчитан. Ваш аккаунт новый: рубль за него зачислится после первых суток, "
            f"{when} (по Москве)."
        )
    if worth.state == "over_cap":
        cap = settings.ENGAGEMENT_DAILY_ACTION_CAP
        return (
            "Спасибо! Лайк засчитан, но рубля он не добавит: сегодня вы уже достигли предела "
            f"оплачиваемых действий за сутки ({cap}). Завтра ваши действия снова будут приносить рубли."
        )
    if worth.state == "unpaid":
        return "Спасибо! Лайк засчитан, но рубля он не добавит: сейчас нет идущей кампании или её бюджет исчерпан."
    return "Спасибо! Ваш лайк — рубль на лечение детей."


def void_cluster(moderator, cluster_id, reason):
    """Void a cluster of suspicious likes in one step: every one of its accounts through
    engagement's `void_account` (their ledger entries compensated, their warming likes dropped),
    their likes gone from the gallery, and a LikeClusterVoid keeping who, why and whom."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            "Укажите причину аннулирования: она попадёт в журнал.", code="reason_required", field="reason"
        )
    max_length = LikeClusterVoid._meta.get_field("reason").max_length
    if len(reason) > max_length:
        raise ServiceError(f"Причина длиннее {max_length} символов.", code="reason_too_long", field="reason")
    cluster = selectors.suspicious_cluster(cluster_id)
    if cluster is None:
        raise ServiceError(
            "Такой группы больше нет: её уже аннулировали или в ней изменились аккаунты. Обновите страницу.",
            code="cluster_not_found",
            status=404,
        )
    accounts = list(get_user_model().objects.filter(pk__in=cluster.account_ids).order_by("pk"))
    with transaction.atomic():
        written = sum(engagement.void_account(account, f"группа лайков: {reason}") for account in accounts)
        likes = Like.objects.filter(user__in=accounts)
        works = set(likes.values_list("submission_id", flat=True))
        likes.delete()
        for work_id in sorted(works):
            Submission.objects.filter(pk=work_id).update(like_count=Like.objects.filter(submission_id=work_id).count())
        record = LikeClusterVoid.objects.create(
            moderator=moderator, reason=reason, description=cluster.description[:300], compensations=written
        )
        record.accounts.set(accounts)
    return record


def forget_like_addresses(now=None):
    """Forget the address and network of likes older than ENGAGEMENT_LIKE_IP_RETENTION_DAYS
    (personal data, kept only to find clusters); returns how many likes were changed. Periodic."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.ENGAGEMENT_LIKE_IP_RETENTION_DAYS)
    old = Like.objects.filter(created_at__lt=since).exclude(ip__isnull=True, network="")
    return old.update(ip=None, network="")
