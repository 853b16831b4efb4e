"""The platform API's session authentication: DRF's, with its CSRF refusal in Russian."""

from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication, exceptions


class SessionAuthentication(authentication.SessionAuthentication):
    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied(
                "Запрос не прошёл проверку CSRF: передайте заголовок X-CSRFToken со значением cookie csrftoken "
                "(или обновите страницу и повторите)."
            )


class SessionAuthenticationScheme(SessionScheme):
    """The OpenAPI description of it: DRF's session scheme."""

    target_class = "config.authentication.SessionAuthentication"
