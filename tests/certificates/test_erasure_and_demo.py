"""A child who erases the account takes their name off their certificates; the demo data holds
last season's results and a demo student's masterclass certificate."""

import io

import pytest
from django.core.management import call_command

from certificates import services
from certificates.models import Certificate
from learning import services as learning

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_erasing_the_account_revokes_the_certificates_and_removes_names_and_pdfs(
    student, reach, client_for, editor, django_capture_on_commit_callbacks
):
    reach(student, "shortlisted")
    certificates = list(Certificate.objects.filter(holder=student.user))
    files = [(c.pdf.storage, c.pdf.name) for c in certificates]
    assert len(certificates) == 2 and all(storage.exists(name) for storage, name in files)

    with django_capture_on_commit_callbacks(execute=True):
        learning.delete_student_account(student)

    for certificate in Certificate.objects.filter(pk__in=[c.pk for c in certificates]):
        assert (certificate.first_name, certificate.surname, certificate.pdf.name) == ("", "", "")
        assert certificate.revoked_reason == services.ACCOUNT_ERASED_REASON
    assert not any(storage.exists(name) for storage, name in files)
    page = client_for().get(f"/certificates/{certificates[0].code}/").content.decode()
    assert "Сертификат отозван" in page and "Аня" not in page
    gone = client_for(editor).get(f"/certificates/{certificates[0].code}/pdf/")
    assert gone.status_code == 410 and "PDF удалён" in gone.content.decode()
    assert not Certificate.objects.exclude(pdf="").filter(pk__in=[c.pk for c in certificates]).exists()


def test_demo_data_has_last_seasons_results_and_a_completion_certificate(demo, settings, tmp_path):
    settings.VIDEO_UPLOAD_TEMP_DIR = tmp_path / "uploads"

    past = Certificate.objects.filter(season__name="Сезон 2025/26")
    kinds = set(past.values_list("kind", flat=True))
    assert kinds == {"participant", "finalist", "winner"}
    winners = past.filter(kind="winner")
    assert winners.exists() and all(c.pdf and c.mentor_name for c in winners)
    completion = Certificate.objects.get(kind="completion", holder__email="anya@demo.pokolenie-m.example")
    assert completion.season.name == "Сезон 2026/27" and completion.pdf
    issued = Certificate.objects.count()

    call_command("load_demo", stdout=io.StringIO())
    assert Certificate.objects.count() == issued
