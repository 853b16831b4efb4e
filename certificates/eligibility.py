"""Who has earned which certificate, read from learning through its selectors.

This module is the only place that knows what learning's statuses mean for certificates:
a work approved in a season's assignment earns «участник», one that reached the jury's shortlist
«финалист», one the mentor confirmed «победитель»; a masterclass whose every lesson was completed
under learning's 95 % rule earns its completion certificate. Volunteers' hours are read from events:
a season's hours confirmed by coordinators earn one «волонтёр» certificate of that season, with the
season's total printed on it.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.utils import timezone

from certificates.models import Kind
from cms.models import LessonPage, Season
from events import selectors as events
from learning import selectors as learning


@dataclass(frozen=True)
class Claim:
    """What a caller asks to certify: who, what kind, for what, and what the paper says."""

    holder_id: int
    kind: str
    subject: object
    season: object
    first_name: str
    surname: str = ""
    direction: object = None
    title: str = ""
    mentor_name: str = ""
    hours: object = None  # a volunteer's season total (Decimal); None for every other kind

    @property
    def key(self):
        return (self.holder_id, self.kind, ContentType.objects.get_for_model(self.subject).pk, self.subject.pk)


def kinds_for_status(status):
    kinds = [Kind.PARTICIPANT]
    if status in learning.SHORTLIST_STATUSES:
        kinds.append(Kind.FINALIST)
    if status in learning.WINNER_STATUSES:
        kinds.append(Kind.WINNER)
    return kinds


def claims_for_work(work):
    """The claims a recognised work earns (see `learning.selectors.recognised_works`)."""
    assignment = work.assignment
    masterclass = assignment.masterclass
    mentor = masterclass.mentor if masterclass and masterclass.mentor_id else assignment.direction.curator
    return [
        Claim(
            holder_id=work.student.user_id,
            kind=kind,
            subject=work,
            season=assignment.season,
            first_name=work.student.first_name,
            surname=work.student.surname,
            direction=assignment.direction,
            title=assignment.title,
            mentor_name=mentor.title if mentor else "",
        )
        for kind in kinds_for_status(work.status)
    ]


def claim_for_completion(student, masterclass):
    direction = masterclass.get_parent_direction()
    mentor = masterclass.mentor or (direction.curator if direction else None)
    return Claim(
        holder_id=student.user_id,
        kind=Kind.COMPLETION,
        subject=masterclass,
        season=masterclass.season,
        first_name=student.first_name,
        surname=student.surname,
        direction=direction,
        title=masterclass.title,
        mentor_name=mentor.title if mentor else "",
    )


def volunteer_claim(signup_id):
    """(season, claim) for the volunteer of a confirmed shift: the claim to the season's volunteer
    certificate with every hour confirmed in that season, or None when the season's total is 0 or
    nothing can be printed as the holder's name. (None, None) when the signup is gone or its event
    falls in no season."""
    signup = events.signup_for_certificate(signup_id)
    if signup is None:
        return None, None
    day = timezone.localtime(signup.shift.event.page.starts_at).date()
    season = Season.objects.filter(starts_on__lte=day, ends_on__gte=day).first()
    if season is None:
        return None, None
    user = signup.volunteer
    hours, titles = events.confirmed_hours_between(user.pk, season.starts_on, season.ends_on)
    return season, claim_for_volunteer(user, season, hours, titles)


def claim_for_volunteer(user, season, hours, titles):
    """The claim to a season's volunteer certificate, or None (no hour left, or no name to print)."""
    first_name, surname = holder_names(user)
    if hours <= 0 or not first_name:
        return None
    return Claim(
        holder_id=user.pk,
        kind=Kind.VOLUNTEER,
        subject=season,
        season=season,
        first_name=first_name,
        surname=surname,
        title="; ".join(titles)[:255],
        hours=hours,
    )


def season_volunteer_claims(season):
    found = events.volunteers_with_hours_between(season.starts_on, season.ends_on)
    claims = [claim_for_volunteer(user, season, hours, titles) for user, hours, titles in found]
    return [claim for claim in claims if claim is not None]


def volunteer_of_signup(signup_id):
    signup = events.signup_for_certificate(signup_id)
    return signup.volunteer_id if signup else None


def holder_names(user):
    """The name printed for an account: a student's profile names; an adult (a volunteer over 18,
    a teacher) has no student profile, so the account's own first and last name."""
    student = getattr(user, "student", None)
    if student is not None and not student.is_deleted:
        return student.first_name.strip(), student.surname.strip()
    return (user.first_name or "").strip(), (user.last_name or "").strip()


def recognised_work(submission_id):
    """The work with what its claims need, or None when it does not (or no longer) earn any."""
    return learning.recognised_works(ids=[submission_id]).first()


def work(submission_id):
    return learning.work_with_student(submission_id)


def completion_claims(student_id, lesson_id):
    """The completion claim a just-completed lesson may have earned (its whole masterclass done)."""
    student = learning.student_by_id(student_id)
    lesson = LessonPage.objects.filter(pk=lesson_id).first()
    masterclass = learning.masterclass_of_lesson(lesson) if lesson else None
    if student is None or masterclass is None:
        return []
    pairs = learning.completed_masterclasses(student=student, masterclass=masterclass)
    return [claim_for_completion(child, course) for child, course in pairs]


def season_claim_count(season):
    """How many claims `season_claims` will yield (the batch's total)."""
    counts = learning.recognised_works(season=season).aggregate(
        works=Count("pk"),
        shortlisted=Count("pk", filter=Q(status__in=learning.SHORTLIST_STATUSES)),
        winners=Count("pk", filter=Q(status__in=learning.WINNER_STATUSES)),
    )
    completions = len(learning.completed_masterclasses(season=season))
    return sum(counts.values()) + completions + len(season_volunteer_claims(season))


def season_claims(season, *, chunk=200):
    """Every claim of a season in lists of about `chunk`: works in key order, read a slice at a
    time (memory stays flat however big the season), then masterclass completions, then
    volunteers' certificates of hours."""
    works = learning.recognised_works(season=season)
    last_pk = 0
    while True:
        page = list(works.filter(pk__gt=last_pk)[:chunk])
        if not page:
            break
        last_pk = page[-1].pk
        yield [claim for work in page for claim in claims_for_work(work)]
    pairs = learning.completed_masterclasses(season=season)
    completions = [claim_for_completion(student, course) for student, course in pairs]
    for start in range(0, len(completions), chunk):
        yield completions[start : start + chunk]
    volunteers = season_volunteer_claims(season)
    for start in range(0, len(volunteers), chunk):
        yield volunteers[start : start + chunk]


def is_guardian_of(user, holder_id):
    return learning.is_guardian_of(user, holder_id)


def ward_ids(user):
    return learning.ward_user_ids(user)


def milestones(user):
    return learning.milestones(user)
