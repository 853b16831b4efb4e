"""Offline events' operational records, linked to cms's `EventPage` (the page people read):
registration with capacity and a waiting list, tickets, check-ins, walk-ins, volunteer shifts.

The important rules are enforced again by the database: one active registration per person per
event, a ticket counted once at the door, one sign-up per person per shift.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel


def new_ticket_code():
    """A random, unguessable ticket code: 128 bits, URL-safe, fits a small QR code."""
    return secrets.token_urlsafe(16)


class Event(models.Model):
    """Registration settings and staff of one `EventPage`. The row is also the lock that serialises
    places: every registration, cancellation and promotion takes it `FOR UPDATE` first."""

    page = models.OneToOneField(
        "cms.EventPage", verbose_name="страница мероприятия", on_delete=models.CASCADE, related_name="operations"
    )
    capacity = models.PositiveIntegerField("мест", help_text="Сколько участников вмещает площадка.")
    min_age = models.PositiveSmallIntegerField("возраст от", null=True, blank=True)
    max_age = models.PositiveSmallIntegerField("возраст до", null=True, blank=True)
    registration_open = models.BooleanField("регистрация открыта", default=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="сотрудники на входе",
        blank=True,
        related_name="events_staffed",
        help_text="Отмечают билеты на входе.",
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="координаторы",
        blank=True,
        related_name="events_coordinated",
        help_text="Отмечают билеты и подтверждают часы волонтёров.",
    )

    panels = [
        FieldPanel("page"),
        FieldRowPanel([FieldPanel("capacity"), FieldPanel("min_age"), FieldPanel("max_age")]),
        FieldPanel("registration_open"),
        MultiFieldPanel([FieldPanel("coordinators"), FieldPanel("staff")], heading="команда"),
    ]

    class Meta:
        verbose_name = "регистрация на мероприятие"
        verbose_name_plural = "регистрация на мероприятия"
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(min_age__lte=models.F("max_age")),
                name="event_age_range_ordered",
            ),
        ]

    def __str__(self):
        return self.page.title

    def admits_age(self, age):
        """Whether a child of `age` (on the event's day) is within the event's age limits."""
        return not (self.min_age is not None and age < self.min_age or self.max_age is not None and age > self.max_age)

    @property
    def day(self):
        """The event's date where it takes place (the site's time zone)."""
        return timezone.localtime(self.page.starts_at).date()

    @property
    def age_limits(self):
        if self.min_age is not None and self.max_age is not None:
            return f"{self.min_age}–{self.max_age} лет"
        if self.min_age is not None:
            return f"от {self.min_age} лет"
        if self.max_age is not None:
            return f"до {self.max_age} лет"
        return ""


class Registration(models.Model):
    """A place (or a waiting-list entry) at an event: a child, an adult or a school group.
    `seats` is how many places it takes (a group: its head count, the teacher included)."""

    class Kind(models.TextChoices):
        CHILD = "child", "ребёнок"
        ADULT = "adult", "взрослый"
        GROUP = "group", "группа от школы"

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "место подтверждено"
        WAITLISTED = "waitlisted", "в листе ожидания"
        CANCELLED = "cancelled", "отменена"

    ACTIVE = (Status.CONFIRMED, Status.WAITLISTED)

    event = models.ForeignKey(Event, verbose_name="мероприятие", on_delete=models.CASCADE, related_name="registrations")
    kind = models.CharField("кто", max_length=8, choices=Kind)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто записал",
        on_delete=models.CASCADE,
        related_name="event_registrations",
        help_text="Владелец билета: ребёнок, его родитель, взрослый или учитель.",
    )
    student = models.ForeignKey(
        "learning.Student",
        verbose_name="ребёнок",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="event_registrations",
    )
    name = models.CharField("имя и фамилия", max_length=200, help_text="Взрослого или руководителя группы.")
    school = models.CharField("школа", max_length=255, blank=True)
    seats = models.PositiveSmallIntegerField("мест", default=1)
    ages_from = models.PositiveSmallIntegerField(
        "возраст детей от", null=True, blank=True, help_text="Группы: самый младший ребёнок (учитель не в счёт)."
    )
    ages_to = models.PositiveSmallIntegerField(
        "возраст детей до", null=True, blank=True, help_text="Группы: самый старший."
    )
    status = models.CharField("статус", max_length=12, choices=Status)
    ticket_code = models.CharField("код билета", max_length=32, unique=True, default=new_ticket_code)
    created_at = models.DateTimeField("записан", auto_now_add=True)
    promoted_at = models.DateTimeField("переведён из листа ожидания", null=True, blank=True)
    cancelled_at = models.DateTimeField("отменена", null=True, blank=True)

    class Meta:
        verbose_name = "регистрация"
        verbose_name_plural = "регистрации"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "student"],
                condition=Q(student__isnull=False, status__in=["confirmed", "waitlisted"]),
                name="one_active_registration_per_child",
            ),
            models.UniqueConstraint(
                fields=["event", "owner", "kind"],
                condition=Q(kind__in=["adult", "group"], status__in=["confirmed", "waitlisted"]),
                name="one_active_adult_or_group_registration_per_owner",
            ),
            models.CheckConstraint(
                condition=Q(kind="child", student__isnull=False, seats=1)
                | Q(kind="adult", student__isnull=True, seats=1)
                | Q(kind="group", student__isnull=True, seats__gte=2),
                name="registration_kind_matches_seats",
            ),
            models.CheckConstraint(condition=Q(kind="group") | Q(school=""), name="only_groups_name_a_school"),
            models.CheckConstraint(
                condition=Q(ages_from__isnull=True, ages_to__isnull=True)
                | Q(kind="group", ages_from__isnull=False, ages_to__isnull=False, ages_from__lte=models.F("ages_to")),
                name="group_ages_declared_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False), name="cancelled_has_time"
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "created_at"], name="registration_queue")]

    def __str__(self):
        return f"{self.display_name} — {self.event}"

    @property
    def display_name(self):
        """What staff and lists show: a child only as first name and surname initial."""
        if self.kind == self.Kind.CHILD:
            return self.student.public_name if self.student else "Ребёнок"
        if self.kind == self.Kind.GROUP:
            ages = f", дети {self.ages_from}–{self.ages_to} лет" if self.ages_from is not None else ""
            return f"Группа ({self.seats}{ages}), руководитель {self.name}"
        return self.name


class CheckIn(models.Model):
    """A person (or a walk-in) let in at the door. The id comes from the scanning device, so a
    check-in synced twice is stored once; a ticket's second check-in is kept and flagged."""

    class Kind(models.TextChoices):
        TICKET = "ticket", "по билету"
        WALK_IN = "walk_in", "без регистрации"

    id = models.UUIDField("id с устройства", primary_key=True, default=uuid.uuid4)
    event = models.ForeignKey(Event, verbose_name="мероприятие", on_delete=models.CASCADE, related_name="check_ins")
    kind = models.CharField("вид", max_length=8, choices=Kind, default=Kind.TICKET)
    registration = models.ForeignKey(
        Registration,
        verbose_name="регистрация",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="check_ins",
    )
    people = models.PositiveSmallIntegerField("человек", default=1)
    repeated = models.BooleanField("повторный проход по билету", default=False)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="отметил", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    scanned_at = models.DateTimeField("отмечен на устройстве")
    received_at = models.DateTimeField("получен сервером", auto_now_add=True)

    class Meta:
        verbose_name = "отметка на входе"
        verbose_name_plural = "отметки на входе"
        ordering = ["scanned_at"]
        constraints = [
            models.UniqueConstraint(fields=["registration"], condition=Q(repeated=False), name="ticket_counted_once"),
            models.CheckConstraint(
                condition=Q(kind="ticket", registration__isnull=False) | Q(kind="walk_in", registration__isnull=True),
                name="check_in_kind_matches_ticket",
            ),
            models.CheckConstraint(condition=Q(people__gte=1), name="check_in_counts_someone"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.scanned_at:%d.%m %H:%M}"


class VolunteerShift(models.Model):
    """A volunteer role at an event for a stretch of time, with a number of places."""

    event = models.ForeignKey(Event, verbose_name="мероприятие", on_delete=models.CASCADE, related_name="shifts")
    role = models.CharField("роль", max_length=120, help_text="Например: встреча гостей, гардероб, фотограф.")
    starts_at = models.DateTimeField("начало смены")
    ends_at = models.DateTimeField("конец смены")
    places = models.PositiveSmallIntegerField("волонтёров нужно", default=1)

    panels = [
        FieldPanel("event"),
        FieldPanel("role"),
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        FieldPanel("places"),
    ]

    class Meta:
        verbose_name = "смена волонтёров"
        verbose_name_plural = "смены волонтёров"
        ordering = ["starts_at", "role"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"),
            models.CheckConstraint(condition=Q(places__gte=1), name="shift_has_places"),
        ]

    def __str__(self):
        return f"{self.role}, {self.starts_at:%d.%m %H:%M}"

    @property
    def planned_hours(self):
        return round((self.ends_at - self.starts_at).total_seconds() / 3600, 2)


class VolunteerSignup(models.Model):
    """A volunteer on a shift; the coordinator confirms the hours actually worked."""

    shift = models.ForeignKey(VolunteerShift, verbose_name="смена", on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="волонтёр", on_delete=models.CASCADE, related_name="volunteer_signups"
    )
    created_at = models.DateTimeField("записался", auto_now_add=True)
    cancelled_at = models.DateTimeField("отказался", null=True, blank=True)
    hours = models.DecimalField("подтверждено часов", max_digits=4, decimal_places=1, null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="подтвердил",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("подтверждено", null=True, blank=True)

    class Meta:
        verbose_name = "волонтёр на смене"
        verbose_name_plural = "волонтёры на сменах"
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"], condition=Q(cancelled_at__isnull=True), name="one_signup_per_shift"
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | (Q(hours__gte=0) & Q(hours__lte=24) & Q(confirmed_at__isnull=False)),
                name="confirmed_hours_in_a_day",
            ),
        ]

    def __str__(self):
        return f"{self.volunteer} — {self.shift}"
