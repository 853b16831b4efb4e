"""Learning's reads: what a student achieved and who looks after whom, which works are public and
how the gallery filters them, the moderation queue, the jury's blind list and the rankings.

Other apps (certificates, the site's pages, the cabinet) and learning's own views read through these
functions rather than through learning's models, so learning can change its tables without breaking
them. Nothing here writes.
"""

import datetime
import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from cms.models import LessonPage, MasterclassPage
from config.text import quoted
from learning import ranking
from learning.models import (
    APPEAL_DAYS,
    Appeal,
    Assignment,
    Consent,
    JuryMember,
    LessonProgress,
    Like,
    ModerationDecision,
    Score,
    Student,
    Submission,
    SubmissionFile,
)

# A work counts for recognition once a moderator approved it, whatever happened to it after
# (shortlist, results), unless it was rejected later or withdrawn with the account.
RECOGNISED_STATUSES = Submission.PUBLIC_STATUSES
# Statuses a work reaches only through the jury's shortlist.
SHORTLIST_STATUSES = (Submission.Status.SHORTLISTED, Submission.Status.FINALIST, Submission.Status.WINNER)
# Statuses the mentor's confirmed results give.
WINNER_STATUSES = (Submission.Status.WINNER,)


def recognised_works(*, season=None, ids=None):
    """Approved (or further) works of live accounts, with what a certificate prints loaded up front:
    the student and account, the assignment's season and direction, the masterclass's mentor."""
    works = Submission.objects.filter(
        status__in=RECOGNISED_STATUSES, withdrawn_at__isnull=True, student__deleted_at__isnull=True
    ).select_related(
        "student__user",
        "assignment__season",
        "assignment__direction__curator",
        "assignment__masterclass__mentor",
    )
    if season is not None:
        works = works.filter(assignment__season=season)
    if ids is not None:
        works = works.filter(pk__in=ids)
    return works.order_by("pk")


def adults_for_jury(query=""):
    """Accounts that may sit on a jury: active adults — never a student's (a child's) account.
    `query` narrows by name, email or login, for the admin's search."""
    adults = get_user_model().objects.filter(is_active=True, student__isnull=True)
    for word in query.split():
        adults = adults.filter(
            Q(email__icontains=word)
            | Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    return adults.order_by("last_name", "first_name", "email")


def work_with_student(submission_id):
    """One work in any status, with its student and account (None if there is no such work)."""
    return Submission.objects.select_related("student__user").filter(pk=submission_id).first()


def completed_masterclasses(*, season=None, student=None, masterclass=None):
    """(student, masterclass) pairs where the student completed every live lesson of the
    masterclass under learning's completion rule. Two queries per masterclass looked at."""
    masterclasses = MasterclassPage.objects.live().select_related("mentor", "season")
    if season is not None:
        masterclasses = masterclasses.filter(season=season)
    if masterclass is not None:
        masterclasses = masterclasses.filter(pk=masterclass.pk)
    pairs = []
    for course in masterclasses.order_by("path"):
        lesson_ids = list(LessonPage.objects.live().child_of(course).values_list("pk", flat=True))
        if not lesson_ids:
            continue
        done = (
            LessonProgress.objects.filter(
                lesson_id__in=lesson_ids, completed_at__isnull=False, student__deleted_at__isnull=True
            )
            .values("student_id")
            .annotate(lessons=Count("lesson_id", distinct=True))
            .filter(lessons=len(lesson_ids))
        )
        if student is not None:
            done = done.filter(student=student)
        student_ids = [row["student_id"] for row in done]
        students = Student.objects.select_related("user").filter(pk__in=student_ids).order_by("pk")
        pairs.extend((child, course) for child in students)
    return pairs


def masterclass_of_lesson(lesson):
    """The masterclass a lesson belongs to (its parent page), or None."""
    return MasterclassPage.objects.filter(path=lesson.path[: -lesson.steplen]).first()


def student_by_id(student_id):
    """A live student profile with its account, or None."""
    return Student.objects.select_related("user").filter(pk=student_id, deleted_at__isnull=True).first()


def student_for_email(email):
    """A live student by the account's email (the demo data finds its students so)."""
    return Student.objects.select_related("user").filter(user__email__iexact=email, deleted_at__isnull=True).first()


def ward_user_ids(user):
    """Account ids of the children whose guardian this account is."""
    if not user or not user.is_authenticated:
        return []
    return list(Student.objects.filter(guardian=user, deleted_at__isnull=True).values_list("user_id", flat=True))


def is_guardian_of(user, child_user_id):
    return bool(
        user
        and user.is_authenticated
        and Student.objects.filter(guardian=user, user_id=child_user_id, deleted_at__isnull=True).exists()
    )


def milestones(user):
    """When the account's student first completed a lesson and first had a work approved (None
    when not yet): the learning side of the cabinet's badges. One query."""
    recognised = Q(submissions__status__in=RECOGNISED_STATUSES, submissions__withdrawn_at__isnull=True)
    row = (
        Student.objects.filter(user=user, deleted_at__isnull=True).aggregate(
            first_lesson=Min("progress__completed_at"),
            first_work=Min("submissions__approved_at", filter=recognised),
        )
        if user and user.is_authenticated
        else {}
    )
    return {"first_lesson": row.get("first_lesson"), "first_work": row.get("first_work")}


# --- Public works, the gallery's filters and the moderation queue -----------------------------------


def under_judging():
    """Works the jury is judging now: shortlisted in an assignment whose winners are not confirmed."""
    confirmed = Submission.objects.filter(assignment=OuterRef("assignment"), status=Submission.Status.WINNER)
    return Q(status=Submission.Status.SHORTLISTED) & ~Exists(confirmed)


def public_works():
    """Works anyone may see, flagged `under_judging`: until the results are confirmed such a work is
    shown without its author (name, age, region) and is left out of filters by author."""
    return Submission.objects.filter(
        status__in=Submission.PUBLIC_STATUSES, hidden=False, withdrawn_at__isnull=True
    ).annotate(under_judging=ExpressionWrapper(under_judging(), output_field=BooleanField()))


def by_author(works, **lookups):
    """Public works filtered by something of their author's (region, age band): never a work under
    judging, whose author the gallery does not show yet."""
    return works.filter(**lookups).exclude(under_judging())


def public_work_url(submission):
    return f"{settings.SITE_URL}/gallery/{submission.pk}/"


def vk_share_url(submission):
    return "https://vk.com/share.php?" + urlencode({"url": public_work_url(submission), "title": submission.title})


def moderation_queue_with_reports():
    return moderation_queue().annotate(open_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))


# The filters on works that the gallery (API and site), the moderation queue (API and admin) share.
WORK_KINDS = Assignment.Kind.choices
GALLERY_ORDERINGS = {
    "newest": ("-approved_at", "-pk"),
    "popular": ("-like_count", "-approved_at", "-pk"),
}


def by_direction(works, slug):
    """Works of one direction, by the direction's slug."""
    return works.filter(assignment__direction__slug=slug)


def filter_by_kind(queryset, kind):
    """Works that contain a file of `kind` (or a text, for "text")."""
    if kind == Assignment.Kind.TEXT:
        return queryset.exclude(text="")
    return queryset.filter(Exists(SubmissionFile.objects.filter(submission=OuterRef("pk"), kind=kind)))


def filter_works(works, *, direction="", kind=""):
    """Works narrowed by direction (slug) and kind; an empty value does not narrow."""
    if direction:
        works = by_direction(works, direction)
    if kind:
        works = filter_by_kind(works, kind)
    return works


def order_works(works, ordering):
    """Public works newest approval first, or most liked first ("popular"); anything else is "newest"."""
    return works.order_by(*GALLERY_ORDERINGS.get(ordering, GALLERY_ORDERINGS["newest"]))


def moderation_queue():
    """Pending works and reported public ones, oldest first."""
    return (
        Submission.objects.filter(withdrawn_at__isnull=True)
        .filter(Q(status=Submission.Status.PENDING) | Q(needs_review=True))
        .select_related("assignment__direction", "student__region")
        .prefetch_related("files__video")
        .order_by("submitted_at", "pk")
    )


def blind_works_for(user):
    """Shortlisted works of the directions and seasons the user judges, minus declared conflicts.
    A finished contest leaves the list: its winners are confirmed or its season is over."""
    seats = JuryMember.objects.filter(user=user)
    if not seats.exists():
        return Submission.objects.none()
    scope = Q()
    for seat in seats:
        scope |= Q(assignment__direction_id=seat.direction_id, assignment__season_id=seat.season_id)
    return (
        Submission.objects.filter(scope, under_judging(), withdrawn_at__isnull=True)
        .filter(assignment__season__ends_on__gte=timezone.localdate())
        .exclude(conflicts__juror=user)
        .select_related("assignment")
        .prefetch_related("files__video", "assignment__criteria")
        .order_by("uid")
    )


def judged_scores(assignment):
    """The scores the ranking counts: of the assignment's works that were approved (whatever came
    after) and not withdrawn."""
    return (
        Score.objects.filter(submission__assignment=assignment, submission__withdrawn_at__isnull=True)
        .exclude(submission__status__in=[Submission.Status.PENDING, Submission.Status.REJECTED])
        .select_related("submission")
        .order_by("created_at", "pk")
    )


def declared_assignment_ids(user):
    """Assignments for which the juror has declared conflicts of interest (or none)."""
    return set(user.conflict_declarations.values_list("assignment_id", flat=True))


def jury_ranking(assignment):
    """Per age band: each juror's totals turned into z-scores over the works that juror scored (so a
    strict and a generous juror weigh the same), then averaged per work. Likes play no part. The
    rule itself is learning.ranking's (and verify_ledger.py's)."""
    scores = list(judged_scores(assignment))
    works = {s.submission_id: s.submission for s in scores}
    bands = ranking.z_score_ranking((s.juror_id, s.submission_id, s.submission.age_band, s.total) for s in scores)
    return {
        band: [
            {
                "submission": works[row["work"]],
                "score": row["score"],
                "jurors": row["jurors"],
                "mean_total": row["mean_total"],
                "enough_scores": row["jurors"] >= assignment.jurors_per_work,
                "place": row["place"],
            }
            for row in rows
        ]
        for band, rows in bands.items()
    }


# --- Open results: the public table, what a child sees, appeals ----------------------------------


def results_confirmed_at(assignment):
    """When the mentor confirmed the assignment's winners (the first such decision), or None while
    the jury is still judging. Nothing of the jury's scores is shown to anyone before."""
    if not Submission.objects.filter(assignment=assignment, status=Submission.Status.WINNER).exists():
        return None
    return (
        ModerationDecision.objects.filter(
            submission__assignment=assignment, action=ModerationDecision.Action.WINNER
        ).aggregate(at=Min("created_at"))["at"]
        or timezone.now()
    )


def juror_numbers(scores):
    """{juror id: 1, 2, 3…}: jurors numbered by their first score in the assignment (then by id), so
    the numbers stay put once given and say nothing about who the jurors are."""
    first = {}
    for score in scores:
        key = (score.created_at, score.pk)
        first[score.juror_id] = min(first.get(score.juror_id, key), key)
    ordered = sorted(first, key=lambda juror: (first[juror], juror))
    return {juror: number for number, juror in enumerate(ordered, start=1)}


def juror_label(number):
    return f"Член жюри {number}"


def appeal_window(assignment, confirmed_at=None):
    """(opens, closes) of the assignment's appeal window, or None before the results. Editors set the
    dates in Wagtail; by default the window opens with the results and lasts APPEAL_DAYS days."""
    confirmed_at = confirmed_at or results_confirmed_at(assignment)
    if confirmed_at is None:
        return None
    opens = assignment.appeals_open_at or confirmed_at
    closes = assignment.appeals_close_at or confirmed_at + timedelta(days=APPEAL_DAYS)
    return opens, closes


def appeal_counts(assignment):
    return Appeal.objects.filter(submission__assignment=assignment).aggregate(
        filed=Count("pk"), upheld=Count("pk", filter=Q(status=Appeal.Status.UPHELD))
    )


def _results_rows(assignment):
    scores = list(judged_scores(assignment).select_related("submission__student"))
    stats = ranking.juror_stats((s.juror_id, s.submission_id, s.submission.age_band, s.total) for s in scores)
    bands = ranking.z_score_ranking((s.juror_id, s.submission_id, s.submission.age_band, s.total) for s in scores)
    return scores, stats, bands


def public_results(assignment):
    """The public, anonymised score table of an assignment whose results are confirmed (None before):
    per work its public number, title and author's public name (first name, surname initial), every
    juror's points as «Член жюри N», its z-score and place; the winners; the appeal counts. Works that
    were never approved are not in it (their scores do not count either)."""
    confirmed_at = results_confirmed_at(assignment)
    if confirmed_at is None:
        return None
    criteria = list(assignment.criteria.all())
    scores, _stats, bands = _results_rows(assignment)
    numbers = juror_numbers(scores)
    by_work = {}
    for score in sorted(scores, key=lambda s: numbers[s.juror_id]):
        by_work.setdefault(score.submission_id, []).append(
            {
                "juror": numbers[score.juror_id],
                "points": dict(score.points),
                "total": score.total,
                # the same points in the criteria's order (JSONB keeps keys in its own order)
                "in_order": [score.points.get(str(c.pk)) for c in criteria],
            }
        )
    works = {s.submission_id: s.submission for s in scores}
    table = []
    for band, rows in bands.items():
        for row in rows:
            work = works[row["work"]]
            shown = not work.hidden
            table.append(
                {
                    "code": work.pk,
                    "title": work.title if shown else "Работа скрыта по жалобам",
                    "author": work.student.public_name if shown else "",
                    "age_band": band,
                    "status": work.status,
                    "winner": work.status == Submission.Status.WINNER,
                    "scores": by_work[work.pk],
                    "score": row["score"],
                    "mean_total": row["mean_total"],
                    "place": row["place"],
                    "url": f"/gallery/{work.pk}/" if work.is_public else "",
                }
            )
    window = appeal_window(assignment, confirmed_at)
    return {
        "assignment": {
            "id": assignment.pk,
            "title": assignment.title,
            "direction": assignment.direction.title,
            "season": str(assignment.season),
        },
        "results_confirmed_at": confirmed_at,
        "rule": ranking.RULE_VERSION,
        "criteria": [{"id": str(c.pk), "name": c.name, "max_points": c.max_points} for c in criteria],
        "jurors": [juror_label(n) for n in sorted(numbers.values())],
        "works": table,
        "winners": [row["code"] for row in table if row["winner"]],
        "appeals": {**appeal_counts(assignment), "opens_at": window[0], "closes_at": window[1]},
    }


def confirmed_results_assignments():
    """Assignments whose winners are confirmed, newest first: the public results pages."""
    return (
        Assignment.objects.filter(submissions__status=Submission.Status.WINNER)
        .distinct()
        .select_related("direction", "season")
        .order_by("-closes_at")
    )


def work_results(submission):
    """What the child (and the guardian) sees of the jury's judging of their work once the results
    are confirmed (None before, or when the jury did not score it): each juror's points per
    criterion as «Член жюри N» with the comment, and the numbers behind the z-score rule — the
    juror's mean and spread, the work's z-scores, their mean, the place in the age band."""
    assignment = submission.assignment
    if results_confirmed_at(assignment) is None:
        return None
    scores, stats, bands = _results_rows(assignment)
    rows = bands.get(submission.age_band, [])
    mine = next((row for row in rows if row["work"] == submission.pk), None)
    if mine is None:
        return None
    numbers = juror_numbers(scores)
    criteria = list(assignment.criteria.all())
    jurors = []
    for score in sorted((s for s in scores if s.submission_id == submission.pk), key=lambda s: numbers[s.juror_id]):
        mean, spread = stats[score.juror_id]
        jurors.append(
            {
                "label": juror_label(numbers[score.juror_id]),
                "points": [(c.name, score.points.get(str(c.pk)), c.max_points) for c in criteria],
                "total": score.total,
                "comment": score.comment,
                "mean": round(mean, 2),
                "spread": round(spread, 2),
                "z": round(ranking.z_score(score.total, mean, spread), 2),
            }
        )
    return {
        "assignment": assignment,
        "criteria": criteria,
        "max_total": sum(c.max_points for c in criteria),
        "jurors": jurors,
        "score": mine["score"],
        "place": mine["place"],
        "band": submission.age_band,
        "band_size": len(rows),
        "winner": submission.status == Submission.Status.WINNER,
    }


def appeals_of(submission):
    return list(Appeal.objects.filter(submission=submission).order_by("-created_at"))


def appeal_queue(status=""):
    appeals = Appeal.objects.select_related("submission__assignment", "submission__student")
    if status:
        appeals = appeals.filter(status=status)
    return appeals.order_by("status" if not status else "created_at", "created_at")


def audience_award(assignment, limit=10):
    """The most liked public works of an assignment, per age band: shown apart from the jury ranking."""
    works = (
        Submission.objects.filter(
            assignment=assignment, status__in=Submission.PUBLIC_STATUSES, hidden=False, withdrawn_at__isnull=True
        )
        .select_related("student__region")
        .order_by("-like_count", "submitted_at")
    )
    bands = {}
    for work in works:
        rows = bands.setdefault(work.age_band, [])
        if len(rows) < limit:
            rows.append(work)
    return dict(sorted(bands.items()))


# --- the site's cabinet and the season report ---------------------------------------------------------


def works_of(student, *, with_hidden_by_consent=False):
    """A student's own works, all statuses, with the jury's feedback when there is any. The child's
    cabinet and the guardian's page of the child read the same list; the guardian also sees the works
    a withdrawn consent hid (a live student's withdrawn works are only those)."""
    works = Submission.objects.filter(student=student)
    if not with_hidden_by_consent or student.is_deleted:
        works = works.filter(withdrawn_at__isnull=True)
    return works.select_related("assignment").prefetch_related("files", "scores").order_by("-created_at")


def lessons_in_progress(student):
    """The lessons a student has started, most recent first."""
    return LessonProgress.objects.filter(student=student).select_related("lesson").order_by("-updated_at")


def open_assignments_for(student, now=None):
    """Assignments whose submission window is open and that take the student's age band (learning
    checks both again when the work is submitted)."""
    now = now or timezone.now()
    candidates = Assignment.objects.select_related("direction", "masterclass").order_by("title")
    return [a for a in candidates if a.is_open(now) and (not a.age_bands or student.age_band in a.age_bands)]


def children_of_guardian(user):
    """The live student accounts this account is the guardian of, with their accounts, each marked
    `has_consent` (a guardian's or the child's own consent stands)."""
    if not user.is_authenticated:
        return []
    standing = Consent.objects.filter(
        student=OuterRef("pk"), kind__in=[Consent.Kind.GUARDIAN, Consent.Kind.OWN], withdrawn_at__isnull=True
    )
    return list(
        Student.objects.filter(guardian=user, deleted_at__isnull=True)
        .select_related("user")
        .annotate(has_consent=Exists(standing))
        .order_by("created_at", "pk")
    )


def child_of_guardian(user, student_id):
    """One live child of this guardian (marked as in `children_of_guardian`), or None: never
    another family's child."""
    return next((child for child in children_of_guardian(user) if child.pk == student_id), None)


def consents_of(student):
    """The child's consents, newest first (given and withdrawn)."""
    return list(student.consents.order_by("-given_at", "-pk"))


def guardian_email_of(student):
    """The email of the guardian who looks after this child: the linked account's, else the one the
    child gave at registration ("" when none)."""
    if student.guardian_id and student.guardian.email:
        return student.guardian.email
    return student.guardian_email


def season_assignment_ids(season, direction=None):
    """Ids of the season's assignments (of one direction, if given)."""
    assignments = Assignment.objects.filter(season=season)
    if direction is not None:
        assignments = assignments.filter(direction=direction)
    return list(assignments.values_list("pk", flat=True))


def progress_on_lessons(lesson_ids):
    """Every student's progress on these lessons (one row per student and lesson)."""
    return LessonProgress.objects.filter(lesson_id__in=lesson_ids)


def works_of_assignments(assignment_ids):
    """Every work sent to these assignments, in any status."""
    return Submission.objects.filter(assignment_id__in=assignment_ids)


def work_counts():
    """How the report counts works, as aggregates for .annotate()/.aggregate(): all of them, and
    how many are public, won, were rejected or wait for a moderator."""
    return {
        "works": Count("pk"),
        "public": Count("pk", filter=Q(status__in=Submission.PUBLIC_STATUSES)),
        "winners": Count("pk", filter=Q(status=Submission.Status.WINNER)),
        "rejected": Count("pk", filter=Q(status=Submission.Status.REJECTED)),
        "pending": Count("pk", filter=Q(status=Submission.Status.PENDING)),
    }


def active_student_groups(progress, works):
    """Students who watched a lesson (a row of `progress`) or sent a work (a row of `works`), as
    two disjoint querysets: watched a lesson; sent a work and watched none.

    Each is one (anti-)join that PostgreSQL runs as a hash join, which spills to disk if it must.
    `watched OR sent` in one WHERE cannot be a join: PostgreSQL then needs both id sets hashed in
    work_mem, and once they outgrow it (as 300,000 progress rows did on the benchmark) it
    rescans a set for every student, minutes instead of a third of a second."""
    watched = Exists(progress.filter(student=OuterRef("pk")))
    sent = Exists(works.filter(student=OuterRef("pk")))
    return [Student.objects.filter(watched), Student.objects.filter(sent).exclude(watched)]


def students_registered_between(start, end):
    """How many live student accounts were created between two moments."""
    return Student.objects.filter(deleted_at__isnull=True, created_at__range=(start, end)).count()


def likes_on_assignments(assignment_ids):
    """How many likes the works of these assignments carry now."""
    return Like.objects.filter(submission__assignment_id__in=assignment_ids).count()


def jury_figures_by_direction(works):
    """The jury's side of `works` per direction id: works in the jury's hands (shortlisted and on)
    with the scores due, fully scored works, winners and finalists; and the scores given.
    Returns ({direction_id: {works, due, scored, winners, finalists}}, {direction_id: scores})."""
    judged = works.filter(status__in=SHORTLIST_STATUSES)
    score_count = (
        Score.objects.filter(submission=OuterRef("pk")).values("submission").annotate(n=Count("pk")).values("n")
    )
    figures = {
        row["assignment__direction_id"]: row
        for row in judged.annotate(score_total=Coalesce(Subquery(score_count, output_field=IntegerField()), Value(0)))
        .values("assignment__direction_id")
        .annotate(
            works=Count("pk"),
            due=Sum("assignment__jurors_per_work"),
            scored=Count("pk", filter=Q(score_total__gte=F("assignment__jurors_per_work"))),
            winners=Count("pk", filter=Q(status=Submission.Status.WINNER)),
            finalists=Count("pk", filter=Q(status=Submission.Status.FINALIST)),
        )
    }
    given = dict(
        Score.objects.filter(submission__in=judged.values("pk"))
        .values("submission__assignment__direction_id")
        .annotate(n=Count("pk"))
        .values_list("submission__assignment__direction_id", "n")
    )
    return figures, given


# --- suspicious likes (the «Подозрительная активность» screen) ---------------------------------


def like_network(ip):
    """The /24 (IPv4) or /64 (IPv6) network of an address, as text; "" for none or garbage."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


@dataclass
class LikeCluster:
    """Likes of one work that look coordinated: from one network, or from accounts created one
    after another. `id` names exactly these accounts on this work (a void names what it saw)."""

    id: str
    submission_id: int
    title: str
    reasons: list
    accounts: list  # [(account id, what may be shown of it, created at)]
    likes: int
    addresses: int
    first: datetime.datetime
    last: datetime.datetime

    @property
    def account_ids(self):
        return [account_id for account_id, _, _ in self.accounts]

    @property
    def description(self):
        return f"работа №{self.submission_id} {quoted(self.title)}, лайков: {self.likes}; {'; '.join(self.reasons)}"


def _created_together(rows, minutes):
    """Runs of (user id, created at), sorted by creation, each created within `minutes` of the one before."""
    runs, run = [], []
    for user_id, joined in rows:
        if run and joined - run[-1][1] > datetime.timedelta(minutes=minutes):
            runs.append(run)
            run = []
        run.append((user_id, joined))
    return [*runs, run] if run else runs


def suspicious_clusters(now=None):
    """The clusters of likes from the last ENGAGEMENT_LIKE_IP_RETENTION_DAYS days, largest first.

    A work's likes form a cluster when at least ENGAGEMENT_CLUSTER_MIN_LIKES of them come from one
    /24 (IPv6 /64) network (one GROUP BY over the partial index like_submission_network), or from
    accounts created in that window one after another within ENGAGEMENT_CLUSTER_JOIN_MINUTES (one
    ordered query, cut into runs here: portable to SQLite). Overlapping groups of one work merge."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=settings.ENGAGEMENT_LIKE_IP_RETENTION_DAYS)
    least, minutes = settings.ENGAGEMENT_CLUSTER_MIN_LIKES, settings.ENGAGEMENT_CLUSTER_JOIN_MINUTES
    recent = Like.objects.filter(created_at__gte=since)
    groups = {}  # submission id -> [(reason, set of user ids)]
    by_network = (
        recent.exclude(network="")
        .values("submission_id", "network")
        .annotate(n=Count("pk"))
        .filter(n__gte=least)
        .values_list("submission_id", "network")
    )
    networks = list(by_network)
    if networks:
        members = recent.filter(
            submission_id__in={submission_id for submission_id, _ in networks},
            network__in={network for _, network in networks},
        ).values_list("submission_id", "network", "user_id")
        users = {}
        for submission_id, network, user_id in members:
            users.setdefault((submission_id, network), set()).add(user_id)
        for submission_id, network in networks:
            groups.setdefault(submission_id, []).append((f"из одной сети {network}", users[submission_id, network]))
    rows = (
        recent.filter(user__date_joined__gte=since)
        .order_by("submission_id", "user__date_joined", "user_id")
        .values_list("submission_id", "user_id", "user__date_joined")
    )
    joined_by_work = {}
    for submission_id, user_id, joined in rows:
        joined_by_work.setdefault(submission_id, []).append((user_id, joined))
    for submission_id, joined in joined_by_work.items():
        for run in _created_together(joined, minutes):
            if len(run) >= least:
                span = max(1, round((run[-1][1] - run[0][1]).total_seconds() / 60))
                reason = f"аккаунты созданы друг за другом: {len(run)} за {span} мин"
                groups.setdefault(submission_id, []).append((reason, {user_id for user_id, _ in run}))
    return _clusters(groups, recent)


def _clusters(groups, recent):
    clusters = []
    for submission_id, found in groups.items():
        merged = []  # [(reasons, user ids)]: groups of one work that share an account become one
        for reason, user_ids in found:
            reasons, members = [reason], set(user_ids)
            for other in [group for group in merged if group[1] & members]:
                merged.remove(other)
                reasons, members = other[0] + reasons, other[1] | members
            merged.append((reasons, members))
        for reasons, members in merged:
            clusters.append(_cluster(submission_id, reasons, members, recent))
    return sorted(clusters, key=lambda cluster: (-cluster.likes, cluster.submission_id))


def _cluster(submission_id, reasons, members, recent):
    likes = recent.filter(submission_id=submission_id, user_id__in=members)
    figures = likes.aggregate(
        likes=Count("pk"), addresses=Count("ip", distinct=True), first=Min("created_at"), last=Max("created_at")
    )
    accounts = [
        (user.pk, _shown_name(user), user.date_joined)
        for user in get_user_model().objects.filter(pk__in=members).select_related("student").order_by("date_joined")
    ]
    digest = hashlib.sha256(",".join(str(pk) for pk in sorted(members)).encode()).hexdigest()[:16]
    title = Submission.objects.filter(pk=submission_id).values_list("title", flat=True).first() or ""
    return LikeCluster(
        id=f"{submission_id}-{digest}",
        submission_id=submission_id,
        title=title,
        reasons=reasons,
        accounts=accounts,
        **figures,
    )


def _shown_name(user):
    """What the screen shows of an account: a child's public name only, never an adult's login or email."""
    student = getattr(user, "student", None)
    if student is not None:
        return f"{student.public_name or 'ученик'} (ученик)"
    return "взрослый"


def suspicious_cluster(cluster_id, now=None):
    """The cluster of `suspicious_clusters` with this id, or None (voided, or its accounts changed)."""
    return next((cluster for cluster in suspicious_clusters(now) if cluster.id == cluster_id), None)
