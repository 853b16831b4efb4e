"""Every refusal of learning reaches API clients in the one error shape — {"code", "detail", "field"} —
with a stable code clients may branch on (config.errors.ServiceError)."""

import pytest

from config.errors import ServiceError
from learning import services
from media_pipeline.models import VideoAsset
from tests.factories import PASSWORD, birth_date_for

pytestmark = pytest.mark.django_db


def registration(**overrides):
    data = {
        "email": "petya@example.org",
        "password": PASSWORD,
        "first_name": "Петя",
        "surname": "Смирнов",
        "birth_date": birth_date_for(10).isoformat(),
        "region": "52",
        "town": "Выкса",
        "guardian_email": "mama.petya@example.org",
    }
    return {**data, **overrides}


def test_a_wrong_password_is_a_400_with_its_code(client_for, student):
    answer = client_for().post("/api/auth/login/", {"email": student.user.email, "password": "nope"}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"code": "invalid_credentials", "detail": "Неверный email или пароль.", "field": None}


def test_a_child_too_young_is_refused_on_the_birth_date_field(client_for):
    answer = client_for().post(
        "/api/auth/register/", registration(birth_date=birth_date_for(5).isoformat()), format="json"
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "age_out_of_range" and body["field"] == "birth_date"
    assert "от 6 до 18 лет" in body["detail"]


def test_a_child_waiting_for_the_guardian_is_told_so_with_its_own_code(client_for):
    client = client_for()
    assert client.post("/api/auth/register/", registration(), format="json").status_code == 201
    answer = client.post("/api/auth/login/", {"email": "petya@example.org", "password": PASSWORD}, format="json")
    assert answer.status_code == 403
    assert answer.json()["code"] == "consent_pending"
    assert "согласия родителя" in answer.json()["detail"]


def test_a_reversed_watched_interval_names_its_field_and_code(client_for, student, lessons):
    lesson = lessons[0]
    lesson.video = VideoAsset.objects.create(title="Дыхание", status="ready", duration=100.0)
    lesson.save()
    answer = client_for(student.user).post(
        "/api/progress/", {"lesson": lesson.pk, "position": 1, "start": 5, "end": 1}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "code": "interval_reversed",
        "detail": "Конец просмотренного интервала раньше его начала.",
        "field": "end",
    }


def test_services_raise_the_one_exception_type_with_a_code(student, assignment):
    with pytest.raises(ServiceError) as refused:
        services.submit_work(student, assignment, title="   ", text="Стихотворение")
    assert refused.value.code == "title_required" and refused.value.field == "title" and refused.value.status == 400
