"""Background work of notifications (Django's tasks framework): sending. Requests and signal
receivers only write rows and enqueue these; nothing is sent in a request.

The periodic tasks that find whom to remind (and call `notify()`, which enqueues `send_deliveries`)
live in `reminders.py`, so that this module imports only the sending services and never `notify`."""

from django.tasks import task

from notifications.services import broadcast, delivery


@task()
def send_deliveries(delivery_ids):
    """Send these deliveries now (those still due); returns how many went out."""
    return delivery.send_due(ids=list(delivery_ids))


@task()
def dispatch_due_deliveries():
    """Every minute: what waited for the morning, for a retry, or for a dead worker's lease."""
    return delivery.send_due()


@task()
def send_weekly_digests():
    """Mondays: one letter per person who chose the weekly digest."""
    return delivery.send_weekly_digests()


@task()
def send_announcement(announcement_id):
    """An editor's announcement to its segment, throttled per channel, with progress saved."""
    return broadcast.run(announcement_id)
