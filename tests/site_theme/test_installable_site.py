"""The installable site: a Russian manifest with PNG icons, a service worker served at the root with
its scope and an ETag, and the «Нет сети» page it keeps; the worker stores only answers the server
marks public."""

import json
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

pytestmark = pytest.mark.django_db


def test_every_page_links_the_manifest_and_the_manifest_names_the_site_in_russian(client, season_tree):
    page = client.get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page

    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"].startswith("Поколение М")
    assert manifest["short_name"] == "Поколение М"
    assert manifest["lang"] == "ru" and manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"]: icon["src"] for icon in manifest["icons"]}
    assert set(sizes) == {"192x192", "512x512"}
    for size, url in sizes.items():
        with Image.open(finders.find(url.removeprefix("/static/"))) as icon:
            assert icon.format == "PNG" and f"{icon.width}x{icon.height}" == size


def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert 'importScripts("/static/site_theme/vendor/workbox.min.js")' in body
    assert "/offline/" in body and "/static/site_theme/js/player.js" in body
    # The private areas are never cached, whoever asks.
    for prefix in ("/cabinet/", "/admin/", "/api/"):
        assert f'"{prefix}"' in body
    # A browser's update check costs a 304.
    again = client.get("/sw.js", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_vendored_workbox_runtime_has_the_modules_the_worker_uses():
    runtime = Path(finders.find("site_theme/vendor/workbox.min.js")).read_text(encoding="utf-8")
    for module in ("core", "routing", "strategies", "expiration", "cacheableResponse", "rangeRequests"):
        assert f"this.workbox.{module}=" in runtime
    assert "sourceMappingURL" not in runtime


def test_the_offline_page_says_there_is_no_network(client):
    response = client.get("/offline/")
    assert response.status_code == 200
    assert "<h1>Нет сети</h1>" in response.content.decode()


def test_anonymous_pages_are_public_and_signed_in_pages_private_which_is_what_the_worker_keeps(
    client, season_tree, make_student
):
    lesson = season_tree["lesson"]
    assert "public" in client.get(lesson.url)["Cache-Control"]

    student = make_student()
    client.force_login(student.user)
    assert "private" in client.get(lesson.url)["Cache-Control"]
    assert "public" not in client.get("/cabinet/")["Cache-Control"]
