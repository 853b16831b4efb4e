"""Background work of events (Django's tasks framework). Tasks import services; services only enqueue."""

from django.tasks import task

from events import services
from events.models import Registration


@task()
def send_promotion_notice(registration_id):
    """A place came free: tell the person moved up from the waiting list (if still confirmed)."""
    registration = (
        Registration.objects.select_related("event__page", "owner", "student")
        .filter(pk=registration_id, status=Registration.Status.CONFIRMED)
        .first()
    )
    if registration is None:
        return 0
    services.send_promotion_notice(registration)
    return 1
