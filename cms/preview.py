"""Draft preview for front ends (wagtail-headless-preview).

Preview in the admin stores the draft under a signed token and opens the front end's preview URL
(`CLIENT_URLS`) with `?content_type=…&token=…`. A front end turns the token back into the draft with
`page_from_token()` (the bundled site's `/preview/` route) or over HTTP at `/api/v2/page_preview/`.
A token is accepted only with a valid signature and for PREVIEW_TOKEN_MAX_AGE seconds (1 hour by
default); nothing else of a draft is readable.
"""

from django.conf import settings
from django.core.signing import BadSignature, SignatureExpired
from wagtail_headless_preview.models import HeadlessPreviewMixin, PagePreview


class PreviewTokenError(Exception):
    """A preview token that cannot be used; `message` is for the person, `status_code` for HTTP,
    `code` (stable) for a client to branch on."""

    status_code = 400
    code = "preview_token_missing"

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class PreviewTokenMissing(PreviewTokenError):
    status_code = 400
    code = "preview_token_missing"


class PreviewTokenInvalid(PreviewTokenError):
    status_code = 403
    code = "preview_token_invalid"


class PreviewTokenExpired(PreviewTokenError):
    status_code = 410
    code = "preview_token_expired"


class PreviewNotFound(PreviewTokenError):
    status_code = 404
    code = "preview_not_found"


def page_from_token(token, content_type=None):
    """The draft page behind a preview token, as an unsaved page instance of its specific type.

    `content_type` ("cms.lessonpage", as in the preview URL) is checked when given.
    Raises a PreviewTokenError subclass with a Russian message when the token is missing, forged
    or altered (403), expired (410) or unknown (404).
    """
    if not token:
        raise PreviewTokenMissing("Нет токена предпросмотра: откройте предпросмотр из админки.")
    try:
        HeadlessPreviewMixin.get_preview_signer().unsign(token, max_age=settings.PREVIEW_TOKEN_MAX_AGE)
    except SignatureExpired:
        raise PreviewTokenExpired(
            "Ссылка предпросмотра устарела. Нажмите «Предпросмотр» в админке ещё раз, чтобы получить новую."
        )
    except BadSignature:
        raise PreviewTokenInvalid("Ссылка предпросмотра недействительна: она повреждена или выдана не этим сайтом.")

    preview = PagePreview.objects.filter(token=token).select_related("content_type").first()
    if preview is None:
        raise PreviewNotFound("Черновик для этой ссылки не найден: откройте предпросмотр из админки ещё раз.")
    if content_type:
        expected = f"{preview.content_type.app_label}.{preview.content_type.model}"
        if content_type.lower() != expected:
            raise PreviewNotFound("Тип страницы в ссылке не совпадает с черновиком.")
    page = preview.as_page()
    page.preview_token = token  # tells serve_preview() to render the draft, not issue a new token
    return page
