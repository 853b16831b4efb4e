"""Send the deliveries that are due (waited for the morning, for a retry, or for a dead worker's
lease); every minute from cron on one machine (the RQ scheduler does it past one)."""

from django.core.management.base import BaseCommand

from notifications.services import delivery


class Command(BaseCommand):
    help = "Отправляет уведомления, время которых пришло (после тихих часов, повторы)."

    def handle(self, *args, **options):
        self.stdout.write(f"Отправлено сообщений: {delivery.send_due()}")
