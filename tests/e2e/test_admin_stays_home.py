"""In Chromium: the admin asks no outside host for anything (no release check at
releases.wagtail.org, no avatars from gravatar.com), for a superuser who would see both."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model

from tests.factories import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Kraski-2026-leto"


def test_admin_pages_request_nothing_from_other_hosts(new_page, live_server, migrated_data):
    get_user_model().objects.create_superuser("chief", "chief@example.org", PASSWORD)
    page = new_page(DESKTOP)
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

    page.goto("/admin/login/")
    page.locator("input[name=username]").fill("chief")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/admin/$"))
    for path in ["/admin/", "/admin/account/", "/admin/users/", "/admin/pages/"]:
        page.goto(path)
        page.wait_for_load_state("networkidle")

    assert hosts == {urlsplit(live_server.url).netloc}
