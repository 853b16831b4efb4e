"""Remind guardians who have not confirmed consent after 1 and 3 days; hourly from cron."""

from django.core.management.base import BaseCommand

from notifications.services import sources


class Command(BaseCommand):
    help = "Напоминает родителям о согласии через 1 и 3 дня после регистрации ребёнка."

    def handle(self, *args, **options):
        self.stdout.write(f"Напоминаний о согласии: {sources.consent_reminders()}")
