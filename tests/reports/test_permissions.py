"""Only editors (and superusers) read the season report; the home panel and menu item follow."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_the_admin_login(client, world):
    response = client.get(reverse("reports_season"))
    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response["Location"]


def test_moderator_cannot_open_or_export_the_report(client, moderator, world):
    client.force_login(moderator)
    assert client.get(reverse("reports_season")).status_code in (302, 403)
    response = client.get(reverse("reports_export", args=["regions"]), {"export": "csv"})
    assert response.status_code in (302, 403)
    assert b"\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0" not in response.content  # no "Москва" row leaks


def test_editor_sees_menu_item_and_home_panel_with_figures(editor_client, world):
    home = editor_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Цифры сезона: Сезон 2026/27" in home
    assert "Активные ученики" in home
    assert reverse("reports_season") in home


def test_moderator_home_has_no_season_panel(client, moderator, world):
    client.force_login(moderator)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Цифры сезона" not in home
    assert reverse("reports_season") not in home
