"""Reads other apps make of learning: what a student achieved and who looks after whom.

Certificates and the cabinet read through these functions rather than through learning's models,
so learning can change its tables without breaking them.
"""

from django.db.models import Count, Min, Q

from learning.models import LessonProgress, Student, Submission

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
