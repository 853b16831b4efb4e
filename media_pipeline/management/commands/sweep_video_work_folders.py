"""Remove the local work folders and temporary files that dead video runs left on this machine."""

from django.core.management.base import BaseCommand

from media_pipeline import services


class Command(BaseCommand):
    help = "Удаляет рабочие папки и временные файлы обработки видео, оставшиеся от прерванных запусков."

    def handle(self, *args, **options):
        removed = services.sweep_work_folders()
        self.stdout.write(f"Удалено папок и файлов: {len(removed)}")
