"""A child under 14 whose guardian has not yet consented signs in on the site's form: the site says
why (the same words as the API) and lets the child send the guardian's link again."""

import datetime
import re

from django.utils import timezone

from tests.factories import PASSWORD


def register_under_14(guardian_email="mama@example.org"):
    from cms.models import Region
    from learning import services as learning

    today = timezone.localdate()
    return learning.register_student(
        email="petya@example.ru",
        password=PASSWORD,
        first_name="Петя",
        surname="Иванов",
        birth_date=today.replace(year=today.year - 10) - datetime.timedelta(days=3),
        region=Region.objects.order_by("name").first(),
        town="Кириллов",
        guardian_email=guardian_email,
    )


def test_child_waiting_for_consent_is_told_so_not_wrong_password(client, season_tree, mailoutbox):
    register_under_14()
    response = client.post("/cabinet/login/", {"username": "petya@example.ru", "password": PASSWORD})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Неверный email или пароль" not in page
    assert "ждёт согласия родителя" in page
    assert "mama@example.org" in page
    assert "Отправить письмо родителю ещё раз" in page

    api = client.post(
        "/api/auth/login/", {"email": "petya@example.ru", "password": PASSWORD}, content_type="application/json"
    )
    assert api.status_code == 403
    assert "ждёт согласия родителя" in api.json()["detail"]


def test_a_wrong_password_is_still_a_wrong_password(client, season_tree):
    register_under_14()
    response = client.post("/cabinet/login/", {"username": "petya@example.ru", "password": "not-it-2026"})
    page = response.content.decode()
    assert "Неверный email или пароль" in page
    assert "ждёт согласия" not in page
    assert "Отправить письмо родителю ещё раз" not in page


def test_child_resends_the_guardians_link_once_per_interval(client, season_tree, mailoutbox):
    register_under_14()
    assert len(mailoutbox) == 1
    # Without typing the right password first nothing is sent.
    client.post("/cabinet/login/resend-consent/")
    assert len(mailoutbox) == 1

    client.post("/cabinet/login/", {"username": "petya@example.ru", "password": PASSWORD})
    response = client.post("/cabinet/login/resend-consent/", follow=True)
    assert "Отправили письмо со ссылкой ещё раз на mama@example.org" in response.content.decode()
    assert len(mailoutbox) == 2
    assert mailoutbox[1].to == ["mama@example.org"]
    link = re.search(r"http://\S+(/api/consent/guardian/\S+/)", mailoutbox[1].body).group(1)
    assert client.get(link).status_code == 200

    again = client.post("/cabinet/login/resend-consent/", follow=True)
    assert "Повторить можно через 10 мин" in again.content.decode()
    assert len(mailoutbox) == 2


def test_another_front_end_resends_the_link_through_the_api(client, season_tree, mailoutbox):
    register_under_14()
    wrong = client.post(
        "/api/auth/resend-consent/",
        {"email": "petya@example.ru", "password": "nope-2026"},
        content_type="application/json",
    )
    assert wrong.status_code == 400 and len(mailoutbox) == 1
    sent = client.post(
        "/api/auth/resend-consent/",
        {"email": "petya@example.ru", "password": PASSWORD},
        content_type="application/json",
    )
    assert sent.status_code == 202 and "mama@example.org" in sent.json()["detail"]
    assert len(mailoutbox) == 2 and mailoutbox[1].to == ["mama@example.org"]
