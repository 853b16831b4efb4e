"""Sign-in attempts are limited per client address wherever a password is typed: the API
(`/api/auth/login/`), the site's form, Wagtail's admin and Django's admin share one budget,
THROTTLE_LOGIN, counted in the shared cache so every worker process sees the same count."""

import functools

from django.http import HttpResponse
from django.utils.html import escape
from rest_framework.throttling import SimpleRateThrottle


class SignInThrottle(SimpleRateThrottle):
    """The "login" scope of DRF's ScopedRateThrottle (the API's sign-in), under the same cache key."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


PAGE = '<!doctype html><html lang="ru"><meta charset="utf-8"><title>Подождите</title><p>{message}</p></html>'


def throttle_sign_in(view):
    """Refuse sign-in POSTs past THROTTLE_LOGIN with 429 and a Russian page saying how long to wait."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST":
            throttle = SignInThrottle()
            if not throttle.allow_request(request, None):
                seconds = max(1, int(throttle.wait() or 1))
                message = f"Слишком много попыток входа. Подождите {seconds} с и попробуйте снова."
                response = HttpResponse(PAGE.format(message=escape(message)), status=429)
                response["Retry-After"] = str(seconds)
                return response
        return view(request, *args, **kwargs)

    return wrapped
