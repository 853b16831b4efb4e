"""A student's cabinet: lessons with progress, works with status, the moderator's reason and the
jury's feedback, what their actions raised, the data download and account deletion."""

import json

import pytest
from django.contrib.auth import get_user_model

from tests.factories import PASSWORD, png_upload


@pytest.fixture
def student(make_student):
    return make_student()


def register_petya(client, **changes):
    """Petya, born 2016, signs up through the site's form."""
    from cms.models import Region

    form = {
        "first_name": "Петя",
        "surname": "Орлов",
        "birth_date": "2016-03-01",
        "region": Region.objects.first().pk,
        "town": "Вологда",
        "email": "petya@example.ru",
        "password": PASSWORD,
    }
    return client.post("/cabinet/register/", {**form, **changes})


@pytest.mark.django_db
def test_registration_under_14_without_a_guardian_email_is_refused_in_russian(client, season_tree):
    response = register_petya(client)
    assert response.status_code == 200
    assert "нужен email родителя" in response.content.decode()
    assert not get_user_model().objects.filter(email="petya@example.ru").exists()


@pytest.mark.django_db
def test_registration_shows_every_mistake_at_once(client, season_tree):
    """A short all-digit password and the child's own email as the guardian's: both said in one
    answer (the password's errors came only after the email was fixed)."""
    response = register_petya(client, guardian_email="petya@example.ru", password="123")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["guardian_email"] == ["Email родителя должен отличаться от email ученика."]
    assert len(errors["password"]) >= 2 and any("коротк" in message for message in errors["password"])
    assert not get_user_model().objects.filter(email="petya@example.ru").exists()


@pytest.mark.django_db
def test_student_sees_pending_and_rejected_works_with_the_moderators_reason(
    client, student, assignment, moderator, season_tree
):
    from learning import services as learning
    from learning.models import Assignment

    second = Assignment.objects.get(pk=assignment.pk)
    second.pk = None
    second.title = "Нарисуй сцену"
    second.save()
    learning.submit_work(student, assignment, title="Обложка", files=[png_upload()])
    rejected = learning.submit_work(student, second, title="Сцена", files=[png_upload("scene.png")])
    learning.reject_submission(rejected, moderator, "На рисунке видно лицо и адрес — загрузите без них.")

    client.force_login(student.user)
    page = client.get("/cabinet/").content.decode()

    assert "на модерации" in page
    assert "отклонена" in page
    assert "видно лицо и адрес" in page


@pytest.mark.django_db
def test_student_reads_the_jurys_feedback(client, public_work, moderator):
    from learning.models import Score

    Score.objects.create(juror=moderator, submission=public_work, points={}, total=0, comment="Смелые цвета!")
    client.force_login(public_work.student.user)
    assert "Смелые цвета!" in client.get("/cabinet/").content.decode()


@pytest.mark.django_db
def test_cabinet_shows_what_my_likes_raised(client, public_work, make_student):
    fan = make_student(email="fan@example.ru", first_name="Лёша", surname="Смирнов")
    client.force_login(fan.user)
    client.post(f"/gallery/{public_work.pk}/like/", {"action": "like"})
    page = client.get("/cabinet/").content.decode()
    assert "1\u00a0₽</strong> принесли детям" in page


@pytest.mark.django_db
def test_student_downloads_everything_kept_about_them(client, student):
    client.force_login(student.user)
    response = client.get("/cabinet/my-data/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["profile"]["surname"] == "Кузнецова"


@pytest.mark.django_db
def test_account_deletion_needs_the_word_and_then_erases_the_name(client, student):
    client.force_login(student.user)
    refused = client.post("/cabinet/delete/", {"confirm": "да"})
    assert refused.status_code == 400
    assert "Напишите слово УДАЛИТЬ" in refused.content.decode()

    response = client.post("/cabinet/delete/", {"confirm": "удалить"})

    assert response.status_code == 302
    student.refresh_from_db()
    assert student.is_deleted and student.surname == ""
    assert client.get("/cabinet/").status_code == 302  # signed out
