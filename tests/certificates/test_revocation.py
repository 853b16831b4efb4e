"""Revoking a certificate: with a reason the public page shows; the holder can no longer download
it; a work a moderator withdraws loses its certificate and gets it back when approved again."""

import pytest

from certificates import services
from certificates.models import Certificate
from config.errors import ServiceError
from learning import services as learning

pytestmark = pytest.mark.django_db


def test_an_editor_revokes_with_a_reason_and_the_public_page_says_so(student, reach, editor, client_for):
    reach(student)
    certificate = Certificate.objects.get(holder=student.user)

    response = client_for(editor).post(
        f"/admin/certificates/{certificate.pk}/revoke/", {"reason": "Работа срисована с открытки."}
    )

    assert response.status_code == 302
    certificate.refresh_from_db()
    assert not certificate.is_valid and certificate.revoked_by == editor
    page = client_for().get(f"/certificates/{certificate.code}/").content.decode()
    assert "Сертификат отозван" in page
    assert "Работа срисована с открытки." in page
    assert "действителен" not in page
    check = client_for().get(f"/api/certificates/verify/{certificate.code}/").json()
    assert check["valid"] is False and check["revoked_reason"] == "Работа срисована с открытки."
    [listed] = client_for(student.user).get("/api/certificates/").json()["results"]
    assert listed["valid"] is False and listed["pdf_url"] is None
    refused = client_for(student.user).get(f"/certificates/{certificate.code}/pdf/")
    assert refused.status_code == 410
    assert "Работа срисована с открытки." in refused.content.decode()
    assert client_for(editor).get(f"/certificates/{certificate.code}/pdf/").status_code == 200


def test_revoking_without_a_reason_is_refused_and_changes_nothing(student, reach, editor, client_for):
    reach(student)
    certificate = Certificate.objects.get(holder=student.user)

    response = client_for(editor).post(f"/admin/certificates/{certificate.pk}/revoke/", {"reason": "  "})

    assert response.status_code == 200
    assert "Напишите причину отзыва" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.is_valid
    with pytest.raises(ServiceError) as refusal:
        services.revoke_certificate(certificate, reason="")
    assert refusal.value.code == "reason_required" and refusal.value.field == "reason"


def test_a_revoked_certificate_cannot_be_revoked_again(student, reach):
    reach(student)
    certificate = services.revoke_certificate(Certificate.objects.get(holder=student.user), reason="Ошибка в имени.")

    with pytest.raises(ServiceError) as refusal:
        services.revoke_certificate(certificate, reason="Ещё раз.")

    assert refusal.value.status == 409 and refusal.value.code == "already_revoked"
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Ошибка в имени."


def test_only_staff_with_the_permission_reach_the_revoke_screen(student, reach, mentor_user, moderator, client_for):
    reach(student)
    certificate = Certificate.objects.get(holder=student.user)

    refused = client_for(mentor_user).post(f"/admin/certificates/{certificate.pk}/revoke/", {"reason": "Просто так."})
    assert (refused.status_code, refused.url) == (302, "/admin/")  # Wagtail's answer to a denied admin view
    certificate.refresh_from_db()
    assert certificate.is_valid
    assert client_for(moderator).get(f"/admin/certificates/{certificate.pk}/revoke/").status_code == 200


def test_a_work_rejected_after_approval_loses_its_certificate_and_regains_it_when_approved_again(
    student, reach, moderator, client_for, django_capture_on_commit_callbacks
):
    work = reach(student)
    certificate = Certificate.objects.get(holder=student.user)

    with django_capture_on_commit_callbacks(execute=True):
        learning.reject_submission(work, moderator, "Похоже на чужую работу.")
    certificate.refresh_from_db()
    assert certificate.revoked_reason == services.WORK_WITHDRAWN_REASON
    page = client_for().get(f"/certificates/{certificate.code}/").content.decode()
    assert "Сертификат отозван" in page
    assert "чужую" not in page  # the moderator's words stay between the moderator and the child

    work = learning.edit_work(work, text="Мой собственный рассказ.")
    with django_capture_on_commit_callbacks(execute=True):
        learning.approve_submission(work, moderator)

    assert Certificate.objects.filter(holder=student.user).count() == 1
    certificate.refresh_from_db()
    assert certificate.is_valid


def test_an_editors_revocation_stays_when_the_work_is_approved_again(student, reach, moderator, editor):
    work = reach(student)
    certificate = services.revoke_certificate(
        Certificate.objects.get(holder=student.user), reason="Нарушены правила конкурса.", by=editor
    )
    work = learning.edit_work(work, text="Новая версия.")

    learning.approve_submission(work, moderator)
    from certificates import tasks

    tasks.issue_for_work.call(work.pk)

    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Нарушены правила конкурса."
