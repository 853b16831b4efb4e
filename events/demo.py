"""Demo events: every upcoming demo event takes registrations (children, adults, a school group)
and the first fills up with a waiting list, the second is for children up to 14; the most recent
past event has its attendance checked in at the door (with a repeated ticket and walk-ins) and
volunteers with confirmed hours. Other past events keep their typed-in figures, as events run
outside the platform. Idempotent."""

import datetime
import uuid

from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.translation import ngettext

from cms.models import EventPage
from config.errors import ServiceError
from events import services
from events.models import Event, Registration, VolunteerShift, VolunteerSignup
from learning.demo import DEMO_PASSWORD, DOMAIN, ensure_staff
from learning.models import Student

ADULTS = ["Ирина Петрова", "Олег Смирнов", "Мария Кузнецова", "Денис Орлов", "Светлана Волкова", "Павел Зайцев"]
VOLUNTEERS = [
    ("vol.katya", "Екатерина", "Белова"),
    ("vol.timur", "Тимур", "Ахметов"),
    ("vol.lena", "Елена", "Гуськова"),
]


def load(stdout):
    pages = list(EventPage.objects.live().order_by("starts_at"))
    if not pages:
        stdout.write("Мероприятия: нет страниц мероприятий — пропускаю.")
        return
    door = ensure_staff("door", "Вика", "Вахрушева")
    coordinator = ensure_staff("coordinator", "Анна", "Кравец")
    coordinator.groups.add(Group.objects.get(name="Event coordinators"))
    now = timezone.now()
    upcoming = [page for page in pages if page.starts_at > now]
    past = [page for page in pages if page.starts_at <= now]
    made = 0
    for number, page in enumerate(upcoming):
        if Event.objects.filter(page=page).exists():
            continue
        # The second is for children up to 14: a 15-year-old (Милана) reads why she cannot sign up.
        event = Event.objects.create(
            page=page, capacity=8 if number == 0 else 60, min_age=6, max_age=14 if number == 1 else None
        )
        _staff(event, door, coordinator)
        _register(event, full=number == 0)
        _shifts(event)
        made += 1
    if past and not Event.objects.filter(page=past[-1]).exists():
        event = Event.objects.create(page=past[-1], capacity=40, min_age=6, registration_open=False)
        # Its people are counted at the door now: the numbers typed for the page before would only mislead.
        EventPage.objects.filter(pk=past[-1].pk).update(attendance=None, volunteers=None)
        _staff(event, door, coordinator)
        _history(event, door, coordinator)
        made += 1
    events = ngettext("%(count)s event", "%(count)s events", made) % {"count": made}
    stdout.write(
        f"Мероприятия: регистрация на {events} (ближайшее заполнено, есть лист ожидания), "
        f"прошедшее с отметками на входе и волонтёрами; вход: door / {DEMO_PASSWORD}, координатор: coordinator."
    )


def _staff(event, door, coordinator):
    event.staff.add(door)
    event.coordinators.add(coordinator)


def _adult(number):
    first, last = ADULTS[number % len(ADULTS)].split()
    return ensure_staff(f"guest{number:02d}", first, last)


def _register(event, full):
    """Through the services, as people would: children (with their guardian's consent where needed),
    adults and one school group; the full event gets more people than places."""
    children = Student.objects.filter(deleted_at__isnull=True, user__email__endswith=DOMAIN).order_by("pk")[:4]
    for child in children:
        try:
            services.register_child(event, child, by=child.guardian or child.user)
        except ServiceError:
            continue  # outside the event's ages, or no standing consent: the demo skips them
    services.register_group(
        event,
        _adult(90),
        school="Школа № 12",
        leader_name="Ольга Ивановна Миронова",
        head_count=4 if full else 12,
        ages_from=10,
        ages_to=12,
    )
    for number in range(6 if full else 3):
        adult = _adult(number)
        try:
            services.register_adult(event, adult, name=adult.get_full_name())
        except ServiceError:
            break  # a children's event: adults come along without a place of their own


def _shifts(event):
    start = event.page.starts_at - datetime.timedelta(hours=1)
    for role, places in (("Встреча гостей", 3), ("Гардероб", 2)):
        VolunteerShift.objects.create(
            event=event, role=role, starts_at=start, ends_at=event.page.ends_at, places=places
        )


def _history(event, door, coordinator):
    """A past event's records, written as they would have been: registrations, check-ins at the door
    (one ticket shown twice), walk-ins, and volunteers whose hours the coordinator confirmed."""
    page = event.page
    registrations = []
    for number in range(30):
        adult = _adult(number + 10)
        registrations.append(
            Registration.objects.create(
                event=event, kind="adult", owner=adult, name=adult.get_full_name(), seats=1, status="confirmed"
            )
        )
    registrations.append(
        Registration.objects.create(
            event=event, kind="group", owner=_adult(91), name="Сергей Павлович Лебедев", school="Гимназия № 2",
            seats=8, status="confirmed",
        )
    )  # fmt: skip
    Registration.objects.filter(pk__in=[r.pk for r in registrations]).update(
        created_at=page.starts_at - datetime.timedelta(days=10)
    )
    moment = page.starts_at - datetime.timedelta(minutes=20)
    for number, registration in enumerate(registrations[:26] + registrations[-1:]):
        services.check_in(
            event, check_in_id=uuid.uuid4(), code=registration.ticket_code, scanned_at=moment + datetime.timedelta(
                seconds=20 * number), by=door,
        )  # fmt: skip
    services.check_in(event, check_in_id=uuid.uuid4(), code=registrations[0].ticket_code, scanned_at=moment, by=door)
    for _ in range(5):
        services.check_in(event, check_in_id=uuid.uuid4(), walk_in=True, people=1, scanned_at=page.starts_at, by=door)
    shift = VolunteerShift.objects.create(
        event=event, role="Встреча гостей", starts_at=page.starts_at - datetime.timedelta(hours=1),
        ends_at=page.ends_at, places=len(VOLUNTEERS),
    )  # fmt: skip
    for (username, first, last), hours in zip(VOLUNTEERS, ("5", "4.5", "3"), strict=True):
        signup = VolunteerSignup.objects.create(shift=shift, volunteer=ensure_staff(username, first, last))
        services.confirm_hours(signup, hours=hours, by=coordinator, now=page.ends_at)
