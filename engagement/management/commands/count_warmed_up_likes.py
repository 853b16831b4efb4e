"""Record the rouble of likes whose account's warm-up has ended (the schedule runs it every 10 minutes)."""

from django.core.management.base import BaseCommand

from engagement.services.likes import count_warmed_up_likes


class Command(BaseCommand):
    help = "Записать в журнал рубли лайков новых аккаунтов, у которых прошли первые сутки."

    def handle(self, *args, **options):
        recorded = count_warmed_up_likes()
        self.stdout.write(self.style.SUCCESS(f"Записано лайков после первых суток: {recorded}."))
