"""Reads of events for pages, the cabinet, the admin, the season report, certificates and the data export."""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from cms.models import EventPage
from events.models import CheckIn, Event, Registration, VolunteerSignup
from learning.models import Student, age_on


def event_for_page(page):
    return Event.objects.filter(page=page).first()


def places_left(event):
    taken = event.registrations.filter(status=Registration.Status.CONFIRMED).aggregate(n=Sum("seats"))["n"] or 0
    return max(0, event.capacity - taken)


def registrations_of(user, event=None):
    """Tickets a person holds: their own, and their children's however they were registered."""
    tickets = Registration.objects.filter(Q(owner=user) | Q(student__user=user) | Q(student__guardian=user))
    if event is not None:
        tickets = tickets.filter(event=event)
    return tickets.exclude(status=Registration.Status.CANCELLED).select_related("event__page", "student").distinct()


def children_to_register(user):
    """Whom this account may sign up as a child: itself (a student) and the guardian's children."""
    return list(Student.objects.filter(Q(user=user) | Q(guardian=user), deleted_at__isnull=True).order_by("first_name"))


def sign_up_offer(user, event):
    """What the event page offers a signed-in person, from their active tickets here (`mine`):
    a student signs herself up (`myself`, None once she holds a ticket or a waiting place — then
    `registered` is that ticket); anyone else gets their children not yet registered (`children`)
    and, unless they already hold one, a place for themselves (`adult`) and for a school group
    (`group`). A child whose age on the event's day is outside its limits is not offered: the
    student gets `age` instead of `myself`, a guardian's child goes to `out_of_age` as (child, age).
    The services still refuse whatever the page does not offer."""
    mine = list(registrations_of(user, event))
    by_student = {r.student_id: r for r in mine if r.student_id}
    own_kinds = {r.kind for r in mine if r.owner_id == user.pk and r.student_id is None}
    student = Student.objects.filter(user=user, deleted_at__isnull=True).first()
    if student is not None:
        registered = by_student.get(student.pk)
        age = age_on_the_day(event, student)
        admitted = age is None or event.admits_age(age)
        return {
            "mine": mine,
            "is_student": True,
            "myself": None if registered or not admitted else student,
            "age": None if registered or admitted else age,
            "registered": registered,
            "children": [],
            "out_of_age": [],
            "adult": False,
            "group": False,
        }
    children, out_of_age = [], []
    for child in children_to_register(user):
        if child.pk in by_student:
            continue
        age = age_on_the_day(event, child)
        if age is None or event.admits_age(age):
            children.append(child)
        else:
            out_of_age.append((child, age))
    return {
        "mine": mine,
        "is_student": False,
        "myself": None,
        "age": None,
        "registered": None,
        "children": children,
        "out_of_age": out_of_age,
        "adult": Registration.Kind.ADULT not in own_kinds,
        "group": Registration.Kind.GROUP not in own_kinds,
    }


def age_on_the_day(event, student):
    """The child's age on the event's day, None without a birth date (the service then asks for it)."""
    return None if student.birth_date is None else age_on(student.birth_date, event.day)


def open_shifts(event):
    return event.shifts.annotate(taken=Count("signups", filter=Q(signups__cancelled_at__isnull=True))).order_by(
        "starts_at"
    )


def volunteer_record(user):
    """A volunteer's shifts (not cancelled) and the hours coordinators confirmed."""
    signups = list(
        VolunteerSignup.objects.filter(volunteer=user, cancelled_at__isnull=True)
        .select_related("shift__event__page")
        .order_by("-shift__starts_at")
    )
    hours = sum((s.hours for s in signups if s.hours is not None), start=0)
    return {"signups": signups, "hours": hours}


def signup_for_certificate(signup_id):
    """A signup with its volunteer (and the volunteer's student profile, if any) and event page."""
    return (
        VolunteerSignup.objects.select_related("volunteer__student", "shift__event__page").filter(pk=signup_id).first()
    )


def confirmed_hours_between(user_id, start, end):
    """A volunteer's hours confirmed by coordinators on shifts (not given up) of events that start
    between the dates `start` and `end`, and the titles of those events (in date order)."""
    signups = (
        VolunteerSignup.objects.filter(
            volunteer_id=user_id,
            cancelled_at__isnull=True,
            hours__isnull=False,
            shift__event__page__starts_at__date__range=(start, end),
        )
        .select_related("shift__event__page")
        .order_by("shift__event__page__starts_at")
    )
    hours, titles = Decimal(0), []
    for signup in signups:
        hours += signup.hours
        title = signup.shift.event.page.title
        if signup.hours > 0 and title not in titles:
            titles.append(title)
    return hours, titles


def volunteers_with_hours_between(start, end):
    """Every volunteer with hours confirmed on shifts of events starting between the dates `start`
    and `end`: (user, hours, event titles), in the order of the users' ids. One query."""
    signups = (
        VolunteerSignup.objects.filter(
            cancelled_at__isnull=True, hours__isnull=False, shift__event__page__starts_at__date__range=(start, end)
        )
        .select_related("volunteer__student", "shift__event__page")
        .order_by("volunteer_id", "shift__event__page__starts_at")
    )
    found = {}
    for signup in signups:
        user, hours, titles = found.setdefault(signup.volunteer_id, (signup.volunteer, [Decimal(0)], []))
        hours[0] += signup.hours
        title = signup.shift.event.page.title
        if signup.hours > 0 and title not in titles:
            titles.append(title)
    return [(user, hours[0], titles) for user, hours, titles in found.values()]


def export_for_student(student):
    """What events keep about a child, for «Скачать мои данные»: registrations (with their tickets
    and check-ins at the door) and volunteer shifts."""
    user_id = student.user_id
    registrations = (
        Registration.objects.filter(Q(student=student) | Q(owner_id=user_id))
        .select_related("event__page")
        .prefetch_related("check_ins")
        .order_by("created_at", "pk")
    )
    signups = (
        VolunteerSignup.objects.filter(volunteer_id=user_id)
        .select_related("shift__event__page")
        .order_by("shift__starts_at", "pk")
    )
    return {
        "event_registrations": [
            {
                "event": r.event.page.title,
                "starts_at": r.event.page.starts_at.isoformat(),
                "town": r.event.page.town,
                "venue": r.event.page.venue,
                "kind": r.kind,
                "seats": r.seats,
                "status": r.status,
                "status_display": r.get_status_display(),
                "ticket_code": r.ticket_code,
                "registered_at": r.created_at.isoformat(),
                "promoted_at": r.promoted_at.isoformat() if r.promoted_at else None,
                "cancelled_at": r.cancelled_at.isoformat() if r.cancelled_at else None,
                "check_ins": [
                    {"scanned_at": c.scanned_at.isoformat(), "people": c.people, "repeated": c.repeated}
                    for c in r.check_ins.all()
                ],
            }
            for r in registrations
        ],
        "volunteer_shifts": [
            {
                "event": s.shift.event.page.title,
                "role": s.shift.role,
                "starts_at": s.shift.starts_at.isoformat(),
                "ends_at": s.shift.ends_at.isoformat(),
                "signed_up_at": s.created_at.isoformat(),
                "cancelled_at": s.cancelled_at.isoformat() if s.cancelled_at else None,
                "hours_confirmed": str(s.hours) if s.hours is not None else None,
                "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at else None,
            }
            for s in signups
        ],
    }


def roster(event):
    """What the door needs, also offline: every confirmed ticket's code, display name and seats."""
    rows = event.registrations.filter(status=Registration.Status.CONFIRMED).select_related("student").order_by("name")
    checked = set(event.check_ins.filter(repeated=False).values_list("registration_id", flat=True))
    return [{"code": r.ticket_code, "name": r.display_name, "seats": r.seats, "in": r.pk in checked} for r in rows]


def attendance(event):
    """Registered against came: confirmed places, people checked in by ticket, walk-ins, repeats."""
    confirmed = event.registrations.filter(status=Registration.Status.CONFIRMED).aggregate(
        n=Coalesce(Sum("seats"), 0), tickets=Count("pk")
    )
    checks = event.check_ins.aggregate(
        by_ticket=Coalesce(Sum("people", filter=Q(kind=CheckIn.Kind.TICKET, repeated=False)), 0),
        walk_ins=Coalesce(Sum("people", filter=Q(kind=CheckIn.Kind.WALK_IN)), 0),
        repeated=Count("pk", filter=Q(repeated=True)),
    )
    waiting = event.registrations.filter(status=Registration.Status.WAITLISTED).count()
    return {
        "registered": confirmed["n"],
        "tickets": confirmed["tickets"],
        "waiting": waiting,
        "came_by_ticket": checks["by_ticket"],
        "walk_ins": checks["walk_ins"],
        "came": checks["by_ticket"] + checks["walk_ins"],
        "repeated": checks["repeated"],
    }


def public_figures(page):
    """{"came", "volunteers", "recorded"} for an event page: from check-ins and confirmed hours when
    the event runs on the platform, else the editor's numbers (`recorded` False). Zero counts are None."""
    event = event_for_page(page)
    if event is None:
        return {"came": page.attendance or None, "volunteers": page.volunteers or None, "recorded": False}
    came = event.check_ins.filter(repeated=False).aggregate(n=Sum("people"))["n"]
    helped = (
        VolunteerSignup.objects.filter(shift__event=event, cancelled_at__isnull=True, hours__gt=0)
        .values("volunteer")
        .distinct()
        .count()
    )
    return {"came": came or None, "volunteers": helped or None, "recorded": True}


def volunteers_of(event):
    signups = list(
        VolunteerSignup.objects.filter(shift__event=event, cancelled_at__isnull=True)
        .select_related("shift", "volunteer__student", "confirmed_by")
        .order_by("shift__starts_at", "volunteer__last_name")
    )
    for signup in signups:
        signup.volunteer_name = volunteer_name(signup.volunteer)
    return signups


def volunteer_name(user):
    """How the event's staff see a volunteer: an adult's first name and surname; a student (14+)
    as everywhere outside the child's own account, first name and surname initial; the email only
    when no name was given."""
    student = getattr(user, "student", None)
    if student is not None and not student.is_deleted and student.public_name:
        return student.public_name
    return user.get_full_name().strip() or user.email or user.get_username()


def season_offline(start, end):
    """Every live event page starting in [start, end] with its offline figures, for the season
    report. An event run on the platform (it has registration settings) counts from its records:
    confirmed places, people let in (tickets once, walk-ins), volunteers with confirmed hours and
    those hours. An event run outside the platform keeps the numbers editors typed in, marked
    `hand_typed`. Four queries whatever the number of events."""
    pages = list(
        EventPage.objects.live()
        .filter(starts_at__range=(start, end))
        .select_related("region")
        .order_by("starts_at")
        .values("pk", "region_id", "region__name", "town", "starts_at", "attendance", "volunteers")
    )
    ids = [page["pk"] for page in pages]
    platform = dict(Event.objects.filter(page_id__in=ids).values_list("page_id", "pk"))
    registered = dict(
        Registration.objects.filter(event__page_id__in=ids, status=Registration.Status.CONFIRMED)
        .values("event__page_id")
        .annotate(n=Sum("seats"))
        .values_list("event__page_id", "n")
    )
    came = dict(
        CheckIn.objects.filter(event__page_id__in=ids, repeated=False)
        .values("event__page_id")
        .annotate(n=Sum("people"))
        .values_list("event__page_id", "n")
    )
    helped = {
        row["shift__event__page_id"]: row
        for row in VolunteerSignup.objects.filter(shift__event__page_id__in=ids, cancelled_at__isnull=True, hours__gt=0)
        .values("shift__event__page_id")
        .annotate(people=Count("volunteer", distinct=True), hours=Sum("hours"))
    }
    rows = []
    for page in pages:
        pk = page["pk"]
        on_platform = pk in platform
        volunteers = helped.get(pk, {})
        rows.append(
            {
                "region": page["region__name"],
                "region_id": page["region_id"],
                "town": page["town"],
                "hand_typed": not on_platform,
                "registered": registered.get(pk, 0) if on_platform else None,
                "came": came.get(pk, 0) if on_platform else page["attendance"],
                "volunteers": volunteers.get("people", 0) if on_platform else page["volunteers"],
                "hours": volunteers.get("hours") or 0,
                "reported": (came.get(pk, 0) > 0) if on_platform else page["attendance"] is not None,
            }
        )
    return rows


def coordinated_events(user):
    """The events `user` coordinates, the coming ones first, then the past ones, latest first."""
    if not user.is_authenticated:
        return []
    events = list(Event.objects.filter(coordinators=user).select_related("page"))
    now = timezone.now()
    coming = sorted((e for e in events if e.page.starts_at >= now), key=lambda e: e.page.starts_at)
    past = sorted((e for e in events if e.page.starts_at < now), key=lambda e: e.page.starts_at, reverse=True)
    return coming + past
