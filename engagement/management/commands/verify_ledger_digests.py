"""Recompute the chain of daily digests from the entries and compare it with what was published."""

from django.core.management.base import BaseCommand, CommandError

from engagement.models import DailyDigest
from engagement.services import verify_digests


class Command(BaseCommand):
    help = "Пересчитать цепочку ежедневных хешей журнала и сверить с опубликованной."

    def handle(self, *args, **options):
        problems = verify_digests()
        for problem in problems:
            self.stdout.write(self.style.ERROR(problem))
        if problems:
            raise CommandError("Цепочка хешей журнала не сходится: история изменена.")
        self.stdout.write(self.style.SUCCESS(f"Цепочка из {DailyDigest.objects.count()} хешей сходится."))
