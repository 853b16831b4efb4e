"""Only the holder, the holder's guardian and staff download a certificate's PDF; everyone can
check its code."""

import pytest
from django.contrib.auth import get_user_model

from certificates import services
from certificates.models import Certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(student, reach):
    reach(student)
    return Certificate.objects.get(holder=student.user)


@pytest.fixture
def people(student, make_student, editor, moderator, mentor_user, make_user):
    guardian = get_user_model().objects.get(email="parent.anya@example.org")
    assert student.guardian == guardian
    return {
        "holder": student.user,
        "guardian": guardian,
        "editor": editor,
        "moderator": moderator,
        "another student": make_student(email="petya@example.org", first_name="Петя", surname="Сидоров").user,
        "another parent": make_user("parent.other"),
        "mentor": mentor_user,
        "anonymous": None,
    }


EXPECTED = {
    "holder": 200,
    "guardian": 200,
    "editor": 200,
    "moderator": 200,
    "another student": 403,
    "another parent": 403,
    "mentor": 403,
    "anonymous": 403,
}


def test_who_may_download_the_pdf(certificate, people, client_for):
    answers = {who: client_for(user).get(f"/certificates/{certificate.code}/pdf/") for who, user in people.items()}

    assert {who: response.status_code for who, response in answers.items()} == EXPECTED
    assert b"".join(answers["guardian"].streaming_content).startswith(b"%PDF-")
    assert answers["holder"]["Cache-Control"] == "private, no-store"
    assert "attachment" in answers["holder"]["Content-Disposition"]
    assert "Скачать сертификат могут только" in answers["another student"].content.decode()
    for who in ("another student", "another parent", "mentor", "anonymous"):
        assert client_for(people[who]).get(f"/certificates/{certificate.code}/").status_code == 200


def test_after_revocation_only_staff_download(certificate, people, client_for):
    services.revoke_certificate(certificate, reason="Выдан по ошибке.")

    codes = {
        who: client_for(user).get(f"/certificates/{certificate.code}/pdf/").status_code for who, user in people.items()
    }

    assert codes == {**EXPECTED, "holder": 410, "guardian": 410}


def test_the_pdf_is_kept_in_private_storage_never_under_media(certificate, settings):
    assert certificate.pdf.name.startswith(f"certificates/{certificate.season_id}/")
    assert certificate.pdf.storage.location == str(settings.PRIVATE_MEDIA_ROOT)
    assert not (settings.MEDIA_ROOT / certificate.pdf.name).exists()


def test_a_pdf_the_worker_has_not_drawn_yet_is_drawn_on_download(certificate, client_for):
    certificate.pdf.storage.delete(certificate.pdf.name)
    Certificate.objects.filter(pk=certificate.pk).update(pdf="")

    response = client_for(certificate.holder).get(f"/certificates/{certificate.code}/pdf/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    certificate.refresh_from_db()
    assert certificate.pdf
