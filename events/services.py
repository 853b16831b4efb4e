"""Operations on offline events: registering, cancelling and the waiting list, check-in at the door,
volunteer shifts. Each is one transaction; places are counted under a lock on the event's row, so two
people taking the last place never both get it."""

import datetime
import uuid
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cms.age_bands import years
from config.errors import ServiceError
from config.tasks import enqueue_on_commit
from events import selectors
from events.models import CheckIn, Event, Registration, VolunteerShift, VolunteerSignup
from events.signals import volunteer_hours_confirmed
from learning.models import GUARDIAN_CONSENT_BELOW_AGE, Consent
from learning.services import roles

MAX_GROUP = 60  # a school group with its teacher; larger parties talk to the organisers
ADULT_AGE = 18
MIN_CHILD_AGE, MAX_CHILD_AGE = 5, 18  # the ages a school group's children may be declared
VOLUNTEER_MIN_AGE = 14


# --- Roles ----------------------------------------------------------------------------------------


def is_coordinator(user, event):
    """The event's coordinators (and editors): they confirm volunteers' hours and see every list."""
    if not user or not user.is_authenticated:
        return False
    return roles.is_editor(user) or event.coordinators.filter(pk=user.pk).exists()


def is_door_staff(user, event):
    """Who may check tickets at this event's door: its staff and coordinators, and editors."""
    if not user or not user.is_authenticated:
        return False
    return is_coordinator(user, event) or event.staff.filter(pk=user.pk).exists()


def can_see_ticket(user, registration):
    """A ticket is its owner's (and, for a child, the child's and the guardian's)."""
    if not user or not user.is_authenticated:
        return False
    if registration.owner_id == user.pk:
        return True
    student = registration.student
    return bool(student and not student.is_deleted and user.pk in (student.user_id, student.guardian_id))


# --- Registration -----------------------------------------------------------------------------------


def _check_open(event, now):
    if not event.page.live:
        raise ServiceError("Мероприятие не опубликовано.", code="event_not_found", status=404)
    if event.page.starts_at <= now:
        raise ServiceError("Мероприятие уже началось: регистрация закрыта.", code="event_started", status=409)
    if not event.registration_open:
        raise ServiceError("Регистрация на это мероприятие закрыта.", code="registration_closed", status=409)


def _check_child_age(event, student):
    if student.birth_date is None:
        raise ServiceError(
            "В профиле ребёнка нет даты рождения: без неё не проверить возраст.", code="no_birth_date", field="student"
        )
    age = selectors.age_on_the_day(event, student)
    if not event.admits_age(age):
        raise ServiceError(
            f"Мероприятие для участников {event.age_limits}, а ребёнку в день мероприятия будет {years(age)}.",
            code="age_limit",
            field="student",
        )
    return age


def _check_guardian_consent(student, age):
    """The project's consent rule: under 14 only with the guardian's recorded, standing consent."""
    if age >= GUARDIAN_CONSENT_BELOW_AGE:
        return
    consented = student.consents.filter(kind=Consent.Kind.GUARDIAN, withdrawn_at__isnull=True).exists()
    if not consented:
        raise ServiceError(
            "До 14 лет записаться можно только с согласием родителя: попросите его подтвердить согласие "
            "по ссылке из письма.",
            code="guardian_consent_required",
            field="student",
        )


def _check_teacher(user):
    if getattr(user, "student", None) is not None:
        raise ServiceError(
            "Ученики записываются как дети: выберите «Ребёнок».", code="student_is_a_child", field="kind"
        )


def _check_adult(event, user):
    _check_teacher(user)
    if event.max_age is not None and event.max_age < ADULT_AGE:
        raise ServiceError(
            f"Мероприятие для детей {event.age_limits}: запишите ребёнка, взрослые сопровождают без регистрации.",
            code="age_limit",
            field="kind",
        )


def register_child(event, student, *, by, now=None):
    """A child's place: by the child or their guardian, within the event's ages, under 14 only with
    the guardian's consent. A full event puts the child on the waiting list."""
    if student.is_deleted or not (by.pk == student.user_id or by.pk == student.guardian_id):
        raise ServiceError("Записать ребёнка может он сам или его родитель.", code="not_your_child", status=403)
    age = _check_child_age(event, student)
    _check_guardian_consent(student, age)
    name = student.public_name
    return _take_place(event, now, kind=Registration.Kind.CHILD, owner=by, student=student, name=name, seats=1)


def register_adult(event, user, *, name, now=None):
    name = (name or "").strip() or user.get_full_name().strip()
    if not name:
        raise ServiceError("Укажите имя и фамилию.", code="name_required", field="name")
    _check_adult(event, user)
    return _take_place(event, now, kind=Registration.Kind.ADULT, owner=user, name=name[:200], seats=1)


def register_group(event, teacher, *, school, leader_name, head_count, ages_from=None, ages_to=None, now=None):
    """A school group led by a teacher; `head_count` counts everyone, the teacher included. The
    teacher declares the children's ages (the youngest and the oldest); when the event has age
    limits they are required and every child's age must fit them (the teacher accompanies and
    does not count against the limits)."""
    _check_teacher(teacher)
    school, leader_name = (school or "").strip(), (leader_name or "").strip()
    if not school:
        raise ServiceError("Укажите школу.", code="school_required", field="school")
    if not leader_name:
        raise ServiceError("Укажите имя и фамилию учителя — руководителя группы.", code="name_required", field="name")
    try:
        head_count = int(head_count)
    except (TypeError, ValueError):
        head_count = 0
    if not 2 <= head_count <= MAX_GROUP:
        raise ServiceError(
            f"В группе от 2 до {MAX_GROUP} человек вместе с учителем; для большей группы напишите организаторам.",
            code="group_size",
            field="head_count",
        )
    ages_from, ages_to = _check_group_ages(event, ages_from, ages_to)
    return _take_place(
        event, now, kind=Registration.Kind.GROUP, owner=teacher, name=leader_name[:200], school=school[:255],
        seats=head_count, ages_from=ages_from, ages_to=ages_to,
    )  # fmt: skip


def _age_number(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return -1


def _check_group_ages(event, ages_from, ages_to):
    """The group's declared ages (youngest, oldest) as numbers, checked against the event's limits."""
    youngest, oldest = _age_number(ages_from), _age_number(ages_to)
    limited = event.min_age is not None or event.max_age is not None
    if youngest is None and oldest is None:
        if limited:
            raise ServiceError(
                f"Мероприятие для участников {event.age_limits}: укажите возраст детей в группе — "
                "самого младшего и самого старшего.",
                code="group_ages_required",
                field="ages_from",
            )
        return None, None
    if youngest is None or oldest is None:
        youngest = oldest = youngest if oldest is None else oldest
    if not (MIN_CHILD_AGE <= youngest <= MAX_CHILD_AGE and MIN_CHILD_AGE <= oldest <= MAX_CHILD_AGE):
        raise ServiceError(
            f"Возраст детей в группе — целое число лет от {MIN_CHILD_AGE} до {MAX_CHILD_AGE}.",
            code="invalid_group_ages",
            field="ages_from",
        )
    if youngest > oldest:
        raise ServiceError(
            "Возраст «от» больше, чем «до»: укажите самого младшего и самого старшего ребёнка.",
            code="invalid_group_ages",
            field="ages_from",
        )
    if event.min_age is not None and youngest < event.min_age:
        raise ServiceError(
            f"Мероприятие для участников {event.age_limits}, а самому младшему в группе {years(youngest)}: "
            f"запишите только детей от {years(event.min_age)}.",
            code="age_limit",
            field="ages_from",
        )
    if event.max_age is not None and oldest > event.max_age:
        raise ServiceError(
            f"Мероприятие для участников {event.age_limits}, а самому старшему в группе {years(oldest)}: "
            f"запишите только детей до {years(event.max_age)}.",
            code="age_limit",
            field="ages_to",
        )
    return youngest, oldest


def _confirmed_seats(event):
    taken = event.registrations.filter(status=Registration.Status.CONFIRMED).aggregate(n=Sum("seats"))["n"]
    return taken or 0


def _take_place(event, now, **fields):
    now = now or timezone.now()
    try:
        with transaction.atomic():
            event = Event.objects.select_for_update().select_related("page").get(pk=event.pk)
            _check_open(event, now)
            waiting = event.registrations.filter(status=Registration.Status.WAITLISTED).exists()
            fits = not waiting and _confirmed_seats(event) + fields["seats"] <= event.capacity
            status = Registration.Status.CONFIRMED if fits else Registration.Status.WAITLISTED
            return Registration.objects.create(event=event, status=status, **fields)
    except IntegrityError:
        raise ServiceError(
            "Вы уже записаны на это мероприятие: билет — в личном кабинете.", code="already_registered", status=409
        )


def waiting_position(registration):
    """1 for the first on the waiting list; None when not waiting."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = registration.event.registrations.filter(
        status=Registration.Status.WAITLISTED, created_at__lt=registration.created_at
    ).count()
    return ahead + 1


def cancel_registration(registration, *, by, now=None):
    """Give the place up. A freed place goes at once to the waiting list, in order of sign-up (the
    first whose party fits), and each person moved up gets an email."""
    if not can_see_ticket(by, registration) and not is_coordinator(by, registration.event):
        raise ServiceError("Отменить может только тот, кто записывался.", code="not_your_registration", status=403)
    now = now or timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            return registration, []
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = now
        registration.save(update_fields=["status", "cancelled_at"])
        promoted = promote_from_waiting_list(event, now=now)
    return registration, promoted


def release_places_of(student, *, now=None):
    """Cancel every active registration of a child whose account is erased; freed places go to the
    waiting lists. Runs in the caller's transaction."""
    now = now or timezone.now()
    for registration in student.event_registrations.filter(status__in=Registration.ACTIVE).order_by("event_id"):
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = now
        registration.name = ""
        registration.save(update_fields=["status", "cancelled_at", "name"])
        promote_from_waiting_list(event, now=now)


def promote_from_waiting_list(event, *, now=None):
    """Within the caller's transaction and lock on `event`: confirm waiting registrations while
    places are free, and email each of them after the commit."""
    now = now or timezone.now()
    free = event.capacity - _confirmed_seats(event)
    promoted = []
    for waiting in event.registrations.filter(status=Registration.Status.WAITLISTED).order_by("created_at", "pk"):
        if free <= 0:
            break
        if waiting.seats > free:
            continue
        waiting.status = Registration.Status.CONFIRMED
        waiting.promoted_at = now
        waiting.save(update_fields=["status", "promoted_at"])
        free -= waiting.seats
        promoted.append(waiting)
    if promoted:
        for registration in promoted:
            enqueue_on_commit("events.tasks.send_promotion_notice", registration.pk)
    return promoted


def _recipients(registration):
    emails = [registration.owner.email]
    if registration.student and registration.student.guardian_email:
        emails.append(registration.student.guardian_email)
    return sorted({e for e in emails if e})


def send_promotion_notice(registration):
    """Email: a place came free and is now yours; the ticket is in the cabinet."""
    context = {
        "registration": registration,
        "page": registration.event.page,
        "cabinet_url": settings.SITE_URL + reverse("site_theme:cabinet"),
    }
    subject, _, body = render_to_string("events/emails/promoted.txt", context).strip().partition("\n")
    send_mail(subject.strip(), body.strip() + "\n", settings.DEFAULT_FROM_EMAIL, _recipients(registration))


# --- Check-in -------------------------------------------------------------------------------------


def _result(check_in, registration=None):
    registration = registration or check_in.registration
    status = "walk_in" if check_in.kind == CheckIn.Kind.WALK_IN else ("repeated" if check_in.repeated else "ok")
    result = {"id": str(check_in.pk), "status": status, "people": check_in.people}
    if registration is not None:
        result["name"] = registration.display_name
        if check_in.repeated:
            first = registration.check_ins.filter(repeated=False).first()
            result["first_at"] = first.scanned_at.isoformat() if first else None
    return result


def _stored(check_in_id):
    return CheckIn.objects.filter(pk=check_in_id).select_related("registration__student").first()


def _insert(**fields):
    """INSERT … ON CONFLICT DO NOTHING: one round trip whether the id or the ticket was taken."""
    CheckIn.objects.bulk_create([CheckIn(**fields)], ignore_conflicts=True)


def check_in(event, *, check_in_id, code=None, walk_in=False, people=1, scanned_at=None, by=None):
    """Record one check-in sent by a scanning device. The device's id makes a resend harmless (the
    stored answer comes back); a ticket checked in before is stored as a repeated pass and reported
    so ("repeated"); a walk-in adds `people` to the count. Returns a dict for the device.

    The first pass of a ticket is the row the partial unique index "ticket_counted_once" admits:
    scanners racing on one ticket insert at once and exactly one gets in, the others are stored
    as repeats."""
    scanned_at = scanned_at or timezone.now()
    base = {"id": check_in_id, "event": event, "scanned_at": scanned_at, "scanned_by": by}
    if walk_in:
        if not 1 <= people <= MAX_GROUP:
            return {"id": str(check_in_id), "status": "invalid", "detail": f"От 1 до {MAX_GROUP} человек за раз."}
        _insert(kind=CheckIn.Kind.WALK_IN, people=people, **base)
        return _result(_stored(check_in_id))
    code = (code or "").strip()
    registration = (
        Registration.objects.filter(event=event, ticket_code=code).select_related("student").first() if code else None
    )
    if registration is None or registration.status != Registration.Status.CONFIRMED:
        earlier = _stored(check_in_id)  # a resend of a check-in stored before the ticket changed
        if earlier is not None:
            return _result(earlier)
        if registration is None:
            return {"id": str(check_in_id), "status": "unknown", "detail": "Билет не найден на этом мероприятии."}
        label = registration.get_status_display()
        return {"id": str(check_in_id), "status": "not_confirmed", "name": registration.display_name, "detail": label}
    fields = {**base, "registration": registration, "people": registration.seats}
    _insert(repeated=False, **fields)
    made = _stored(check_in_id)
    if made is None:  # the ticket was counted already: keep this pass, flagged
        _insert(repeated=True, **fields)
        made = _stored(check_in_id)
    return _result(made)


def sync_check_ins(event, items, *, by):
    """A device's queue: each item {id, code} or {id, walk_in: true, people}, with `at` (ISO time of
    the scan). Items are independent: one bad item is answered and the rest go on."""
    results = []
    now = timezone.now()
    for item in items:
        results.append(_sync_one(event, item, by, now))
    return results


def _sync_one(event, item, by, now):
    if not isinstance(item, dict):
        return {"id": None, "status": "invalid", "detail": "Каждая отметка — объект с полями id и code."}
    try:
        check_in_id = uuid.UUID(str(item.get("id")))
    except ValueError:
        return {"id": item.get("id"), "status": "invalid", "detail": "id отметки должен быть UUID."}
    scanned_at = _parse_time(item.get("at")) or now
    if scanned_at > now + datetime.timedelta(minutes=10):
        scanned_at = now  # a device clock running ahead: keep the server's time
    walk_in = bool(item.get("walk_in"))
    try:
        people = int(item.get("people") or 1)
    except (TypeError, ValueError):
        people = 0
    code = item.get("code")
    if not walk_in and not isinstance(code, str):
        return {"id": str(check_in_id), "status": "invalid", "detail": "Нет кода билета."}
    return check_in(event, check_in_id=check_in_id, code=code, walk_in=walk_in, people=people, scanned_at=scanned_at,
                    by=by)  # fmt: skip


def _parse_time(value):
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None


# --- Volunteers -----------------------------------------------------------------------------------


def volunteer_refusal(user):
    """Why this person may not take volunteer shifts, or None when they may: a student under 14 (or
    without a birth date) may not. The event page shows the reason instead of the shifts' buttons."""
    student = getattr(user, "student", None)
    if student is not None and (student.age or 0) < VOLUNTEER_MIN_AGE:
        return f"Волонтёрами могут быть участники от {VOLUNTEER_MIN_AGE} лет."
    return None


def volunteer_needs_name(user):
    """True when a volunteer's certificate would have no name to print: an adult (no student
    profile) whose account lacks a first name or a surname. The shift form asks for both."""
    if getattr(user, "student", None) is not None:
        return False
    return not ((user.first_name or "").strip() and (user.last_name or "").strip())


def set_volunteer_name(user, *, first_name, surname):
    """Store an adult volunteer's first name and surname on the account (the certificate prints them)."""
    first_name, surname = (first_name or "").strip(), (surname or "").strip()
    if not first_name or not surname:
        raise ServiceError(
            "Укажите имя и фамилию: их напечатают в сертификате волонтёра.",
            code="volunteer_name_required",
            field="first_name" if not first_name else "surname",
        )
    limit = user._meta.get_field("first_name").max_length
    if len(first_name) > limit or len(surname) > user._meta.get_field("last_name").max_length:
        raise ServiceError("Имя или фамилия слишком длинные.", code="volunteer_name_too_long", field="first_name")
    user.first_name, user.last_name = first_name, surname
    user.save(update_fields=["first_name", "last_name"])
    return user


def name_volunteer(user, *, first_name, surname):
    """An adult volunteer gives the name the certificate lacked: store it, and have the season's
    certificate settled again (the hours' signal, for the latest confirmed shift) so it is issued."""
    with transaction.atomic():
        set_volunteer_name(user, first_name=first_name, surname=surname)
        latest = (
            VolunteerSignup.objects.filter(volunteer=user, cancelled_at__isnull=True, hours__isnull=False)
            .order_by("-confirmed_at")
            .first()
        )
        if latest is not None:
            volunteer_hours_confirmed.send(sender=VolunteerSignup, signup=latest)
    return user


def sign_up_for_shift(shift, user, *, now=None):
    """A volunteer takes a place on a shift (under a lock on the shift: places never overfill)."""
    now = now or timezone.now()
    refusal = volunteer_refusal(user)
    if refusal:
        raise ServiceError(refusal, code="volunteer_age", status=403)
    try:
        with transaction.atomic():
            shift = VolunteerShift.objects.select_for_update().select_related("event__page").get(pk=shift.pk)
            if shift.starts_at <= now:
                raise ServiceError("Смена уже началась.", code="shift_started", status=409)
            taken = shift.signups.filter(cancelled_at__isnull=True).count()
            if taken >= shift.places:
                raise ServiceError(
                    "На эту смену уже набраны волонтёры: выберите другую.", code="shift_full", status=409
                )
            return VolunteerSignup.objects.create(shift=shift, volunteer=user)
    except IntegrityError:
        raise ServiceError("Вы уже записаны на эту смену.", code="already_signed_up", status=409)


def cancel_shift_signup(signup, *, by, now=None):
    if signup.volunteer_id != by.pk:
        raise ServiceError("Отказаться от смены может только сам волонтёр.", code="not_your_signup", status=403)
    if signup.hours is not None:
        raise ServiceError("Часы уже подтверждены: смена состоялась.", code="hours_confirmed", status=409)
    signup.cancelled_at = now or timezone.now()
    signup.save(update_fields=["cancelled_at"])
    return signup


def confirm_hours(signup, *, hours, by, now=None):
    """The event's coordinator confirms how many hours a volunteer worked (0–24, to a tenth)."""
    event = signup.shift.event
    if not is_coordinator(by, event):
        raise ServiceError("Часы подтверждает координатор мероприятия.", code="not_coordinator", status=403)
    if signup.cancelled_at is not None:
        raise ServiceError("Волонтёр отказался от этой смены.", code="signup_cancelled", status=409)
    try:
        hours = Decimal(str(hours).replace(",", ".")).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ServiceError("Часы — число, например 4 или 3,5.", code="invalid_hours", field="hours")
    if not Decimal(0) <= hours <= Decimal(24):
        raise ServiceError("Часы — от 0 до 24 за смену.", code="invalid_hours", field="hours")
    with transaction.atomic():
        signup.hours = hours
        signup.confirmed_by = by
        signup.confirmed_at = now or timezone.now()
        signup.save(update_fields=["hours", "confirmed_by", "confirmed_at"])
        volunteer_hours_confirmed.send(sender=VolunteerSignup, signup=signup)
    return signup
