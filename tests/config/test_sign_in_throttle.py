"""Passwords cannot be guessed through any sign-in form: the admins' login pages and the site's
share the API's budget per client address (THROTTLE_LOGIN, 10 a minute)."""

import pytest

PASSWORD = "Верный-пароль-2026"


@pytest.fixture(autouse=True)
def clean_state(fresh_cache, fast_password_hashing):
    """Each test starts with no sign-in attempts counted."""


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("editor", "editor@example.org", PASSWORD, is_staff=True)


def test_admin_sign_in_refuses_guesses_past_the_limit(client, editor):
    wrong = {"username": "editor", "password": "угадываю"}
    answers = [client.post("/admin/login/", wrong).status_code for _ in range(10)]
    assert answers == [200] * 10  # the form again, with its error

    refused = client.post("/admin/login/", {"username": "editor", "password": PASSWORD})

    assert refused.status_code == 429
    assert "Слишком много попыток входа" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session  # even the right password waits


def test_all_sign_in_forms_share_one_budget_per_address(client, editor):
    for _ in range(4):
        client.post(
            "/api/auth/login/", {"email": "editor@example.org", "password": "x"}, content_type="application/json"
        )
    for _ in range(3):
        client.post("/django-admin/login/", {"username": "editor", "password": "x"})
    for _ in range(3):
        client.post("/cabinet/login/", {"username": "editor@example.org", "password": "x"})

    assert client.post("/admin/login/", {"username": "editor", "password": PASSWORD}).status_code == 429
    assert client.post("/cabinet/login/", {"username": "editor", "password": PASSWORD}).status_code == 429


def test_another_address_still_signs_in(client, editor):
    for _ in range(10):
        client.post("/admin/login/", {"username": "editor", "password": "x"}, REMOTE_ADDR="203.0.113.7")

    response = client.post("/admin/login/", {"username": "editor", "password": PASSWORD}, REMOTE_ADDR="198.51.100.2")

    assert response.status_code == 302
