"""The installable site: the web app manifest, the service worker (served from the site root so its
scope is the whole site) and the «Нет сети» page it shows when a page was never seen.

The worker itself is `templates/site_theme/pwa/sw.js`: Workbox's runtime (vendored, `make vendor`),
network-first for anonymous public pages, cache-first for fingerprinted static files, lesson
downloads from the device. What it may keep is decided by the server's own caching headers: only
answers marked `Cache-Control: public` (anonymous pages without a secret, config/http_cache.py) are
stored, so a signed-in person's pages, the cabinet, the admin and the API never are."""

import hashlib
import json

from django.contrib.staticfiles import finders
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

# Static files the worker keeps at install: what any page needs to draw and the player to play.
SHELL_STATIC = [
    "site_theme/css/site.css",
    "site_theme/js/site.js",
    "site_theme/js/offline.js",
    "site_theme/js/player.js",
    "site_theme/vendor/hls.light.min.js",
    "site_theme/favicon.svg",
    "site_theme/icons/icon-192.png",
]
# Paths whose answers the worker never stores (it only passes them to the network), whoever asks.
PRIVATE_PREFIXES = ["/admin/", "/django-admin/", "/cabinet/", "/preview/", "/api/", "/dev/", "/accounts/"]


@require_safe
@cache_control(public=True, max_age=86400)
def manifest(request):
    icons = [
        {"src": static(f"site_theme/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
         "purpose": "any maskable"}
        for size in (192, 512)
    ]  # fmt: skip
    data = {
        "name": "Поколение М — мастер-классы для детей",
        "short_name": "Поколение М",
        "description": "Бесплатные видео-мастер-классы для детей 6–18 лет со всей России.",
        "lang": "ru",
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#3d1f73",
        "icons": icons,
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False, indent=1), content_type="application/manifest+json")


@require_safe
@cache_control(no_cache=True)
def service_worker(request):
    """The worker's script, `no-cache` with an ETag, so a browser's update check costs a 304. Its
    version is a digest of its text and of the shell files, so any change to them installs a new
    worker (which drops the old shell)."""
    body = render_to_string(
        "site_theme/pwa/sw.js",
        {
            "shell": [static(name) for name in SHELL_STATIC],
            "private_prefixes": PRIVATE_PREFIXES,
            "workbox": static("site_theme/vendor/workbox.min.js"),
        },
    )
    digest = hashlib.sha256(body.encode())
    for name in SHELL_STATIC:
        path = finders.find(name)
        if path:
            with open(path, "rb") as handle:
                digest.update(handle.read())
    version = digest.hexdigest()[:12]
    etag = f'"{version}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body.replace("__VERSION__", version), content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Service-Worker-Allowed"] = "/"
    return response


@require_safe
def offline(request):
    """The page the worker shows for a page it has not kept; it is kept at install."""
    return render(request, "site_theme/pwa/offline.html")
