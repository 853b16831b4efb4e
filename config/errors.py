"""The platform's one error contract.

A service refuses an operation by raising `ServiceError` with a Russian message a person can act
on, the input field it is about (if any), the HTTP status and a stable machine-readable code. The
DRF exception handler below turns it into the one JSON shape every API error has:

    {"code": "deadline_passed", "detail": "Приём работ закрыт …", "field": "assignment"}
"""

import logging

from django.http import JsonResponse
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from media_pipeline import storage

logger = logging.getLogger(__name__)

STORAGE_RETRY_AFTER = 60  # seconds
STORAGE_UNAVAILABLE = "Хранилище файлов сейчас недоступно. Повторите через минуту."


class ServiceError(Exception):
    """A refusal a person can act on. `code` is stable (clients branch on it); `message` may change."""

    def __init__(self, message, *, code="invalid", field=None, status=400):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.status = status

    def as_dict(self):
        return {"code": self.code, "detail": self.message, "field": self.field}

    def as_response(self):
        """The same JSON answer for a plain Django view (one that DRF's handler does not wrap)."""
        return JsonResponse(self.as_dict(), status=self.status, json_dumps_params={"ensure_ascii": False})


def api_exception_handler(exc, context):
    """REST_FRAMEWORK's EXCEPTION_HANDLER: service refusals in the one shape; 503 in JSON when the file
    storage does not answer (instead of a 500 page), so clients know to retry; the rest as DRF does."""
    if isinstance(exc, ServiceError):
        return Response(exc.as_dict(), status=exc.status)
    if storage.is_unavailable(exc):
        request = context.get("request")
        logger.error("storage unavailable during %s: %r", request and request.path, exc)
        refusal = ServiceError(STORAGE_UNAVAILABLE, code="storage_unavailable", status=503)
        return Response(refusal.as_dict(), status=503, headers={"Retry-After": str(STORAGE_RETRY_AFTER)})
    return drf_exception_handler(exc, context)
