"""Recompute the chain of daily digests from the entries and compare it with what was published."""

from django.core.management.base import BaseCommand, CommandError

from engagement.models import DailyDigest
from engagement.services.digests import verify_digests


class Command(BaseCommand):
    help = "Пересчитать цепочку ежедневных хешей журнала и сверить с опубликованной."

    def handle(self, *args, **options):
        problems = verify_digests()
        for problem in problems:
            self.stdout.write(self.style.ERROR(problem))
        if problems:
            raise CommandError("Цепочка хешей журнала не сходится: история изменена.")
        days = DailyDigest.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Дней в цепочке хешей журнала: {days}. Цепочка сходится."))
