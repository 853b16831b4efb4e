"""Request guards that hold for every view of the platform."""

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.middleware.gzip import GZipMiddleware

from config.error_pages import refusal

NUL_MESSAGE = "Адрес содержит недопустимый символ (NUL, %00): уберите его из ссылки или параметров."


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
    This gzips them on the way, as production's pre-compressed copies are; other responses pass."""

    def process_response(self, request, response):
        if (
            response.status_code != 200
            or not request.path.startswith(settings.STATIC_URL)
            or not response.get("Content-Type", "").startswith(COMPRESSIBLE_STATIC_TYPES)
        ):
            return response
        return super().process_response(request, response)
