"""Moderation: approve, reject, report and keep works; the first approval is worth one engagement
ledger action, and the author (and guardian) hear of the decision."""

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.errors import ServiceError
from engagement import services as engagement
from learning.models import ContestSettings, ModerationDecision, Report, Submission
from learning.services.emails import send_email
from learning.services.work_videos import enqueue_video_sync
from learning.signals import work_status_changed, work_visibility_changed


def log_decision(submission, moderator, action, reason=""):
    return ModerationDecision.objects.create(submission=submission, moderator=moderator, action=action, reason=reason)


def approval_key(submission):
    return f"work_approved:{submission.pk}:{submission.ledger_round}"


def count_approved_work(submission):
    """The one place a contest work reaches the engagement ledger: one action per accepted work."""
    return engagement.record_action("work_approved", submission.student.user, submission, approval_key(submission))


def uncount_approved_work(submission, reason):
    return engagement.reverse_action(approval_key(submission), reason)


def _notify_author(submission, template):
    """Tell the author (and a guardian, who reads a young child's mail) what the moderator decided,
    once the decision is committed."""
    student = submission.student
    context = {
        "submission": submission,
        "student": student,
        "assignment": submission.assignment,
        "site_url": settings.SITE_URL,
    }
    letters = {}
    if student.guardian_email:
        letters[student.guardian_email.lower()] = f"{template}_guardian"  # addressed to the parent
    if student.user.email:
        letters[student.user.email.lower()] = template  # the child's own, when the addresses differ
    transaction.on_commit(lambda: [send_email(letter, to, context) for to, letter in sorted(letters.items())])


def lock_work(submission):
    return Submission.objects.select_for_update().select_related("student__user", "assignment").get(pk=submission.pk)


def approve_submission(submission, moderator):
    """Publish a pending (or reported) work; the first approval is worth one ledger action."""
    with transaction.atomic():
        submission = lock_work(submission)
        if submission.withdrawn_at:
            raise ServiceError("Работа снята автором.", code="work_withdrawn", status=409)
        if submission.status not in (Submission.Status.PENDING,) and not submission.needs_review:
            raise ServiceError("Одобрить можно только работу из очереди модерации.", code="not_in_queue", status=409)
        published = submission.status == Submission.Status.PENDING
        if published:
            submission.status = Submission.Status.APPROVED
            submission.approved_at = timezone.now()
            _notify_author(submission, "work_approved")
        submission.rejection_reason = ""
        submission.hidden = False
        submission.needs_review = False
        if not submission.counted:
            count_approved_work(submission)
            submission.counted = True
        submission.save()
        if published:
            work_status_changed.send(sender=Submission, submission=submission)
        submission.reports.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        log_decision(submission, moderator, ModerationDecision.Action.APPROVE)
        enqueue_video_sync(submission.pk)
    return submission


def reject_submission(submission, moderator, reason):
    """Refuse a work with a reason the student sees. A work already counted gets a compensating entry."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Напишите причину отклонения: её увидит ученик.", code="reason_required", field="reason")
    with transaction.atomic():
        submission = lock_work(submission)
        if submission.status in (Submission.Status.WINNER, Submission.Status.FINALIST):
            raise ServiceError("Итоги по этой работе уже подведены.", code="results_confirmed", status=409)
        if submission.status == Submission.Status.REJECTED:
            raise ServiceError("Работа уже отклонена.", code="already_rejected", status=409)
        if submission.counted:
            uncount_approved_work(submission, reason)
            submission.counted = False
            submission.ledger_round = F("ledger_round") + 1
        submission.status = Submission.Status.REJECTED
        submission.rejection_reason = reason
        submission.needs_review = False
        submission.hidden = False
        submission.save()
        work_status_changed.send(sender=Submission, submission=submission)
        submission.reports.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        log_decision(submission, moderator, ModerationDecision.Action.REJECT, reason)
        enqueue_video_sync(submission.pk)
        _notify_author(submission, "work_rejected")
    submission.refresh_from_db()
    return submission


def report_submission(submission, *, reason, reporter=None, ip=None):
    """A visitor reports a public work: it goes back to the queue, and past the threshold it is hidden."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Напишите, что не так с работой.", code="reason_required", field="reason")
    with transaction.atomic():
        submission = lock_work(submission)
        if not submission.is_public:
            raise ServiceError("Работа не найдена.", code="work_not_found", status=404)
        open_reports = submission.reports.filter(resolved_at__isnull=True)
        same = open_reports.filter(reporter=reporter) if reporter else open_reports.filter(reporter=None, ip=ip)
        if same.exists():
            raise ServiceError(
                "Вы уже пожаловались на эту работу; модератор её проверит.", code="already_reported", status=409
            )
        Report.objects.create(submission=submission, reporter=reporter, ip=ip, reason=reason)
        submission.needs_review = True
        threshold = ContestSettings.load().report_hide_threshold
        if open_reports.count() >= threshold and not submission.hidden:
            submission.hidden = True
            log_decision(submission, None, ModerationDecision.Action.HIDE, f"Жалоб: {open_reports.count()}")
            enqueue_video_sync(submission.pk)
        submission.save()
        if submission.hidden:
            work_visibility_changed.send(sender=Submission, submission=submission)
    return submission


def keep_submission(submission, moderator, reason=""):
    """Reports were unfounded: the work stays public and leaves the queue."""
    with transaction.atomic():
        submission = lock_work(submission)
        if not submission.needs_review:
            raise ServiceError("По этой работе нет открытых жалоб.", code="no_open_reports", status=409)
        submission.needs_review = False
        submission.hidden = False
        submission.save()
        submission.reports.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        log_decision(submission, moderator, ModerationDecision.Action.KEEP, reason)
        enqueue_video_sync(submission.pk)
        work_visibility_changed.send(sender=Submission, submission=submission)
    return submission
