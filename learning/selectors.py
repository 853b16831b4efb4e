"""Reads other apps make of learning: what a student achieved and who looks after whom.

Certificates and the cabinet read through these functions rather than through learning's models,
so learning can change its tables without breaking them.
"""

from django.db.models import Count, Exists, F, IntegerField, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from learning.models import Assignment, LessonProgress, Like, Score, Student, Submission

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
    from django.contrib.auth import get_user_model

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
    from cms.models import LessonPage, MasterclassPage

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
    from cms.models import MasterclassPage

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


# --- the site's cabinet and the season report ---------------------------------------------------------


def works_of(student):
    """A student's own works, all statuses, with the jury's feedback when there is any."""
    return (
        Submission.objects.filter(student=student, withdrawn_at__isnull=True)
        .select_related("assignment")
        .prefetch_related("files", "scores")
        .order_by("-created_at")
    )


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
    """The live student accounts this account is the guardian of, with their accounts."""
    if not user.is_authenticated:
        return []
    return list(Student.objects.filter(guardian=user, deleted_at__isnull=True).select_related("user"))


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
