"""The API's exception handler (settings.REST_FRAMEWORK["EXCEPTION_HANDLER"])."""

import logging

from rest_framework.response import Response
from rest_framework.views import exception_handler

from media_pipeline import storage

logger = logging.getLogger(__name__)

STORAGE_RETRY_AFTER = 60  # seconds


def handle_api_exception(error, context):
    """DRF's answers, plus 503 in JSON when the file storage does not work (instead of a 500 page),
    so clients know to retry; the cause goes to the log."""
    if storage.is_unavailable(error):
        logger.error("storage unavailable during %s: %r", context.get("request") and context["request"].path, error)
        return Response(
            {
                "detail": "Хранилище файлов сейчас недоступно. Повторите через минуту.",
                "code": "storage_unavailable",
            },
            status=503,
            headers={"Retry-After": str(STORAGE_RETRY_AFTER)},
        )
    return exception_handler(error, context)
