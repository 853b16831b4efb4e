"""Remind children who started an assignment and sent nothing that it closes in a few days; hourly
from cron."""

from django.core.management.base import BaseCommand

from notifications.services import sources


class Command(BaseCommand):
    help = "Напоминает детям, начавшим задание и не отправившим работу, что приём скоро закроется."

    def handle(self, *args, **options):
        self.stdout.write(f"Напоминаний о сроках заданий: {sources.deadline_reminders()}")
