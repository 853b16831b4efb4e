from django.core.management.base import BaseCommand

from reports.services import fill_town_populations


class Command(BaseCommand):
    help = "Проставить население населённого пункта ученикам, у которых оно пустое, по списку населённых пунктов."

    def handle(self, *args, **options):
        self.stdout.write(f"Население проставлено ученикам: {fill_town_populations()}.")
