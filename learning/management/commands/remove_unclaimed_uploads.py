"""Remove students' contest video uploads left unfinished or unused for a week; run daily from cron."""

from django.core.management.base import BaseCommand

from learning.services import uploads


class Command(BaseCommand):
    help = "Удаляет загрузки видео учеников, которые за неделю не завершили или не приложили к работе."

    def handle(self, *args, **options):
        aborted, deleted = uploads.remove_unclaimed_uploads()
        self.stdout.write(f"Отменено незавершённых загрузок: {aborted}; удалено неприложенных видео: {deleted}")
