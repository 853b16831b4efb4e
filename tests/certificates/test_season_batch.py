"""An editor issues (or re-issues) a whole season's certificates from the admin; the worker runs
the batch with progress; a child already issued keeps the one certificate they have."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from certificates import services
from certificates.admin_views import batch_summary
from certificates.models import Certificate, CertificateBatch
from cms.models import Season
from config.errors import ServiceError
from learning import services as learning
from tests.certificates.reading import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def season_of_works(make_student, reach, assignment, moderator, watch_all, django_capture_on_commit_callbacks):
    """Four children with approved works. Only the first got a certificate when approved (its task
    ran); the others' tasks never ran, as for works approved before certificates existed. The
    fourth also watched the whole masterclass, likewise never certified."""
    children = [
        make_student(email=f"{name}@example.org", first_name=name.capitalize(), surname="Смирнова", age=15)
        for name in ("anya", "vera", "olya", "dasha")
    ]
    reach(children[0])
    for child in children[1:]:
        with django_capture_on_commit_callbacks(execute=False):
            work = learning.submit_work(child, assignment, title=f"Работа {child.first_name}", text="Рассказ.")
            learning.approve_submission(work, moderator)
    watch_all(children[3], tasks_run=False)
    return children


def test_batch_issues_every_child_once_and_leaves_the_one_already_issued_alone(
    season_of_works, season, editor, client_for, django_capture_on_commit_callbacks
):
    first = Certificate.objects.get(holder=season_of_works[0].user)
    assert Certificate.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor).post("/admin/certificates/batches/", {"season": season.pk, "mode": "issue"})

    assert response.status_code == 302
    batch = CertificateBatch.objects.get()
    assert (batch.status, batch.total, batch.done, batch.issued) == ("done", 5, 5, 4)
    certificates = Certificate.objects.filter(season=season)
    assert sorted(certificates.values_list("kind", flat=True)) == ["completion"] + ["participant"] * 4
    for child in season_of_works:
        assert certificates.filter(holder=child.user, kind="participant").count() == 1
    again = Certificate.objects.get(pk=first.pk)
    assert (again.code, again.number, again.pdf.name) == (first.code, first.number, first.pdf.name)
    assert sorted(certificates.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    assert all(certificate.pdf for certificate in certificates)
    progress = client_for(editor).get("/admin/certificates/batches/progress/", {"ids": str(batch.pk)}).json()
    [row] = progress["batches"]
    assert row["percent"] == 100 and row["finished"] is True
    assert row["summary"] == "Обработано 5 из 5: выпущено 4 сертификата."

    services.issue_season(season)
    assert Certificate.objects.count() == 5
    assert CertificateBatch.objects.latest("created_at").issued == 0


def test_reissue_keeps_number_and_code_and_prints_the_corrected_name(season_of_works, season):
    services.issue_season(season)
    child = season_of_works[1]
    before = Certificate.objects.get(holder=child.user, kind="participant")
    old_pdf = before.pdf.name
    child.surname = "Смирнова-Лебедева"
    child.save()

    batch = services.issue_season(season, mode="reissue")

    after = Certificate.objects.get(pk=before.pk)
    assert (after.code, after.number) == (before.code, before.number)
    assert after.surname == "Смирнова-Лебедева" and after.reissued_at is not None
    assert "Смирнова-Лебедева" in pdf_text(after.pdf.read())
    assert not after.pdf.storage.exists(old_pdf)
    assert (batch.issued, batch.reissued) == (0, 5)
    assert batch_summary(batch) == "Обработано 5 из 5: выпущено 0 сертификатов, перевыпущено 5 сертификатов."


def test_a_second_batch_of_the_same_season_waits_for_the_first(season, editor, client_for):
    CertificateBatch.objects.create(season=season, status="running")

    response = client_for(editor).post(
        "/admin/certificates/batches/", {"season": season.pk, "mode": "issue"}, follow=True
    )

    assert "уже идёт" in response.content.decode()
    assert CertificateBatch.objects.count() == 1
    with pytest.raises(ServiceError) as refusal:
        services.start_batch(season)
    assert refusal.value.code == "batch_running" and refusal.value.status == 409


def test_the_batch_screen_is_for_editors(season, moderator, editor, client_for):
    assert client_for(editor).get("/admin/certificates/batches/").status_code == 200
    assert client_for(moderator).get("/admin/certificates/batches/").status_code == 302


def test_numbers_are_unique_within_a_season_by_a_database_constraint(student, reach, season):
    reach(student)
    certificate = Certificate.objects.get(holder=student.user)
    other_season = Season.objects.create(
        name="Сезон 2030/31", starts_on=datetime.date(2030, 9, 1), ends_on=datetime.date(2031, 5, 31)
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            season=season,
            number=certificate.number,
            kind="winner",
            holder=student.user,
            subject_type=certificate.subject_type,
            subject_id=certificate.subject_id,
            first_name="Аня",
        )
    twin = Certificate.objects.create(
        season=other_season,
        number=certificate.number,
        kind="winner",
        holder=student.user,
        subject_type=certificate.subject_type,
        subject_id=certificate.subject_id,
        first_name="Аня",
    )
    assert twin.display_number.endswith(f"-{certificate.number:05d}")


def test_one_certificate_per_holder_kind_and_subject_by_a_database_constraint(student, reach):
    reach(student)
    certificate = Certificate.objects.get(holder=student.user)

    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            season=certificate.season,
            number=999,
            kind=certificate.kind,
            holder=student.user,
            subject_type=certificate.subject_type,
            subject_id=certificate.subject_id,
            first_name="Аня",
        )
