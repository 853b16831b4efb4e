"""Periodic and fan-out tasks that decide whom to tell (through `notify()`): consent reminders,
event reminders, deadline reminders, a new lesson. Scheduled in config/schedule.py."""

from django.tasks import task

from cms.models import LessonPage
from notifications.services import sources


@task()
def send_consent_reminders():
    """Hourly: guardians who have not confirmed consent after 1 and after 3 days."""
    return sources.consent_reminders()


@task()
def send_event_reminders():
    """Hourly: places at events that start within a day."""
    return sources.event_reminders()


@task()
def send_deadline_reminders():
    """Hourly: children who started an assignment (watched its masterclass) and sent nothing, days
    before it closes."""
    return sources.deadline_reminders()


@task()
def announce_new_lesson(lesson_id):
    """A lesson was published for the first time: tell the children who study its masterclass."""

    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    return sources.lesson_published(lesson) if lesson is not None else 0
