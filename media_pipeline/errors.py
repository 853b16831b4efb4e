"""How the video pipeline refuses: `config.errors.ServiceError` (the platform's one error contract,
answered by its DRF exception handler in one JSON shape) that is also Django's `ValidationError`,
so a form or another app's service that catches `ValidationError` keeps its `messages`."""

from django.core.exceptions import ValidationError

from config.errors import ServiceError


class VideoRefused(ServiceError, ValidationError):
    """A refusal a person can act on: a Russian message, a stable snake_case `code`, a status."""


class ChunkOutOfOrder(VideoRefused):
    """A chunk that does not start where the upload stands; `expected` is where it does (the
    answer carries it as `received`, so a client resumes from there)."""

    def __init__(self, expected):
        super().__init__(
            f"Ожидалась часть файла с байта {expected}. Продолжите загрузку с этого места.",
            code="chunk_out_of_order",
            status=409,
        )
        self.expected = expected

    def as_dict(self):
        return {**super().as_dict(), "received": self.expected}


class UploadRejected(VideoRefused):
    """The uploaded file cannot be trusted; it is already removed and the upload closed."""
