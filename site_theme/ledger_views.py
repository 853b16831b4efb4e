"""Pages of the public ledger: a receipt, «Как нас проверить», «Мои действия» and the verifier's
download. Each reads through engagement's publication module and renders."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render

from config.errors import ServiceError
from engagement import receipts
from engagement.models import LedgerEntry
from engagement.services import publication

MY_ACTIONS_PAGE_SIZE = 50


def receipt_lookup(request):
    """The form «Проверить чек»: ?code=… goes to the receipt's page."""
    if "code" not in request.GET:
        return render(request, "site_theme/receipt.html", {"answer": None})
    code = request.GET["code"]
    if not code.strip():
        message = "Введите код чека — восемь знаков из цифр и латинских букв, например K7M2-QX9D."
        return render(request, "site_theme/receipt.html", {"error": message, "typed": ""}, status=400)
    try:
        return redirect("site_theme:receipt", code=receipts.parse(code))
    except ServiceError as error:
        return render(request, "site_theme/receipt.html", {"error": error.message, "typed": code}, status=error.status)


def receipt(request, code):
    """Anyone's receipt: kind, amount, day, campaign and, once the day is published, the proof."""
    try:
        answer = publication.receipt(receipts.parse(code))
    except ServiceError as error:
        return render(request, "site_theme/receipt.html", {"error": error.message, "typed": code}, status=error.status)
    return render(request, "site_theme/receipt.html", {"answer": answer})


def how_to_check(request):
    """«Как нас проверить»: receipts, the day files and the verifier, in plain Russian."""
    return render(request, "site_theme/how_to_check.html", {"site_url": request.build_absolute_uri("/").rstrip("/")})


def verifier_download(request):
    """verify_ledger.py, the same file as in the repository."""
    return FileResponse(
        open(settings.BASE_DIR / "verify_ledger.py", "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename="verify_ledger.py",
        content_type="text/x-python; charset=utf-8",
    )


@login_required(login_url="site_theme:login")
def my_actions(request):
    """«Мои действия»: the account's own ledger entries, newest first, each with its receipt."""
    entries = (
        LedgerEntry.objects.filter(actor_user=request.user)
        .order_by("-created_at", "-pk")
        .values("receipt", "kind", "amount", "created_at", "reverses_id")
    )
    page_obj = Paginator(entries, MY_ACTIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "site_theme/my_actions.html", {"page_obj": page_obj})
