"""Sign-in with VK ID through a real OAuth 2.1 server on 127.0.0.1 (tests/vk_id_server.py): PKCE
S256, a child of 14+ gives their own consent, a child under 14 waits for the guardian, linking and
unlinking in the cabinet, VK's surname and birth date never published, and every failure a Russian 4xx."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from cms.models import Region
from learning import services as learning
from learning.models import Consent
from tests import factories
from tests.vk_id_server import s256, vk_user


def years_ago(years, days=3):
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


def vk_sign_in(client, vk, *, next_url="", process="login", tamper_state=False):
    """The browser's part: press the VK ID button, let VK ID answer, come back to the callback."""
    data = {"process": process}
    if next_url:
        data["next"] = next_url
    start = client.post("/accounts/vk/login/", data)
    assert start.status_code == 302, start.content.decode()[:1000]
    assert start["Location"].startswith(f"{vk.url}/authorize?")
    answer = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    query = back.query
    if tamper_state:
        params = {key: values[0] for key, values in parse_qs(query).items()}
        params["state"] = "someone-elses-state"
        query = "&".join(f"{key}={value}" for key, value in params.items())
    return client.get(f"{back.path}?{query}")


def profile(email, *, birth_date, guardian_email="", consent=True, surname="Соколова"):
    return {
        "first_name": "Маша",
        "surname": surname,
        "birth_date": birth_date.isoformat(),
        "region": Region.objects.order_by("name").first().pk,
        "town": "Кириллов",
        "email": email,
        "guardian_email": guardian_email,
        "consent": "on" if consent else "",
    }


@pytest.mark.django_db
def test_a_15_year_old_signs_in_with_vk_id_and_gives_own_consent(client, vk_id, season_tree):
    vk_id.user = vk_user(7001, "Маша", "Соколова", years_ago(15), email="masha@example.ru")

    response = vk_sign_in(client, vk_id)

    # PKCE S256: the verifier sent at the token exchange hashes to the challenge of /authorize.
    authorize = next(params for method, path, params in vk_id.requests if path == "/authorize")
    token = next(params for method, path, params in vk_id.requests if path == "/oauth2/auth")
    assert authorize["code_challenge_method"] == "S256"
    assert s256(token["code_verifier"]) == authorize["code_challenge"]
    assert token["device_id"] and "vkid.personal_info" in authorize["scope"]

    # A new VK ID account chooses «Я ученик» and finds the profile form pre-filled from VK.
    assert response.status_code == 302 and response["Location"].startswith("/cabinet/welcome/")
    welcome = client.get(response["Location"]).content.decode()
    assert "Я ученик" in welcome and "Я взрослый" in welcome
    form = client.get("/cabinet/profile/").context["form"]
    assert form.initial["first_name"] == "Маша" and form.initial["surname"] == "Соколова"
    assert form.initial["birth_date"] == years_ago(15)
    assert form.initial["email"] == "masha@example.ru"

    saved = client.post("/cabinet/profile/", profile("masha@example.ru", birth_date=years_ago(15)))
    assert saved.status_code == 302, saved.content.decode()[:3000]
    user = SocialAccount.objects.get(provider="vk", uid="7001").user
    assert user.is_active and user.student.surname == "Соколова"
    own = Consent.objects.get(student=user.student)
    assert own.kind == Consent.Kind.OWN and own.email == "masha@example.ru"

    # Next time VK ID signs the same account in, straight to the cabinet.
    again = Client()
    response = vk_sign_in(again, vk_id)
    assert response.status_code == 302 and not response["Location"].startswith("/cabinet/welcome/")
    assert int(again.session["_auth_user_id"]) == user.pk


@pytest.mark.django_db
def test_a_child_under_14_with_vk_id_waits_for_the_guardian(client, vk_id, season_tree, mailoutbox):
    vk_id.user = vk_user(7002, "Петя", "Иванов", years_ago(10))
    vk_sign_in(client, vk_id)
    missing = client.post("/cabinet/profile/", profile("petya@example.ru", birth_date=years_ago(10), consent=False))
    assert missing.status_code == 400
    assert "До 14 лет нужен email родителя" in missing.content.decode()

    pending = client.post(
        "/cabinet/profile/", profile("petya@example.ru", birth_date=years_ago(10), guardian_email="mama@example.org")
    )
    assert pending.status_code == 200
    assert "mama@example.org" in pending.content.decode()
    user = SocialAccount.objects.get(provider="vk", uid="7002").user
    assert not user.is_active and "_auth_user_id" not in client.session
    assert [m.to for m in mailoutbox] == [["mama@example.org"]]

    # VK ID again before the guardian confirmed: told why, not let in.
    blocked = vk_sign_in(Client(), vk_id)
    assert blocked.status_code == 403
    assert "mama@example.org" in blocked.content.decode()

    learning.confirm_guardian_consent(learning.guardian_token(user.student))
    let_in = Client()
    response = vk_sign_in(let_in, vk_id)
    assert response.status_code == 302
    assert int(let_in.session["_auth_user_id"]) == user.pk
    assert Consent.objects.filter(student=user.student, kind=Consent.Kind.GUARDIAN).exists()


@pytest.mark.django_db
def test_an_adult_with_vk_id_is_done_after_choosing_adult(client, vk_id, season_tree):
    vk_id.user = vk_user(7003, "Ольга", "Петрова", years_ago(40))
    response = vk_sign_in(client, vk_id, next_url="/gallery/")
    assert response["Location"] == "/cabinet/welcome/?next=%2Fgallery%2F"
    page = client.get(response["Location"]).content.decode()
    assert 'href="/gallery/">Я взрослый' in page
    user = SocialAccount.objects.get(provider="vk", uid="7003").user
    assert user.is_active and not hasattr(user, "student") and user.last_name == ""


@pytest.mark.django_db
def test_vk_id_is_linked_and_unlinked_in_the_cabinet(client, vk_id, visitor, season_tree):
    client.force_login(visitor)
    assert "Привязать VK ID" in client.get("/cabinet/").content.decode()
    vk_id.user = vk_user(7004, "Гость", "Гостев", years_ago(50))
    vk_sign_in(client, vk_id, process="connect", next_url="/cabinet/")
    assert SocialAccount.objects.get(provider="vk", uid="7004").user == visitor
    assert "Отвязать VK ID" in client.get("/cabinet/").content.decode()

    # Signing in with that VK ID now opens the same account.
    other = Client()
    vk_sign_in(other, vk_id)
    assert int(other.session["_auth_user_id"]) == visitor.pk

    response = client.post("/cabinet/vk/unlink/", follow=True)
    assert "VK ID отвязан" in response.content.decode()
    assert not SocialAccount.objects.filter(user=visitor).exists()


@pytest.mark.django_db
def test_the_last_way_in_is_not_unlinked(client, vk_id, season_tree):
    vk_id.user = vk_user(7005, "Ольга", "Петрова", years_ago(40))
    vk_sign_in(client, vk_id)
    response = client.post("/cabinet/vk/unlink/", follow=True)
    assert "Без VK ID в аккаунт будет не войти" in response.content.decode()
    assert SocialAccount.objects.filter(uid="7005").exists()


@pytest.mark.django_db
def test_what_vk_returned_is_never_published(client, vk_id, assignment, moderator, campaign):
    born = years_ago(15, days=40)
    vk_id.user = vk_user(7006, "Маша", "Соколова", born, email="masha@example.ru")
    vk_sign_in(client, vk_id)
    client.post("/cabinet/profile/", profile("masha@example.ru", birth_date=born))
    student = SocialAccount.objects.get(uid="7006").user.student
    work = learning.submit_work(student, assignment, title="Моя обложка", files=[factories.png_upload()])
    learning.approve_submission(work, moderator)

    anyone = Client()
    for url in (f"/gallery/{work.pk}/", "/gallery/", "/api/works/", f"/api/works/{work.pk}/"):
        page = anyone.get(url).content.decode()
        assert "Соколова" not in page, url
        assert born.strftime("%d.%m.%Y") not in page and born.isoformat() not in page, url
    assert "Маша С." in anyone.get(f"/gallery/{work.pk}/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("failure", ["pkce", "state", "denied", "error"])
def test_a_failed_vk_id_sign_in_is_a_clear_russian_400(client, vk_id, season_tree, failure):
    vk_id.user = vk_user(7007, "Вася", "Пупкин", years_ago(16))
    if failure == "pkce":
        vk_id.break_pkce = True  # the server no longer accepts this browser's code_verifier
    if failure == "denied":
        vk_id.deny = "access_denied"
    if failure == "error":
        vk_id.deny = "server_error"
    response = vk_sign_in(client, vk_id, tamper_state=failure == "state")
    page = response.content.decode()
    assert response.status_code == 400, page[:2000]
    assert "VK ID" in page and ("отменён" in page or "Не получилось войти" in page)
    assert not SocialAccount.objects.exists()
    assert not get_user_model().objects.filter(first_name="Вася").exists()


@pytest.mark.django_db
def test_without_vk_credentials_the_button_explains_and_the_route_is_a_404(client, season_tree, settings):
    settings.VK_ID_CLIENT_ID = ""
    page = client.get("/cabinet/login/").content.decode()
    assert "Вход через VK ID на этом сайте ещё не настроен" in page
    response = client.post("/accounts/vk/login/")
    assert response.status_code == 404
    assert "не настроен" in response.content.decode()


@pytest.mark.django_db
def test_deleting_the_account_erases_what_vk_returned(client, vk_id, season_tree):
    vk_id.user = vk_user(7008, "Маша", "Соколова", years_ago(15), email="masha2@example.ru")
    vk_sign_in(client, vk_id)
    client.post("/cabinet/profile/", profile("masha2@example.ru", birth_date=years_ago(15)))
    student = SocialAccount.objects.get(uid="7008").user.student
    exported = learning.export_student_data(student)
    assert exported["sign_in"]["vk_id"][0]["data"]["last_name"] == "Соколова"

    learning.delete_student_account(student)
    assert not SocialAccount.objects.filter(uid="7008").exists()


@pytest.mark.django_db
def test_vk_id_with_another_accounts_email_does_not_open_that_account(client, vk_id, visitor, season_tree):
    vk_id.user = vk_user(7009, "Гость", "Гостев", years_ago(45), email="gost@example.ru")
    response = vk_sign_in(client, vk_id)
    assert response.status_code == 302 and response["Location"].startswith("/cabinet/welcome/")
    newcomer = SocialAccount.objects.get(uid="7009").user
    assert newcomer != visitor and newcomer.email == ""
    assert int(client.session["_auth_user_id"]) == newcomer.pk
