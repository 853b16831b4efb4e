"""Publish the daily digests of the ledger for every finished day (run daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from engagement.services.digests import publish_digests


class Command(BaseCommand):
    help = "Опубликовать ежедневные хеши журнала за завершившиеся дни (UTC)."

    def handle(self, *args, **options):
        published = publish_digests()
        for digest in published:
            self.stdout.write(f"{digest.day}: записей: {digest.entries_count}, {digest.digest}")
        self.stdout.write(self.style.SUCCESS(f"Опубликовано хешей: {len(published)}."))
