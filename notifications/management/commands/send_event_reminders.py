"""Remind people with a confirmed place of an event that starts within a day; hourly from cron."""

from django.core.management.base import BaseCommand

from notifications.services import sources


class Command(BaseCommand):
    help = "Напоминает о мероприятиях, которые начнутся в ближайшие сутки."

    def handle(self, *args, **options):
        self.stdout.write(f"Напоминаний о мероприятиях: {sources.event_reminders()}")
