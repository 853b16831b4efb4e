"""Appeals against the jury's results: a child or the child's guardian files one from the cabinet
within the assignment's appeal window (one open appeal per work); editors decide it in the admin's
queue, upheld or rejected, with a reason the appellant sees. The counts are public."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import ServiceError
from learning import selectors
from learning.models import Appeal, Score, Submission
from learning.services.roles import can_manage_student, is_editor
from learning.signals import appeal_decided, appeal_filed

TEXT_MIN_LENGTH = 20
TEXT_MAX_LENGTH = 3000
REASON_MAX_LENGTH = 3000


def _date(moment):
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


def file_appeal(user, submission, text, now=None):
    now = now or timezone.now()
    if not can_manage_student(user, submission.student):
        raise ServiceError(
            "Подать апелляцию может только автор работы или его родитель.", code="not_your_work", status=403
        )
    text = (text or "").strip()
    if len(text) < TEXT_MIN_LENGTH:
        raise ServiceError(
            f"Опишите, с чем вы не согласны: не короче {TEXT_MIN_LENGTH} символов.", code="text_too_short", field="text"
        )
    if len(text) > TEXT_MAX_LENGTH:
        raise ServiceError(
            f"Текст апелляции — не длиннее {TEXT_MAX_LENGTH} символов.", code="text_too_long", field="text"
        )
    window = selectors.appeal_window(submission.assignment)
    if window is None:
        raise ServiceError(
            "Итоги этого задания ещё не подведены: апелляцию можно подать после них.",
            code="no_results_yet",
            status=409,
        )
    opens, closes = window
    if now < opens:
        raise ServiceError(
            f"Приём апелляций по этому заданию откроется {_date(opens)}.", code="appeals_not_open", status=409
        )
    if now > closes:
        raise ServiceError(
            f"Приём апелляций по этому заданию закрылся {_date(closes)}.", code="appeals_closed", status=409
        )
    if submission.withdrawn_at or not Score.objects.filter(submission=submission).exists():
        raise ServiceError(
            "Апелляцию подают на оценки жюри, а эту работу жюри не оценивало.", code="not_judged", status=409
        )
    try:
        with transaction.atomic():
            Submission.objects.select_for_update().filter(pk=submission.pk).first()
            if Appeal.objects.filter(submission=submission, status=Appeal.Status.OPEN).exists():
                raise IntegrityError
            appeal = Appeal.objects.create(submission=submission, filed_by=user, text=text, created_at=now)
            appeal_filed.send(sender=Appeal, appeal=appeal)
            return appeal
    except IntegrityError:
        raise ServiceError(
            "По этой работе уже есть апелляция на рассмотрении: дождитесь решения.", code="appeal_open", status=409
        ) from None


def decide_appeal(editor, appeal, *, upheld, reason, now=None):
    if not is_editor(editor):
        raise ServiceError("Апелляции рассматривают редакторы конкурса.", code="not_editor", status=403)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            "Напишите причину решения: её увидит автор апелляции.", code="reason_required", field="reason"
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ServiceError(
            f"Причина — не длиннее {REASON_MAX_LENGTH} символов.", code="reason_too_long", field="reason"
        )
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("submission__student").get(pk=appeal.pk)
        if appeal.status != Appeal.Status.OPEN:
            raise ServiceError("По этой апелляции уже есть решение.", code="already_decided", status=409)
        appeal.status = Appeal.Status.UPHELD if upheld else Appeal.Status.REJECTED
        appeal.decision_reason = reason
        appeal.decided_by = editor
        appeal.decided_at = now or timezone.now()
        appeal.save()
        appeal_decided.send(sender=Appeal, appeal=appeal)
    return appeal
