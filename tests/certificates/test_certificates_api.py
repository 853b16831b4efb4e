"""`GET /api/certificates/`: a child's certificates, a guardian's children's; the badges; the
public check of a code shows only what the verification page shows."""

import pytest
from django.contrib.auth import get_user_model

from certificates.models import Certificate

pytestmark = pytest.mark.django_db


def test_a_child_lists_their_certificates_with_pdf_and_verification_links(student, reach, client_for):
    reach(student, "shortlisted")

    response = client_for(student.user).get("/api/certificates/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert sorted(row["kind"] for row in rows) == ["finalist", "participant"]
    row = next(r for r in rows if r["kind"] == "finalist")
    certificate = Certificate.objects.get(code=row["code"])
    assert row == {
        "code": certificate.code,
        "number": certificate.display_number,
        "kind": "finalist",
        "kind_display": "финалист конкурса",
        "holder_name": "Аня Колесникова",
        "season": certificate.season.name,
        "direction": "Живопись",
        "title": "Портрет моей семьи",
        "issued_at": row["issued_at"],
        "hours": None,
        "valid": True,
        "revoked_reason": "",
        "pdf_url": f"http://testserver/certificates/{certificate.code}/pdf/",
        "verify_url": f"http://testserver/certificates/{certificate.code}/",
    }


def test_a_guardian_sees_their_childrens_certificates_and_nobody_elses(
    student, make_student, reach, client_for, make_user
):
    brother = make_student(email="petya@example.org", first_name="Петя", surname="Колесников", age=9)
    stranger = make_student(email="kira@example.org", first_name="Кира", surname="Лис", age=15)
    for child in (student, brother, stranger):
        reach(child)
    guardian = get_user_model().objects.get(email="parent.anya@example.org")
    brother.guardian = guardian
    brother.save()

    names = {row["holder_name"] for row in client_for(guardian).get("/api/certificates/").json()["results"]}

    assert names == {"Аня Колесникова", "Петя Колесников"}
    assert client_for(make_user("someone")).get("/api/certificates/").json()["results"] == []
    assert client_for().get("/api/certificates/").status_code == 403


def test_the_list_costs_the_same_queries_for_many_certificates(
    make_student, reach, client_for, django_assert_max_num_queries
):
    child = make_student()
    reach(child)
    client = client_for(child.user)
    with django_assert_max_num_queries(10) as few:
        client.get("/api/certificates/")
    for n in range(6):
        reach(make_student(email=f"kid{n}@example.org", first_name="Кид", surname=f"Номер{n}", age=15))
    Certificate.objects.update(holder=child.user)  # one account holding many

    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = client.get("/api/certificates/").json()["results"]
    assert len(rows) == 7


def test_the_public_check_shows_first_name_and_initial_only(student, reach, client_for):
    reach(student)
    certificate = Certificate.objects.get(holder=student.user)

    facts = client_for().get(f"/api/certificates/verify/{certificate.code.lower()}/").json()

    assert facts == {
        "code": certificate.code,
        "holder": "Аня К.",
        "kind": "participant",
        "kind_display": "участник конкурса",
        "season": certificate.season.name,
        "direction": "Живопись",
        "valid": True,
        "revoked_reason": "",
        "hours": None,
    }


def test_badges_come_in_order_earned_or_ahead(student, reach, client_for):
    reach(student, "winner")

    badges = client_for(student.user).get("/api/certificates/badges/").json()

    assert [(b["key"], b["earned"]) for b in badges] == [
        ("first_lesson", False),
        ("first_work", True),
        ("first_masterclass", False),
        ("finalist", True),
        ("winner", True),
    ]
