"""Wagtail admin screens: the moderation queue (moderators), the jury ranking with winners (mentors) and
the «Подозрительная активность» screen (those who may void accounts)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cms.models import DirectionPage
from config.errors import ServiceError
from config.text import quoted
from learning import selectors
from learning.models import (
    Appeal,
    Assignment,
    JuryMember,
    LikeClusterVoid,
    ModerationDecision,
    RejectionReason,
    Submission,
)
from learning.services import appeals, jury, likes, moderation, roles


def _require_moderator(request):
    if not roles.is_moderator(request.user):
        raise PermissionDenied


def moderation_queue(request):
    """Pending and reported works, oldest first; filters by direction and kind; a preview of every file."""
    _require_moderator(request)
    queue = selectors.moderation_queue_with_reports()
    direction = request.GET.get("direction", "")
    kind = request.GET.get("kind", "")
    queue = selectors.filter_works(queue, direction=direction, kind=kind)
    page = Paginator(queue.prefetch_related("reports"), 20).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "learning/admin/moderation_queue.html",
        {
            "page_title": "Модерация работ",
            "header_icon": "tick-inverse",
            "page": page,
            "directions": DirectionPage.objects.order_by("title"),
            "kinds": selectors.WORK_KINDS,
            "direction": direction,
            "kind": kind,
            "reasons": RejectionReason.objects.all(),
            "total": queue.count(),
        },
    )


def _decide(request, pk, service, *args, success):
    _require_moderator(request)
    submission = get_object_or_404(Submission, pk=pk)
    try:
        service(submission, request.user, *args)
    except ServiceError as error:
        messages.error(request, f"{quoted(submission.title)}: {error.message}")
    else:
        messages.success(request, f"{quoted(submission.title)}: {success}")
    return redirect(request.POST.get("next") or reverse("learning_moderation"))


@require_POST
def approve(request, pk):
    return _decide(request, pk, moderation.approve_submission, success="опубликована.")


@require_POST
def reject(request, pk):
    reason = request.POST.get("reason", "").strip()
    template_id = request.POST.get("template")
    if not reason and template_id:
        template = RejectionReason.objects.filter(pk=template_id).first()
        reason = template.text if template else ""
    return _decide(request, pk, moderation.reject_submission, reason, success="отклонена, ученик увидит причину.")


@require_POST
def keep(request, pk):
    return _decide(request, pk, moderation.keep_submission, success="жалобы отклонены, работа остаётся.")


def shortlist_assignments(user):
    """Assignments whose works the user may put on the jury's shortlist: all for moderators, the
    direction's own for its mentor (the rule itself is jury.shortlist_submission's)."""
    if roles.is_moderator(user):
        return Assignment.objects.all()
    return _mentor_scope(user)


def shortlist_candidates(request):
    """Published works of one assignment, most liked first, each with a «В шорт-лист» button."""
    assignments = shortlist_assignments(request.user).select_related("direction", "season").order_by("-closes_at")
    if not assignments.exists():
        raise PermissionDenied
    wanted = request.GET.get("assignment", "")
    chosen = (wanted.isdigit() and assignments.filter(pk=wanted).first()) or assignments.first()
    works = (
        Submission.objects.filter(
            assignment=chosen, status=Submission.Status.APPROVED, hidden=False, withdrawn_at__isnull=True
        )
        .prefetch_related("files")
        .order_by("-like_count", "submitted_at")
    )
    shortlisted = Submission.objects.filter(assignment=chosen, status=Submission.Status.SHORTLISTED).count()
    return TemplateResponse(
        request,
        "learning/admin/shortlist.html",
        {
            "page_title": "Шорт-лист",
            "header_icon": "pick",
            "assignments": assignments,
            "assignment": chosen,
            "page": Paginator(works, 30).get_page(request.GET.get("p")),
            "shortlisted": shortlisted,
        },
    )


@require_POST
def shortlist(request, pk):
    submission = get_object_or_404(Submission, pk=pk)
    try:
        jury.shortlist_submission(submission, request.user)
    except ServiceError as error:
        if error.status == 403:
            raise PermissionDenied from None
        messages.error(request, error.message)
    else:
        messages.success(request, f"{quoted(submission.title)} в шорт-листе.")
    fallback = f"{reverse('learning_shortlist')}?assignment={submission.assignment_id}"
    target = request.POST.get("next", "")
    return redirect(target if url_has_allowed_host_and_scheme(target, {request.get_host()}) else fallback)


def decision_log(request):
    _require_moderator(request)
    decisions = ModerationDecision.objects.select_related("submission", "moderator").order_by("-created_at")
    page = Paginator(decisions, 50).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "learning/admin/decision_log.html",
        {"page_title": "Журнал модерации", "header_icon": "list-ul", "page": page},
    )


def _mentor_scope(user):
    """Assignments the user is the mentor of: by a mentor's jury seat or as the masterclass's mentor."""
    seats = JuryMember.objects.filter(user=user, role=JuryMember.Role.MENTOR)
    scope = Q(masterclass__mentor__user=user)
    for seat in seats:
        scope |= Q(direction_id=seat.direction_id, season_id=seat.season_id)
    return Assignment.objects.filter(scope)


def mentor_assignments(user):
    if user.is_superuser or roles.is_editor(user):
        return Assignment.objects.all()
    return _mentor_scope(user)


def results_index(request):
    """Assignments whose results the user may see: the mentor's own, or all for editors."""
    assignments = mentor_assignments(request.user).select_related("direction", "season").order_by("-closes_at")
    if not assignments.exists() and not roles.is_editor(request.user):
        raise PermissionDenied
    return TemplateResponse(
        request,
        "learning/admin/results_index.html",
        {"page_title": "Итоги конкурса", "header_icon": "success", "assignments": assignments},
    )


def results(request, pk):
    """The jury ranking per age band, the audience award apart, and the mentor's choice of winners."""
    assignment = get_object_or_404(Assignment.objects.select_related("direction", "season"), pk=pk)
    if not mentor_assignments(request.user).filter(pk=pk).exists():
        raise PermissionDenied
    can_confirm = roles.is_mentor_of(request.user, assignment) or request.user.is_superuser
    if request.method == "POST":
        if not can_confirm:
            raise PermissionDenied
        works = Submission.objects.filter(assignment=assignment)
        winners = list(works.filter(pk__in=request.POST.getlist("winners")))
        finalists = list(works.filter(pk__in=request.POST.getlist("finalists")))
        try:
            confirmed = jury.confirm_winners(request.user, assignment, winners=winners, finalists=finalists)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            count = len(confirmed)
            messages.success(
                request,
                ngettext(
                    "Results confirmed: %(count)s work. Winner story drafts await the editors.",
                    "Results confirmed: %(count)s works. Winner story drafts await the editors.",
                    count,
                )
                % {"count": count},
            )
            return redirect("learning_results", pk=assignment.pk)
    return TemplateResponse(
        request,
        "learning/admin/results.html",
        {
            "page_title": f"Итоги: {assignment}",
            "header_icon": "success",
            "assignment": assignment,
            "ranking": selectors.jury_ranking(assignment),
            "audience": selectors.audience_award(assignment),
            "can_confirm": can_confirm,
        },
    )


def _require_juror(request):
    if not roles.is_juror(request.user):
        raise PermissionDenied


def jury_index(request):
    """The juror's blind shortlist: works to score, nothing about who made them; above it, for each
    assignment not yet declared, the declaration of conflicts of interest that scoring needs."""
    _require_juror(request)
    works = list(selectors.blind_works_for(request.user))
    scored = set(request.user.jury_scores.values_list("submission_id", flat=True))
    declared = selectors.declared_assignment_ids(request.user)
    pending = {}
    for work in works:
        if work.assignment_id not in declared:
            pending.setdefault(work.assignment_id, {"assignment": work.assignment, "works": []})["works"].append(work)
    return TemplateResponse(
        request,
        "learning/admin/jury_index.html",
        {
            "page_title": "Оценка работ",
            "header_icon": "pick",
            "works": works,
            "scored": scored,
            "declared": declared,
            "pending": list(pending.values()),
        },
    )


@require_POST
def jury_declare(request, pk):
    """«Нет конфликта интересов» or «Есть конфликт с работой …» for one assignment."""
    _require_juror(request)
    assignment = get_object_or_404(Assignment, pk=pk)
    conflicts = request.POST.getlist("conflicts")
    with_conflicts = request.POST.get("declaration") == "conflicts"
    if with_conflicts != bool(conflicts):
        messages.error(
            request,
            "Отметьте работы, с которыми у вас конфликт интересов."
            if with_conflicts
            else "Вы отметили работы: нажмите «Есть конфликт с отмеченными работами» или снимите отметки.",
        )
        return redirect("learning_jury")
    try:
        jury.declare_conflicts(request.user, assignment, conflicts=conflicts, note=request.POST.get("note", ""))
    except ServiceError as error:
        if error.status == 403:
            raise PermissionDenied from None
        messages.error(request, error.message)
    else:
        if conflicts:
            messages.success(request, "Конфликт интересов записан: эти работы скрыты из вашего списка.")
        else:
            messages.success(request, "Записали: конфликта интересов нет. Можно оценивать работы задания.")
    return redirect("learning_jury")


def jury_work(request, code):
    """Score one work on the rubric with a comment, or declare a conflict of interest: the work is
    named and its files addressed only by its jury code. A score the service refuses (no comment, a
    point out of range) comes back with the juror's input kept and the reason beside the field."""
    _require_juror(request)
    work = get_object_or_404(selectors.blind_works_for(request.user), jury_code=code)
    criteria = list(work.assignment.criteria.all())
    mine = work.scores.filter(juror=request.user).first()
    typed, error = None, None
    if request.method == "POST":
        try:
            if "conflict" in request.POST:
                jury.declare_conflict(request.user, work, request.POST.get("note", ""))
                messages.success(request, "Конфликт интересов записан: работа скрыта из вашего списка.")
            else:
                typed = {str(c.pk): request.POST.get(f"criterion-{c.pk}", "").strip() for c in criteria}
                jury.score_submission(
                    request.user,
                    work,
                    points={k: v for k, v in typed.items() if v},
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, "Оценка сохранена.")
            return redirect("learning_jury")
        except ServiceError as refusal:
            error = refusal
    if typed is not None:
        rows = [(c, typed[str(c.pk)]) for c in criteria]
        comment = request.POST.get("comment", "")
    else:
        rows = [(c, (mine.points.get(str(c.pk)) if mine else None)) for c in criteria]
        comment = mine.comment if mine else ""
    return TemplateResponse(
        request,
        "learning/admin/jury_work.html",
        {
            "page_title": jury.jury_label(work),
            "header_icon": "pick",
            "work": work,
            "files": [(number, item.kind) for number, item in enumerate(work.files.all(), start=1)],
            "rows": rows,
            "comment": comment,
            "mine": mine,
            "error": error.message if error else "",
            "error_field": error.field if error else "",
            "declared": jury.has_declared(request.user, work.assignment),
        },
        status=error.status if error else 200,
    )


def _require_editor(request):
    if not roles.is_editor(request.user):
        raise PermissionDenied


def appeal_queue(request):
    """Appeals against the jury's results: open ones first; each is decided with a reason."""
    _require_editor(request)
    status = request.GET.get("status", "open")
    status = status if status in {*Appeal.Status.values, ""} else "open"
    page = Paginator(selectors.appeal_queue(status), 30).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "learning/admin/appeal_queue.html",
        {
            "page_title": "Апелляции",
            "header_icon": "help",
            "page": page,
            "status": status,
            "statuses": Appeal.Status.choices,
        },
    )


@require_POST
def decide_appeal(request, pk):
    _require_editor(request)
    appeal = get_object_or_404(Appeal, pk=pk)
    decision = request.POST.get("decision")
    if decision not in {"upheld", "rejected"}:
        messages.error(request, "Выберите решение: удовлетворить или отклонить.")
    else:
        try:
            appeals.decide_appeal(
                request.user, appeal, upheld=decision == "upheld", reason=request.POST.get("reason", "")
            )
        except ServiceError as error:
            messages.error(request, f"Апелляция #{appeal.pk}: {error.message}")
        else:
            messages.success(request, f"Апелляция #{appeal.pk}: решение записано, автор увидит его в кабинете.")
    return redirect("learning_appeals")


# --- «Подозрительная активность»: clusters of likes, voided in one step --------------------------


def _require_void_permission(request):
    if not request.user.has_perm("engagement.void_account"):
        raise PermissionDenied


def _suspicious_page(request, *, error="", status=200, cluster_id="", reason=""):
    return TemplateResponse(
        request,
        "learning/admin/suspicious_activity.html",
        {
            "page_title": "Подозрительная активность",
            "header_icon": "warning",
            "clusters": selectors.suspicious_clusters(),
            "voids": LikeClusterVoid.objects.select_related("moderator").prefetch_related("accounts")[:20],
            "error": error,
            "error_cluster": cluster_id,
            "reason": reason,
            "min_likes": settings.ENGAGEMENT_CLUSTER_MIN_LIKES,
            "join_minutes": settings.ENGAGEMENT_CLUSTER_JOIN_MINUTES,
            "retention_days": settings.ENGAGEMENT_LIKE_IP_RETENTION_DAYS,
        },
        status=status,
    )


def suspicious_activity(request):
    """Clusters of likes on one work from one network or from accounts created together (moderators
    with engagement.void_account); each with a form that voids it with a reason."""
    _require_void_permission(request)
    return _suspicious_page(request)


@require_POST
def void_suspicious_cluster(request):
    _require_void_permission(request)
    cluster_id, reason = request.POST.get("cluster", ""), request.POST.get("reason", "")
    try:
        record = likes.void_cluster(request.user, cluster_id, reason)
    except ServiceError as error:
        return _suspicious_page(request, error=error.message, status=error.status, cluster_id=cluster_id, reason=reason)
    messages.success(
        request,
        f"Группа аннулирована. Аккаунтов: {record.accounts.count()}, компенсаций в журнале: {record.compensations}.",
    )
    return redirect("learning_suspicious_activity")
