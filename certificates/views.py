"""The public verification page (anyone with the code or the QR) and the PDF download (the
holder, the guardian, staff)."""

from django.conf import settings
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from certificates import selectors, services
from certificates.api import public_facts
from certificates.models import normalise_code
from config.errors import ServiceError


def _render(request, template, context, status=200):
    context["layout"] = getattr(settings, "CERTIFICATES_PAGE_LAYOUT", "")
    response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex"  # a holder shares the link; search engines need not list it
    return response


@require_GET
def lookup(request):
    """Where a code typed from paper goes: on to its page."""
    typed = request.GET.get("code", "")
    code = normalise_code(typed)
    if code:
        return redirect("certificates:verify", code=code)
    if typed.strip():
        return _render(request, "certificates/verify.html", {"not_found": True, "code": typed[:40]}, status=404)
    return _render(request, "certificates/verify.html", {})


@require_GET
def verify(request, code):
    certificate = selectors.certificate_by_code(code)
    if certificate is None:
        return _render(request, "certificates/verify.html", {"not_found": True, "code": code[:40]}, status=404)
    return _render(
        request, "certificates/verify.html", {"facts": public_facts(certificate), "certificate": certificate}
    )


@require_GET
def download(request, code):
    certificate = selectors.certificate_by_code(code)
    if certificate is None:
        return _render(request, "certificates/verify.html", {"not_found": True, "code": code[:40]}, status=404)
    if not request.user.is_authenticated:
        return _refuse(request, "Войдите в аккаунт владельца или родителя, чтобы скачать сертификат.", 403)
    if not selectors.can_download(request.user, certificate):
        if not certificate.is_valid and selectors.can_download_when_valid(request.user, certificate):
            return _refuse(request, f"Сертификат отозван: {certificate.revoked_reason}", 410)
        return _refuse(request, "Скачать сертификат могут только его владелец, родитель и сотрудники проекта.", 403)
    try:
        services.ensure_pdf(certificate)
    except ServiceError as error:
        return _refuse(request, error.message, error.status)
    if not certificate.pdf:  # erased with the holder's account
        return _refuse(request, f"Сертификат отозван: {certificate.revoked_reason} PDF удалён.", 410)
    response = FileResponse(
        certificate.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"sertifikat-{certificate.code}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _refuse(request, message, status):
    return _render(request, "certificates/refused.html", {"message": message}, status=status)
