"""Request guards that hold for every view of the platform."""

from urllib.parse import unquote_to_bytes

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
