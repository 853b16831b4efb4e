"""Refusals that happen before any app's view: Russian, in the error shape of the part of the
site asked (the content API's {"message"}, the platform API's {"detail"}, the site's page)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults


def api_error(request, message, status):
    """The error in the shape of the API asked, or None outside /api/."""
    if request.path.startswith("/api/v2/"):
        return JsonResponse({"message": message}, status=status, json_dumps_params={"ensure_ascii": False})
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})
    return None


def refusal(request, message, *, page_context=None):
    if answer := api_error(request, message, 400):
        return answer
    # Rendered without the request, as Django renders its own 400 page: nothing in it may need one.
    return HttpResponseBadRequest(render_to_string("400.html", page_context or {"reason": message}))


def bad_request(request, exception=None):
    """Django's 400 handler: a broken request, or a body over DATA_UPLOAD_MAX_MEMORY_SIZE."""
    limit_mb = max(1, settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024))
    if isinstance(exception, RequestDataTooBig):
        message = f"Тело запроса больше {limit_mb} МБ. Файлы отправляйте как multipart, большие видео — по частям."
        return refusal(request, message, page_context={"too_big": True, "limit_mb": limit_mb})
    return refusal(request, "Запрос повреждён или неполон: проверьте его и отправьте ещё раз.", page_context={})


def page_not_found(request, exception=None):
    """Django's 404 handler: the site's page, or the API's error shape for an API address."""
    message = "Не найдено: проверьте адрес запроса (документация — /api/docs/)."
    return api_error(request, message, 404) or defaults.page_not_found(request, exception)
