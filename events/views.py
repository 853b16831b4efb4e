"""Pages: sign-up from the event page, the ticket's QR / PDF / .ics (owner only), cancelling,
volunteer shifts, and the door's check-in page for the event's staff."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from config.errors import ServiceError
from config.text import quoted
from events import selectors, services, tickets
from events.models import Event, Registration, VolunteerShift, VolunteerSignup


def _back_to(event):
    return redirect((event.page.get_url() or "/") + "#registration")


@login_required(login_url="site_theme:login")
@require_POST
def register(request, event_id):
    event = get_object_or_404(Event.objects.select_related("page"), pk=event_id, page__live=True)
    kind = request.POST.get("kind")
    try:
        if kind == Registration.Kind.CHILD:
            child = next(
                (c for c in selectors.children_to_register(request.user) if str(c.pk) == request.POST.get("student")),
                None,
            )
            if child is None:
                raise ServiceError("Выберите ребёнка из списка.", code="student_required", field="student")
            registration = services.register_child(event, child, by=request.user)
        elif kind == Registration.Kind.ADULT:
            registration = services.register_adult(event, request.user, name=request.POST.get("name", ""))
        elif kind == Registration.Kind.GROUP:
            registration = services.register_group(
                event,
                request.user,
                school=request.POST.get("school", ""),
                leader_name=request.POST.get("name", ""),
                head_count=request.POST.get("head_count"),
                ages_from=request.POST.get("ages_from"),
                ages_to=request.POST.get("ages_to"),
            )
        else:
            raise ServiceError("Выберите, кого записать: ребёнка, себя или группу.", code="kind_required")
    except ServiceError as error:
        messages.error(request, error.message)
        return _back_to(event)
    if registration.status == Registration.Status.CONFIRMED:
        messages.success(request, "Вы записаны. Билет с QR-кодом — в личном кабинете.")
    else:
        position = services.waiting_position(registration)
        messages.info(request, f"Мест нет: вы в листе ожидания, №{position}. Освободится место — пришлём письмо.")
    return _back_to(event)


def _own_ticket(request, pk):
    registration = get_object_or_404(Registration.objects.select_related("event__page", "student", "owner"), pk=pk)
    if not services.can_see_ticket(request.user, registration):
        raise Http404  # not even whether the ticket exists
    if registration.status != Registration.Status.CONFIRMED:
        raise PermissionDenied("Билет появится, когда место будет подтверждено.")
    return registration


def _download(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required(login_url="site_theme:login")
def ticket_qr(request, pk):
    registration = _own_ticket(request, pk)
    response = _download(tickets.qr_png(registration), "image/png", f"bilet-{registration.pk}.png")
    if "download" not in request.GET:
        response["Content-Disposition"] = "inline"
    return response


@login_required(login_url="site_theme:login")
def ticket_pdf(request, pk):
    registration = _own_ticket(request, pk)
    return _download(tickets.ticket_pdf(registration), "application/pdf", f"bilet-{registration.pk}.pdf")


@login_required(login_url="site_theme:login")
def ticket_ics(request, pk):
    registration = _own_ticket(request, pk)
    return _download(tickets.ics(registration), "text/calendar; charset=utf-8", f"meropriyatie-{registration.pk}.ics")


@login_required(login_url="site_theme:login")
@require_POST
def cancel(request, pk):
    registration = get_object_or_404(Registration.objects.select_related("event__page", "student"), pk=pk)
    if not services.can_see_ticket(request.user, registration):
        raise Http404
    try:
        services.cancel_registration(registration, by=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Запись на {quoted(registration.event.page.title)} отменена.")
    return redirect("site_theme:cabinet")


@login_required(login_url="site_theme:login")
@require_POST
def shift_sign_up(request, pk):
    shift = get_object_or_404(VolunteerShift.objects.select_related("event__page"), pk=pk, event__page__live=True)
    try:
        # An adult without a name is asked for it in the same form: the certificate prints it.
        if services.volunteer_needs_name(request.user):
            services.set_volunteer_name(
                request.user, first_name=request.POST.get("first_name"), surname=request.POST.get("surname")
            )
        services.sign_up_for_shift(shift, request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"Вы записаны волонтёром: {shift.role}, {timezone.localtime(shift.starts_at):%d.%m %H:%M}."
        )
    return _back_to(shift.event)


@login_required(login_url="site_theme:login")
@require_POST
def volunteer_name(request):
    """The cabinet's form for an adult volunteer whose certificate could not be issued without a name."""
    try:
        services.name_volunteer(
            request.user, first_name=request.POST.get("first_name"), surname=request.POST.get("surname")
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Имя сохранено: сертификат волонтёра появится здесь через минуту.")
    return redirect(reverse("site_theme:cabinet") + "#my-volunteering")


@login_required(login_url="site_theme:login")
@require_POST
def shift_cancel(request, pk):
    signup = get_object_or_404(VolunteerSignup.objects.select_related("shift"), pk=pk, volunteer=request.user)
    try:
        services.cancel_shift_signup(signup, by=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Вы отказались от смены.")
    return redirect("site_theme:cabinet")


@login_required(login_url="site_theme:login")
def check_in_page(request, event_id):
    """The door: camera scan, search by name or code, walk-ins; works offline once loaded."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    event = get_object_or_404(Event.objects.select_related("page"), pk=event_id)
    if not services.is_door_staff(request.user, event):
        raise PermissionDenied("Отмечать билеты могут сотрудники и координаторы этого мероприятия.")
    context = {
        "event": event,
        "roster": selectors.roster(event),
        "counts": selectors.attendance(event),
        "sync_url": reverse("events-check-ins", args=[event.pk]),
    }
    response = render(request, "events/check_in.html", context)
    response["Cache-Control"] = "private, no-store"
    response["Permissions-Policy"] = "camera=(self)"
    return response
