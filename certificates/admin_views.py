"""Custom admin screens: a season's batch issue with live progress, and revoking a certificate."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from certificates import services
from certificates.models import Certificate, CertificateBatch
from cms.models import Season
from config.errors import ServiceError
from config.text import quoted

ISSUE_PERMISSION = "certificates.issue_certificates"
REVOKE_PERMISSION = "certificates.revoke_certificate"


class BatchForm(forms.Form):
    season = forms.ModelChoiceField(label="Сезон", queryset=None, empty_label=None)
    mode = forms.ChoiceField(
        label="Что сделать", choices=CertificateBatch.Mode.choices, widget=forms.RadioSelect, initial="issue"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["season"].queryset = Season.objects.order_by("-starts_on")


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Причина отзыва",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Её увидит каждый, кто проверит сертификат по коду.",
        required=False,
    )


def _require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


def batches(request):
    """Start a season's batch; see every recent batch with its progress (the page polls it)."""
    _require(request, ISSUE_PERMISSION)
    form = BatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.start_batch(form.cleaned_data["season"], mode=form.cleaned_data["mode"], by=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Выпуск {quoted(batch)} поставлен в очередь: прогресс — в таблице ниже.")
            return redirect("certificates_batches")
    recent = CertificateBatch.objects.select_related("season", "started_by")[:20]
    return TemplateResponse(
        request,
        "certificates/admin/batches.html",
        {
            "page_title": "Выпуск сертификатов",
            "header_icon": "doc-full",
            "form": form,
            "batches": [(batch, progress_of(batch)) for batch in recent],
        },
    )


@require_GET
def batch_progress(request):
    """`?ids=1,2`: progress of those batches, for the page's polling."""
    _require(request, ISSUE_PERMISSION)
    parts = [part.strip() for part in request.GET.get("ids", "").split(",")][:50]
    ids = [int(part) for part in parts if part.isascii() and part.isdigit()]
    return JsonResponse({"batches": [progress_of(batch) for batch in CertificateBatch.objects.filter(pk__in=ids)]})


def progress_of(batch):
    return {
        "id": batch.pk,
        "status": batch.status,
        "status_display": batch.get_status_display(),
        "done": batch.done,
        "total": batch.total,
        "percent": batch.percent,
        "summary": batch_summary(batch),
        "error": batch.error,
        "finished": batch.status not in CertificateBatch.ACTIVE,
    }


def batch_summary(batch):
    """«Обработано 1 200 из 10 000: выпущено 1 198 сертификатов, перевыпущено 2.» (Russian plurals
    come from the app's gettext catalogue)."""
    issued = ngettext("%(count)s certificate issued", "%(count)s certificates issued", batch.issued)
    text = f"Обработано {batch.done} из {batch.total}: " + issued % {"count": batch.issued}
    if batch.reissued:
        reissued = ngettext("%(count)s certificate re-issued", "%(count)s certificates re-issued", batch.reissued)
        text += ", " + reissued % {"count": batch.reissued}
    return text + "."


def revoke(request, pk):
    """Revoke one certificate with a reason the public page will show."""
    _require(request, REVOKE_PERMISSION)
    certificate = get_object_or_404(Certificate.objects.select_related("season"), pk=pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_certificate(certificate, reason=form.cleaned_data["reason"], by=request.user)
        except ServiceError as error:
            form.add_error("reason" if error.field == "reason" else None, error.message)
        else:
            messages.success(request, f"Сертификат № {certificate.display_number} отозван.")
            return redirect("wagtailsnippets_certificates_certificate:list")
    return TemplateResponse(
        request,
        "certificates/admin/revoke.html",
        {
            "page_title": f"Отозвать сертификат № {certificate.display_number}",
            "header_icon": "warning",
            "certificate": certificate,
            "form": form,
        },
    )
