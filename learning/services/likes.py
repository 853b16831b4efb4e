"""Likes on public works: each stands in the engagement ledger (a rouble while it stands) and is
mirrored in the gallery's `Like` rows."""

from django.db import transaction

from config.errors import ServiceError
from engagement import services as engagement
from learning.models import Like
from learning.services.moderation import lock_work


def count_like(user, submission, liked, ip=None):
    """The one place a like reaches the engagement ledger (a like is worth its rouble while it stands;
    the ledger also limits how fast an account or an address may like; its refusals are
    ServiceErrors that reach the person as they are)."""
    return engagement.set_like(user, submission, liked, ip=ip)


def set_like(user, submission, liked, ip=None):
    """Like or unlike a public work; repeating the same state changes nothing. Returns the count.
    The gallery's `Like` rows mirror the ledger's standing likes in the same transaction, so the
    gallery can sort by likes without reading the ledger."""
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
                Like.objects.create(submission=submission, user=user)
            else:
                existing.delete()
            submission.like_count = Like.objects.filter(submission=submission).count()
            submission.save(update_fields=["like_count"])
    return submission.like_count
