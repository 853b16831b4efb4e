"""Recount the season report's rollups from the raw rows and compare (or, with --rebuild, replace)."""

from django.core.management.base import BaseCommand, CommandError

from engagement import services as engagement_services
from reports import rollups


class Command(BaseCommand):
    help = "Пересчитать сводки отчёта сезона по записям и сверить с хранимыми (--rebuild: пересобрать)."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Пересобрать сводки по записям.")

    def handle(self, *args, rebuild=False, **options):
        if not rollups.maintained():
            self.stdout.write("Сводки ведутся только на PostgreSQL: отчёт считает по записям.")
            return
        if rebuild:
            rollups.rebuild()
            engagement_services.tally_recent_days(restart=True)  # the ledger's running totals the report reads
            self.stdout.write("Сводки пересобраны по записям.")
        problems = rollups.problems()
        for problem in problems:
            self.stdout.write(self.style.ERROR(problem))
        if problems:
            raise CommandError(f"Сводки отчёта расходятся с записями: {len(problems)}.")
        self.stdout.write(self.style.SUCCESS("Сводки отчёта сходятся с записями."))
