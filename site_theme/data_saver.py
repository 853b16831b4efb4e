"""Data saver: the `Save-Data: on` request header (a browser's or phone's «экономия трафика») or
the site's own toggle (the `pm_save_data` cookie, set by offline.js from the footer) make pages
lighter: no cover pictures, no video poster, nothing loaded before «Смотреть», the lowest picture
rung first.

Both reach templates as `request.save_data`. The page cache (config/http_cache.py) keys pages by
the headers a response varies on, so pages say `Vary: Save-Data`, and the cookie is folded into that
header before the cache is asked: the two variants of a page are cached apart, and a visitor with
the toggle on gets the light one from the cache like anyone whose browser sends the header."""

from django.utils.cache import patch_vary_headers

COOKIE = "pm_save_data"
HEADER = "HTTP_SAVE_DATA"


def wants_less_data(request):
    return request.META.get(HEADER, "").strip().lower() == "on" or request.COOKIES.get(COOKIE) == "1"


class DataSaverMiddleware:
    """Sets `request.save_data`; HTML answers get `Vary: Save-Data`. Placed before the page cache's
    fetching middleware, which reads the (normalised) header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.save_data = wants_less_data(request)
        if request.save_data:
            request.META[HEADER] = "on"
        else:
            request.META.pop(HEADER, None)
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            patch_vary_headers(response, ("Save-Data",))
        return response
