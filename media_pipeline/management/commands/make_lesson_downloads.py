"""Give every ready video made before lesson downloads existed its 360p MP4 and M4A."""

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from media_pipeline import services
from media_pipeline.models import VideoAsset


class Command(BaseCommand):
    help = "Делает файлы «Скачать урок» (видео 360p и только звук) для готовых видео, у которых их нет."

    def handle(self, *args, **options):
        made = 0
        for asset in VideoAsset.objects.filter(status=VideoAsset.Status.READY, downloads=[]).iterator():
            if services.add_downloads(asset).downloads:
                made += 1
        self.stdout.write(
            ngettext("%(count)d video got its downloads.", "%(count)d videos got their downloads.", made)
            % {"count": made}
        )
