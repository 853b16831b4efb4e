"""Open judging on the site: the public results page of an assignment (the anonymised score table,
the rule, the winners, the appeal counts) and the child's own results page in the cabinet (each
juror's points as «Член жюри N», the numbers behind the place, the appeal form). The rules are
learning's (selectors for reads, services.appeals for appeals)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from config.errors import ServiceError
from learning import selectors
from learning import services as learning
from learning.models import Assignment, Submission
from learning.services import appeals


def results_index(request):
    return render(request, "site_theme/results_index.html", {"assignments": selectors.confirmed_results_assignments()})


def results_page(request, pk):
    assignment = get_object_or_404(Assignment.objects.select_related("direction", "season"), pk=pk)
    table = selectors.public_results(assignment)
    if table is None:
        raise Http404("Итоги этого задания ещё не подведены.")
    bands = {}
    for row in table["works"]:
        bands.setdefault(row["age_band"], []).append(row)
    return render(
        request,
        "site_theme/results.html",
        {
            "assignment": assignment,
            "table": table,
            "bands": bands,
            "site_url": request.build_absolute_uri("/").rstrip("/"),
        },
    )


@login_required(login_url="site_theme:login")
@require_http_methods(["GET", "POST"])
def my_work_results(request, pk):
    """A work's jury results for its author or the author's guardian (nobody else: 404), and the
    appeal form while the appeal window is open."""
    work = Submission.objects.select_related("assignment__direction", "student").filter(pk=pk).first()
    if work is None or not learning.can_manage_student(request.user, work.student):
        raise Http404("Работа не найдена.")
    status = 200
    if request.method == "POST":
        try:
            appeals.file_appeal(request.user, work, request.POST.get("text", ""))
        except ServiceError as error:
            messages.error(request, error.message)
            status = error.status
        else:
            messages.success(request, "Апелляция подана. Редакторы рассмотрят её и ответят здесь.")
            return redirect("site_theme:my_work_results", pk=work.pk)
    results = selectors.work_results(work)
    window = selectors.appeal_window(work.assignment) if results else None
    now = timezone.now()
    history = selectors.appeals_of(work)
    context = {
        "work": work,
        "results": results,
        "window": window,
        "window_open": bool(window and window[0] <= now <= window[1]),
        "appeals": history,
        "has_open_appeal": any(a.status == "open" for a in history),
        "text": request.POST.get("text", "") if status != 200 else "",
        "text_min": appeals.TEXT_MIN_LENGTH,
        "text_max": appeals.TEXT_MAX_LENGTH,
    }
    return render(request, "site_theme/my_work_results.html", context, status=status)
