"""The event's own admin screen: registrations, the waiting list, attendance, volunteers with their
hours to confirm, and CSV exports. Editors and the event's coordinators see it."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import number_format

from config.errors import ServiceError
from events import selectors, services
from events.models import CheckIn, Event, Registration, VolunteerSignup


def _event_for(request, pk):
    event = get_object_or_404(Event.objects.select_related("page"), pk=pk)
    if not services.is_coordinator(request.user, event):
        raise PermissionDenied
    return event


def _registrations(event, status):
    first_check = {
        c.registration_id: c.scanned_at
        for c in event.check_ins.filter(repeated=False, kind=CheckIn.Kind.TICKET).only("registration_id", "scanned_at")
    }
    rows = list(event.registrations.filter(status=status).select_related("student", "owner").order_by("created_at"))
    for row in rows:
        row.came_at = first_check.get(row.pk)
    return rows


def event_detail(request, pk):
    event = _event_for(request, pk)
    if request.method == "POST":
        signup = get_object_or_404(
            VolunteerSignup.objects.select_related("shift__event"), pk=request.POST.get("signup")
        )
        if signup.shift.event_id != event.pk:
            raise PermissionDenied
        try:
            services.confirm_hours(signup, hours=request.POST.get("hours", ""), by=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"Подтверждено {number_format(signup.hours)} ч: {selectors.volunteer_name(signup.volunteer)}."
            )
        return redirect("events_admin_detail", pk=event.pk)
    return TemplateResponse(
        request,
        "events/admin/event.html",
        {
            "page_title": event.page.title,
            "header_icon": "date",
            "event": event,
            "counts": selectors.attendance(event),
            "confirmed": _registrations(event, Registration.Status.CONFIRMED),
            "waiting": _registrations(event, Registration.Status.WAITLISTED),
            "volunteers": selectors.volunteers_of(event),
            "exports": [("registrations", "Регистрации"), ("attendance", "Посещаемость"), ("volunteers", "Волонтёры")],
        },
    )


def export(request, pk, what):
    """CSV as Excel in Russian opens it with a double click: UTF-8 with a BOM (Cyrillic right),
    semicolons between the columns (its list separator; commas left every row in one column) and
    hours with a decimal comma («4,5», which it reads as a number). A child appears only as first
    name and surname initial, here as everywhere outside the child's own account."""
    event = _event_for(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-{what}.csv"'
    response.write("\ufeff")
    out = csv.writer(response, delimiter=";")
    if what == "registrations":
        out.writerow(["№", "кто", "участник", "школа", "мест", "статус", "записан", "пришёл"])
        for status in (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED):
            for row in _registrations(event, status):
                out.writerow([row.pk, row.get_kind_display(), row.display_name, row.school, row.seats,
                              row.get_status_display(), _moment(row.created_at), _moment(row.came_at)])  # fmt: skip
    elif what == "attendance":
        out.writerow(["время", "вид", "участник", "человек", "повторно", "отметил"])
        check_ins = event.check_ins.select_related("registration__student", "scanned_by").order_by("scanned_at")
        for c in check_ins:
            out.writerow([_moment(c.scanned_at), c.get_kind_display(),
                          c.registration.display_name if c.registration else "", c.people,
                          "да" if c.repeated else "", c.scanned_by.get_username() if c.scanned_by else ""])  # fmt: skip
    elif what == "volunteers":
        out.writerow(["смена", "начало", "волонтёр", "email", "часов подтверждено", "подтвердил"])
        for s in selectors.volunteers_of(event):
            name = selectors.volunteer_name(s.volunteer)
            hours = str(s.hours).replace(".", ",") if s.hours is not None else ""
            by = s.confirmed_by.get_username() if s.confirmed_by else ""
            out.writerow([s.shift.role, _moment(s.shift.starts_at), name, s.volunteer.email, hours, by])
    else:
        raise PermissionDenied
    return response


def _moment(value):
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M") if value else ""


def my_events(request):
    """An event coordinator's way in: the events they coordinate, each with its screen and its door."""
    events = selectors.coordinated_events(request.user)
    if not events:
        raise PermissionDenied
    return TemplateResponse(
        request,
        "events/admin/my_events.html",
        {"page_title": "Мои мероприятия", "header_icon": "date", "events": events, "now": timezone.now()},
    )
