"""Adults sign up and sign in by a code from an email (django-allauth): one typed field besides the
code, back at the work they wanted to like; nothing about the adult is public."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.test import Client

from engagement import services as engagement


def code_in(message):
    """The one-time code in allauth's email: two groups of four letters or digits joined by a dash."""
    match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


def ask_for_code(client, email, next_url=""):
    data = {"email": email}
    if next_url:
        data["next"] = next_url
    return client.post("/cabinet/login/code/", data)


@pytest.mark.django_db
def test_grandmother_signs_up_by_code_and_likes_the_work_she_came_from(client, public_work, mailoutbox):
    work_url = f"/gallery/{public_work.pk}/"
    before = engagement.counter()["raised_kopecks"]

    # Screen 1: the sign-in page, one field.
    login_page = client.get(f"/cabinet/login/?next={work_url}")
    assert "Электронная почта" in login_page.content.decode()
    response = ask_for_code(client, "Babushka@Example.ru", work_url)
    assert response.status_code == 302, response.content.decode()[:2000]

    # Screen 2: the code from the letter; the browser's tab names the same step as the heading.
    code_page = client.get(response["Location"])
    assert code_page.status_code == 200
    html = code_page.content.decode()
    tab = " ".join(re.search(r"<title>(.*?)</title>", html, re.S).group(1).split())
    heading = " ".join(re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).split())
    assert tab == f"{heading} — Поколение М", (tab, heading)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["babushka@example.ru"]
    response = client.post(response["Location"], {"code": code_in(mailoutbox[0])})

    # Screen 3: back at the work, signed in; the like counts once.
    assert response.status_code == 302 and response["Location"] == work_url
    user = get_user_model().objects.get(email="babushka@example.ru")
    assert user.username == "babushka@example.ru" and not hasattr(user, "student")
    assert EmailAddress.objects.get(user=user).verified
    like = client.post(f"/gallery/{public_work.pk}/like/", {"action": "like"}, HTTP_ACCEPT="application/json")
    assert like.status_code == 200 and like.json()["liked"]
    assert engagement.counter()["raised_kopecks"] == before + 100
    client.post(f"/gallery/{public_work.pk}/like/", {"action": "like"}, HTTP_ACCEPT="application/json")
    assert engagement.counter()["raised_kopecks"] == before + 100

    # Nothing about the adult is public: the work page and the public API do not name her.
    anyone = Client()
    assert "babushka" not in anyone.get(work_url).content.decode()
    assert "babushka" not in anyone.get("/api/works/").content.decode()


@pytest.mark.django_db
def test_a_known_adult_signs_in_by_code_the_same_way(client, visitor, mailoutbox):
    response = ask_for_code(client, "gost@example.ru")
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    response = client.post(response["Location"], {"code": code_in(mailoutbox[0])})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == visitor.pk
    assert EmailAddress.objects.get(user=visitor).verified


@pytest.mark.django_db
def test_a_wrong_code_is_refused_in_russian_and_an_expired_one_too(client, mailoutbox, settings):
    response = ask_for_code(client, "deda@example.ru")
    code_url = response["Location"]
    client.get(code_url)
    wrong = client.post(code_url, {"code": "AAAAAA" if code_in(mailoutbox[0]) != "AAAAAA" else "BBBBBB"})
    assert wrong.status_code < 500
    assert "Неверный код" in wrong.content.decode() or "неверный код" in wrong.content.decode().lower()
    assert not get_user_model().objects.get(email="deda@example.ru").emailaddress_set.filter(verified=True).exists()

    settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = -1
    expired = client.post(code_url, {"code": code_in(mailoutbox[0])})
    assert 300 <= expired.status_code < 500
    assert not get_user_model().objects.get(email="deda@example.ru").emailaddress_set.filter(verified=True).exists()


@pytest.mark.django_db
def test_bad_email_and_child_waiting_for_consent_get_clear_answers(client, season_tree, mailoutbox):
    from tests.site_theme.test_sign_in_consent_pending import register_under_14

    bad = ask_for_code(client, "не почта")
    assert bad.status_code == 400
    assert "Введите правильный адрес электронной почты" in bad.content.decode()

    register_under_14()
    mailoutbox.clear()
    pending = ask_for_code(client, "petya@example.ru")
    assert pending.status_code == 403
    assert "ждёт согласия родителя" in pending.content.decode()
    assert mailoutbox == []
