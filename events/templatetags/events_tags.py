"""`{% event_registration page %}` on the event page and `{% my_events %}` in the cabinet."""

from django import template
from django.utils import timezone

from events import selectors, services

register = template.Library()


@register.inclusion_tag("events/event_registration.html", takes_context=True)
def event_registration(context, page):
    event = selectors.event_for_page(page)
    request = context.get("request")
    user = getattr(request, "user", None)
    data = {"event": event, "request": request, "page": page}
    if event is None:
        return data
    signed_in = bool(user and user.is_authenticated)
    data.update(
        places_left=selectors.places_left(event),
        started=page.starts_at <= timezone.now(),
        ended=page.ends_at <= timezone.now(),
        signed_in=signed_in,
        login_url=f"/cabinet/login/?next={page.get_url() or '/'}",
        shifts=list(selectors.open_shifts(event)),
    )
    if signed_in:
        offer = selectors.sign_up_offer(user, event)
        for registration in offer["mine"]:
            registration.position = services.waiting_position(registration)
        data.update(
            offer,
            volunteer_refusal=services.volunteer_refusal(user),
            volunteer_needs_name=services.volunteer_needs_name(user),
            is_staff=services.is_door_staff(user, event),
            my_shift_ids=set(
                event.shifts.filter(signups__volunteer=user, signups__cancelled_at__isnull=True).values_list(
                    "pk", flat=True
                )
            ),
        )
    return data


@register.simple_tag
def event_figures(page):
    """Who came, as the event page shows it: an event run on the platform (it has registration)
    shows its records — people let in, volunteers with confirmed hours — and never the numbers an
    editor may have typed; an event run outside the platform shows the typed ones."""
    return selectors.public_figures(page)


@register.inclusion_tag("events/cabinet.html", takes_context=True)
def my_events(context):
    user = context["request"].user
    tickets = list(selectors.registrations_of(user).order_by("event__page__starts_at"))
    for registration in tickets:
        registration.position = services.waiting_position(registration)
    # The cabinet's certificates (the page's context, read by site_theme from certificates): the
    # volunteer's own certificates of hours are offered again beside the shifts they count.
    volunteer_certificates = [
        c for c in context.get("certificates") or [] if c.kind == "volunteer" and c.holder_id == user.pk
    ]
    volunteering = selectors.volunteer_record(user)
    return {
        "tickets": tickets,
        "volunteering": volunteering,
        # Hours confirmed, but the certificate has no name to print: say so and ask for it.
        "volunteer_needs_name": volunteering["hours"] > 0 and services.volunteer_needs_name(user),
        "volunteer_certificates": volunteer_certificates,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
