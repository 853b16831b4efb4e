"""Re-run video jobs whose worker died (no heartbeat for VIDEO_STALE_AFTER seconds); the scheduler runs
it every few minutes (config/schedule.py), cron can on one machine."""

from django.core.management.base import BaseCommand

from media_pipeline import services


class Command(BaseCommand):
    help = "Перезапускает обработку видео, обработчик которого перестал отвечать."

    def handle(self, *args, **options):
        stale = services.recover_stale_jobs()
        self.stdout.write(f"Перезапущено видео: {len(stale)}")
