"""Read-only querysets the site's pages list. Which works are public is the learning app's rule
(`learning.selectors.public_works`, with its filters); these only add what a page shows and its filters."""

from django.db.models import Prefetch
from django.utils import timezone


def public_works(direction="", age_band="", region="", kind="", ordering="newest"):
    """Works a visitor may see (learning's rule), newest approval (or most likes) first, with what a
    card shows loaded up front, narrowed by the gallery's filters."""
    from learning import selectors as learning
    from learning.models import SubmissionFile

    works = learning.order_works(
        learning.public_works()
        .select_related("student__region", "assignment__direction", "assignment__masterclass")
        .prefetch_related(Prefetch("files", queryset=SubmissionFile.objects.select_related("video"))),
        ordering,
    )
    works = learning.filter_works(works, direction=direction, kind=kind)
    if age_band:
        works = learning.by_author(works, age_band=age_band)
    if region:
        works = learning.by_author(works, student__region__code=region)
    return works


def works_of(student):
    """A student's own works, all statuses, with the jury's feedback when there is any."""
    from learning.models import Submission

    return (
        Submission.objects.filter(student=student, withdrawn_at__isnull=True)
        .select_related("assignment")
        .prefetch_related("files", "scores")
        .order_by("-created_at")
    )


def lessons_in_progress(student):
    """The lessons a student has started, most recent first."""
    from learning.models import LessonProgress

    return LessonProgress.objects.filter(student=student).select_related("lesson").order_by("-updated_at")


def open_assignments_for(student, now=None):
    """Assignments whose submission window is open and that take the student's age band (learning
    checks both again when the work is submitted)."""
    from learning.models import Assignment

    now = now or timezone.now()
    candidates = Assignment.objects.select_related("direction", "masterclass").order_by("title")
    return [a for a in candidates if a.is_open(now) and (not a.age_bands or student.age_band in a.age_bands)]


def children_of_guardian(user):
    from learning.models import Student

    if not user.is_authenticated:
        return []
    return list(Student.objects.filter(guardian=user, deleted_at__isnull=True).select_related("user"))
