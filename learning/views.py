"""The HTML pages of the learning app (where the guardian's email links land) and the public
results table as JSON (what verify_ledger.py --results reads)."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from config.errors import ServiceError
from config.http import client_ip
from learning import selectors
from learning.models import Assignment
from learning.services import accounts


@require_http_methods(["GET", "POST"])
def guardian_consent_page(request, token):
    """GET shows what is being agreed to (a link scanner opening it changes nothing); POST confirms."""
    context = {
        "token": token,
        "version": accounts.CONSENT_TEXT_VERSION,
        # The site's layout when one is configured (config/settings.py), else learning's own.
        "layout": getattr(settings, "LEARNING_PAGE_LAYOUT", ""),
    }
    try:
        student = accounts.student_for_guardian_token(token)
        context["student"] = student
        if request.method == "POST":
            accounts.confirm_guardian_consent(token, ip=client_ip(request), password=request.POST.get("password", ""))
            context["confirmed"] = True
    except ServiceError as error:
        context["error"] = error.message
        return render(request, "learning/guardian_consent.html", context, status=error.status)
    return render(request, "learning/guardian_consent.html", context)


@require_http_methods(["GET", "POST"])
def town_consent_page(request, token):
    """GET says what naming the town means (a link scanner opening it changes nothing); POST consents."""
    context = {
        "token": token,
        "version": accounts.TOWN_CONSENT_TEXT_VERSION,
        "layout": getattr(settings, "LEARNING_PAGE_LAYOUT", ""),
    }
    try:
        context["student"] = accounts.student_for_town_token(token)
        if request.method == "POST":
            accounts.record_town_consent(token, ip=client_ip(request))
            context["confirmed"] = True
    except ServiceError as error:
        context["error"] = error.message
        return render(request, "learning/town_consent.html", context, status=error.status)
    return render(request, "learning/town_consent.html", context)


def results_json(request, pk):
    """An assignment's public score table, for machines: GET /api/results/<id>/. 404 with a Russian
    detail before the results are confirmed."""
    assignment = Assignment.objects.select_related("direction", "season").filter(pk=pk).first()
    table = selectors.public_results(assignment) if assignment else None
    if table is None:
        detail = "Нет такого задания." if assignment is None else "Итоги этого задания ещё не подведены."
        return JsonResponse({"code": "no_results", "detail": detail, "field": None}, status=404)
    return JsonResponse(table, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False})
