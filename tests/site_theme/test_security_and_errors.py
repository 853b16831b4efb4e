"""What a visitor's browser is told: a CSP that allows only our origin, friendly Russian error pages,
and framing allowed only where it must be (the partners' counter widget, the admin's preview)."""

import pytest


def csp_of(response):
    return dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip())


@pytest.mark.django_db
def test_site_pages_allow_scripts_styles_and_fonts_only_from_our_origin(client):
    response = client.get("/")
    assert response.status_code == 200
    policy = csp_of(response)
    for directive in ("default-src", "script-src", "style-src", "font-src", "connect-src"):
        assert policy[directive] == "'self'", directive
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"


@pytest.mark.django_db
def test_wagtail_admin_keeps_its_own_inline_code_working(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response


@pytest.mark.django_db
def test_counter_widget_can_be_framed_by_partner_sites_and_shows_the_number_without_js(client):
    response = client.get("/widget/counter/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert csp_of(response)["frame-ancestors"] == "*"
    html = response.content.decode()
    assert "Собрано на лечение детей" in html
    assert "0\u00a0₽" in html
    assert 'rel="icon" href="/static/site_theme/favicon.svg' in html  # else the browser asks for /favicon.ico: a 404


@pytest.mark.django_db
def test_other_pages_refuse_to_be_framed(client):
    response = client.get("/search/")
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_preview_route_may_be_framed_by_the_admin_only(client):
    response = client.get("/preview/?content_type=cms.homepage&token=forged")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert csp_of(response)["frame-ancestors"] == "'self'"


@pytest.mark.django_db
def test_unknown_address_gets_a_friendly_russian_404(client, settings):
    settings.DEBUG = False
    response = client.get("/takoy-stranitsy-net/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Такой страницы нет" in html
    assert 'action="/search/"' in html


@pytest.mark.django_db
def test_server_error_gets_a_friendly_russian_500_without_details(client, settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.site_theme.failing_urls"
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Что-то пошло не так" in html
    assert "RuntimeError" not in html and "a bug" not in html


@pytest.mark.django_db
def test_a_form_over_the_size_limit_gets_a_russian_400_that_says_what_to_do(client, settings):
    settings.DEBUG = False
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    response = client.post("/cabinet/login/", {"username": "anya", "password": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "Слишком много данных за раз" in html and "не больше 1 МБ" in html
    assert "Bad Request" not in html


@pytest.mark.django_db
def test_an_api_body_over_the_size_limit_gets_a_russian_400_in_json(client, settings):
    settings.DEBUG = False
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = '{"email": "a@example.org", "first_name": "' + "я" * (1024 * 1024) + '"}'
    response = client.post("/api/auth/register/", body, content_type="application/json")
    assert response.status_code == 400
    assert "больше 1 МБ" in response.json()["detail"]


@pytest.mark.django_db
def test_a_form_with_a_stale_csrf_token_gets_a_russian_403(settings):
    from django.test import Client

    settings.DEBUG = False
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/cabinet/login/", {"username": "anya", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Форма устарела" in html and "обновите страницу" in html.lower()
    assert "CSRF verification failed" not in html and "Forbidden" not in html


@pytest.mark.django_db
def test_an_api_call_without_the_csrf_token_is_refused_in_russian(settings, django_user_model):
    from django.test import Client

    user = django_user_model.objects.create_user("ученик", password="x")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.post("/api/auth/logout/")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"] and "X-CSRFToken" in response.json()["detail"]
    assert "Failed" not in response.json()["detail"]


@pytest.mark.django_db
def test_a_refused_page_gets_a_russian_403_without_the_reason_inside(client, settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.site_theme.failing_urls"
    response = client.get("/forbidden/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Сюда нельзя" in html and '<html lang="ru">' in html
    assert "internal reason" not in html and "403 Forbidden" not in html
