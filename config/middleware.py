"""Request guards that hold for every view of the platform."""

import functools
from urllib.parse import unquote_to_bytes

import brotli
from django.conf import settings
from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.urls import NoReverseMatch, resolve, reverse
from django.utils.cache import patch_vary_headers

from config.error_pages import refusal

NUL_MESSAGE = "Адрес содержит недопустимый символ (NUL, %00): уберите его из ссылки или параметров."


class EarlyRoutesMiddleware:
    """The platform's busiest addresses, answered before the rest of the site's middleware, which
    they do not need (no session, CSRF token, user, language, page cache or content security policy):
    - VKontakte's Callback API, which posts every like and repost on the communities' walls: the
      middleware below cost a callback more CPU than its own work (0.30 of 0.54 ms);
    - the donation counter, which every open page and partner widget polls: its answer is kept in
      each process (engagement.api.DonationCounterView), yet the page cache below looked it up in
      the shared cache on every request.
    bench/bench_vk_callback.py and bench/bench_ledger.py measure both. The host is still checked
    against ALLOWED_HOSTS and the views' own decorators still apply. The routes stay in
    config/urls.py, by name."""

    ROUTES = ("vk-callback", "engagement-counter")

    def __init__(self, get_response):
        self.get_response = get_response
        self.views = None

    def __call__(self, request):
        if self.views is None:
            views = {}
            for name in self.ROUTES:
                try:
                    address = reverse(name)
                except NoReverseMatch:  # a site without the route (another URLconf)
                    continue
                views[address] = resolve(address).func
            self.views = views
        view = self.views.get(request.path)
        if view is None:
            return self.get_response(request)
        request.get_host()  # DisallowedHost (400) for a host outside ALLOWED_HOSTS
        return view(request)


class RefuseNulCharactersMiddleware:
    """PostgreSQL text cannot hold a NUL character, so an address carrying one (`%00` in the path
    or the query) is refused with a Russian 400 before any view passes it to a query. Bodies are
    left to the forms and serializers, which refuse NUL in their text fields."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
            return refusal(request, NUL_MESSAGE)
        return self.get_response(request)


# Static files worth compressing; pictures, fonts in woff2 and media are compressed already.
COMPRESSIBLE_STATIC_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


class DevelopmentStaticCompressionMiddleware(GZipMiddleware):
    """Development only (DEBUG): runserver hands static files to WhiteNoise, which serves them
    straight from the apps' folders, so edits show at once, but uncompressed (hls.js is 389 KB).
    This compresses them on the way, as production's pre-compressed copies are: brotli for a browser
    that accepts it (hls.js 99 KB instead of gzip's 121 KB), else gzip; other responses pass. Brotli's
    best level is slow, so each file's brotli copy is kept in memory until the file changes."""

    def process_response(self, request, response):
        if (
            response.status_code != 200
            or not request.path.startswith(settings.STATIC_URL)
            or not response.get("Content-Type", "").startswith(COMPRESSIBLE_STATIC_TYPES)
        ):
            return response
        if accepts_brotli(request):
            return brotli_response(response)
        return super().process_response(request, response)


def accepts_brotli(request):
    """Whether Accept-Encoding names `br` with a quality above zero."""
    for part in request.headers.get("Accept-Encoding", "").split(","):
        coding, _, params = part.partition(";")
        if coding.strip().lower() != "br":
            continue
        quality = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            return float(quality) > 0
        except ValueError:
            return False
    return False


def brotli_response(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if hasattr(response, "close"):
        response.close()
    compressed = HttpResponse(brotli_copy(body), status=response.status_code)
    for header, value in response.items():
        if header.lower() not in ("content-length", "content-encoding"):
            compressed[header] = value
    compressed["Content-Encoding"] = "br"
    compressed["Content-Length"] = str(len(compressed.content))
    patch_vary_headers(compressed, ("Accept-Encoding",))
    return compressed


@functools.lru_cache(maxsize=64)
def brotli_copy(body):
    return brotli.compress(body, quality=11)
