"""One letter per person who chose the weekly digest; Mondays from cron."""

from django.core.management.base import BaseCommand

from notifications.services import delivery


class Command(BaseCommand):
    help = "Рассылает еженедельные сводки тем, кто выбрал одно письмо в неделю."

    def handle(self, *args, **options):
        self.stdout.write(f"Отправлено сводок: {delivery.send_weekly_digests()}")
