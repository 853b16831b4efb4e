import re

import pytest
from django.contrib.auth import get_user_model
from rest_framework.throttling import SimpleRateThrottle

from learning.models import Consent, Student
from tests.factories import PASSWORD, birth_date_for

pytestmark = pytest.mark.django_db


def register(client, **overrides):
    data = {
        "email": "petya@example.org",
        "password": PASSWORD,
        "first_name": "Петя",
        "surname": "Смирнов",
        "birth_date": birth_date_for(10).isoformat(),
        "region": "52",
        "town": "Выкса",
        "town_population": 52000,
        "guardian_email": "mama.petya@example.org",
    }
    data.update(overrides)
    return client.post("/api/auth/register/", data, format="json", REMOTE_ADDR="10.1.1.1")


def test_student_under_14_needs_guardian_consent(client_for, mailoutbox):
    client = client_for()
    response = register(client)
    assert response.status_code == 201, response.content
    student = Student.objects.get(user__email="petya@example.org")
    assert student.user.is_active is False
    assert not Consent.objects.exists()

    login = client.post("/api/auth/login/", {"email": "petya@example.org", "password": PASSWORD}, format="json")
    assert login.status_code == 403
    assert "согласия родителя" in login.json()["detail"]

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["mama.petya@example.org"]
    link = re.search(r"http://\S+/api/consent/guardian/(\S+)/", mail.body)
    assert link, mail.body
    page = client.get(link.group(0).replace("http://127.0.0.1:8000", ""))
    assert page.status_code == 200
    assert "Даю согласие" in page.content.decode()
    student.user.refresh_from_db()
    assert student.user.is_active is False, "opening the link (e.g. a mail scanner) must not consent"

    confirm = client.post(
        "/api/consent/guardian/", {"token": link.group(1), "password": PASSWORD}, format="json", REMOTE_ADDR="10.2.2.2"
    )
    assert confirm.status_code == 201, confirm.content
    consent = Consent.objects.get()
    assert (consent.kind, consent.email, consent.ip) == ("guardian", "mama.petya@example.org", "10.2.2.2")
    assert consent.text_version and consent.given_at
    student.refresh_from_db()
    assert student.user.is_active is True
    assert student.guardian.email == "mama.petya@example.org"
    login = client.post("/api/auth/login/", {"email": "petya@example.org", "password": PASSWORD}, format="json")
    assert login.status_code == 200


def test_guardian_confirms_through_the_emailed_page(client, client_for, mailoutbox):
    register(client_for())
    url = re.search(r"http://\S+(/api/consent/guardian/\S+/)", mailoutbox[0].body).group(1)
    response = client.post(url, {"password": ""}, REMOTE_ADDR="10.3.3.3")
    assert response.status_code == 200
    assert "Согласие записано" in response.content.decode()
    assert Student.objects.get().user.is_active
    assert Consent.objects.get().ip == "10.3.3.3"


def test_student_from_14_gives_own_consent_and_is_active_at_once(client_for, mailoutbox):
    response = register(client_for(), birth_date=birth_date_for(15).isoformat(), guardian_email="", consent=True)
    assert response.status_code == 201, response.content
    student = Student.objects.get()
    assert student.user.is_active
    consent = Consent.objects.get()
    assert (consent.kind, consent.email, consent.ip) == ("own", "petya@example.org", "10.1.1.1")
    assert mailoutbox == []


def test_student_from_14_must_tick_consent(client_for):
    response = register(client_for(), birth_date=birth_date_for(15).isoformat(), guardian_email="")
    assert response.status_code == 400
    assert response.json()["field"] == "consent"
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize("age", [5, 19])
def test_registration_refuses_children_outside_6_to_18(client_for, age):
    response = register(client_for(), birth_date=birth_date_for(age).isoformat())
    assert response.status_code == 400
    assert "от 6 до 18 лет" in response.json()["detail"]
    assert not Student.objects.exists()


def test_under_14_without_guardian_email_is_told_why(client_for):
    response = register(client_for(), guardian_email="")
    assert response.status_code == 400
    assert "email родителя" in response.json()["detail"]


def test_tampered_guardian_link_is_refused(client_for, mailoutbox):
    client = client_for()
    register(client)
    token = re.search(r"/api/consent/guardian/(\S+)/", mailoutbox[0].body).group(1)
    response = client.post("/api/consent/guardian/", {"token": token[:-2] + "xx"}, format="json")
    assert response.status_code == 400
    assert "Ссылка повреждена" in response.json()["detail"]
    assert not Student.objects.get().user.is_active


def test_registration_is_throttled_against_mass_sign_ups(client_for, monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "register": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    client = client_for()
    codes = [register(client, email=f"kid{n}@example.org").status_code for n in range(3)]
    assert codes == [201, 201, 429]
    assert Student.objects.count() == 2


def test_login_is_throttled_against_password_guessing(client_for, student):
    client = client_for()
    guesses = [{"email": "anya@example.org", "password": f"guess{n}"} for n in range(11)]
    codes = [client.post("/api/auth/login/", guess, format="json").status_code for guess in guesses]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429


@pytest.mark.parametrize(
    ("layout", "stylesheet"), [("site_theme/base.html", "site_theme/css/site.css"), ("", "learning/pages.css")]
)
def test_the_consent_page_is_styled_by_a_stylesheet_the_csp_allows(
    client, client_for, mailoutbox, settings, layout, stylesheet
):
    settings.LEARNING_PAGE_LAYOUT = layout
    register(client_for())
    url = re.search(r"http://\S+(/api/consent/guardian/\S+/)", mailoutbox[0].body).group(1)
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200 and "Даю согласие" in page
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert "<style" not in page and " style=" not in page  # the CSP would block inline styles
    assert f'href="/static/{stylesheet}"' in page
    assert ('class="site-header"' in page) == bool(layout)
