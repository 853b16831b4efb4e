import pytest
from django.contrib.auth import authenticate

from engagement.models import LedgerEntry
from learning import services
from learning.models import Consent, Student, Submission
from tests.factories import PASSWORD, image_upload

pytestmark = pytest.mark.django_db


def test_a_student_downloads_their_data(client_for, student, assignment):
    services.submit_work(student, assignment, title="Песня", files=[image_upload()])
    response = client_for(student.user).get(f"/api/students/{student.pk}/export/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = response.json()
    assert data["profile"]["surname"] == "Колесникова"
    assert data["profile"]["town"] == "Выкса"
    assert data["consents"][0]["kind"] == "guardian"
    assert data["submissions"][0]["title"] == "Песня"


def test_the_guardian_sees_and_downloads_the_childs_data(client_for, student):
    guardian = student.guardian
    assert guardian is not None
    client = client_for(guardian)
    assert [s["id"] for s in client.get("/api/students/").json()["results"]] == [student.pk]
    assert client.get(f"/api/students/{student.pk}/export/").status_code == 200


def test_deleting_an_account_erases_personal_data_but_no_total_changes(
    client_for, student, assignment, make_user, campaign, django_capture_on_commit_callbacks
):
    moderator = make_user("moderator", group="Moderators")
    work = services.approve_submission(
        services.submit_work(student, assignment, title="Песня", files=[image_upload()]), moderator
    )
    fan = make_user("fan")
    services.set_like(fan, work, True)
    total_before = sum(LedgerEntry.objects.values_list("amount", flat=True))
    raised_before = services.raised_by(student.user)
    file_name = work.files.get().file.name
    storage = work.files.get().file.storage

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(student.guardian).delete(f"/api/students/{student.pk}/")
    assert response.status_code == 204

    student.refresh_from_db()
    user = student.user
    assert (student.first_name, student.surname, student.town, student.birth_date) == ("", "", "", None)
    assert user.email == "" and not user.is_active and not user.has_usable_password()
    assert authenticate(username="anya@example.org", password=PASSWORD) is None
    work.refresh_from_db()
    assert work.withdrawn_at is not None and not work.is_public
    assert client_for().get(f"/api/gallery/{work.pk}/").status_code == 404
    assert not storage.exists(file_name)
    assert all(c.withdrawn_at for c in Consent.objects.all())
    assert sum(LedgerEntry.objects.values_list("amount", flat=True)) == total_before
    assert services.raised_by(user) == raised_before, "the ledger keeps the (anonymised) actor"
    assert Submission.objects.filter(pk=work.pk).exists()


def test_another_student_cannot_see_or_delete_an_account(client_for, student, make_student):
    other = make_student(email="vanya@example.org", first_name="Ваня", surname="Орлов")
    client = client_for(other.user)
    assert client.get(f"/api/students/{student.pk}/export/").status_code == 404
    assert client.delete(f"/api/students/{student.pk}/").status_code == 404
    assert Student.objects.get(pk=student.pk).first_name == "Аня"
