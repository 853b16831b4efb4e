"""What a guardian does for their children from the cabinet: add a child under their own account
(consent given at once), withdraw the consent and give it back.

Withdrawing a guardian's consent for a child under 14 puts the child where a child without consent
stands: the account is inactive (no sign-in) and the child's works leave every public list, the
moderation queue and the jury (they are marked withdrawn, as erasure marks them), and their videos
leave public storage with them. Nothing is erased and no ledger entry changes, so giving the consent
back (here or by the emailed link) restores the account and the same works.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from config.errors import ServiceError
from learning.models import GUARDIAN_CONSENT_BELOW_AGE, Consent, Student, Submission
from learning.services.accounts import (
    CONSENT_TEXT_VERSION,
    register_student,
    restore_works_hidden_by_withdrawal,
    visibility_changed,
)


def check_can_be_guardian(user):
    """An adult's account may look after children; a child's account (a student) may not."""
    if not user or not user.is_authenticated:
        raise ServiceError("Войдите, чтобы добавить ребёнка.", code="not_signed_in", status=403)
    if Student.objects.filter(user=user).exists():
        raise ServiceError(
            "Добавлять детей могут взрослые: это аккаунт ученика.", code="student_cannot_be_guardian", status=403
        )
    if not user.email:
        raise ServiceError(
            "У вашего аккаунта нет email: согласие записывается на email родителя.",
            code="guardian_email_missing",
            status=409,
        )


def add_child(guardian, *, ip=None, today=None, **profile):
    """Register a child under the signed-in guardian, with the same rules as the child's own
    registration (age 6–18, a free email, a strong password) and the guardian's consent recorded at
    once. The child signs in with that email and the password the guardian set."""
    check_can_be_guardian(guardian)
    return register_student(**profile, consent=True, ip=ip, today=today, guardian=guardian, notify_guardian=False)


def active_guardian_consent(student):
    return student.consents.filter(kind=Consent.Kind.GUARDIAN, withdrawn_at__isnull=True).first()


def _check_guardian_of(guardian, student):
    if student.is_deleted or student.guardian_id is None or student.guardian_id != getattr(guardian, "pk", None):
        raise ServiceError("Ребёнок не найден.", code="not_your_child", status=404)


def withdraw_guardian_consent(guardian, student, *, now=None):
    """Withdraw the guardian's consent for a child under 14: the account becomes inactive and the
    child's works are hidden, as for a child whose guardian never consented."""
    _check_guardian_of(guardian, student)
    now = now or timezone.now()
    with transaction.atomic():
        student = Student.objects.select_for_update().select_related("user").get(pk=student.pk)
        if student.age is not None and student.age >= GUARDIAN_CONSENT_BELOW_AGE:
            raise ServiceError(
                "С 14 лет ребёнок сам даёт согласие на обработку данных, и отозвать его может только он. "
                "Удалить данные ребёнка можно кнопкой «Удалить данные».",
                code="child_consents_alone",
                status=409,
            )
        consent = active_guardian_consent(student)
        if consent is None:
            raise ServiceError("Согласие уже отозвано.", code="consent_already_withdrawn", status=409)
        student.consents.filter(kind=Consent.Kind.GUARDIAN, withdrawn_at__isnull=True).update(withdrawn_at=now)
        get_user_model().objects.filter(pk=student.user_id).update(is_active=False)
        hidden = list(Submission.objects.filter(student=student, withdrawn_at__isnull=True))
        Submission.objects.filter(pk__in=[w.pk for w in hidden]).update(withdrawn_at=now, updated_at=now)
        visibility_changed(hidden)
    student.user.refresh_from_db()
    return student


def give_guardian_consent(guardian, student, *, ip=None):
    """Give the guardian's consent again (recorded with the guardian's email and IP): the account is
    active again and the works hidden by the withdrawal come back."""
    _check_guardian_of(guardian, student)
    with transaction.atomic():
        student = Student.objects.select_for_update().select_related("user").get(pk=student.pk)
        if active_guardian_consent(student) is not None and student.user.is_active:
            raise ServiceError("Согласие уже дано, аккаунт ребёнка работает.", code="consent_already_given", status=409)
        consent = active_guardian_consent(student) or Consent.objects.create(
            student=student,
            kind=Consent.Kind.GUARDIAN,
            text_version=CONSENT_TEXT_VERSION,
            email=guardian.email or student.guardian_email,
            ip=ip,
        )
        get_user_model().objects.filter(pk=student.user_id).update(is_active=True)
        restore_works_hidden_by_withdrawal(student)
    return consent
