"""Load the demo season. Each app contributes a `demo.py` with `load(stdout)`; apps run in the
order of INSTALLED_APPS, so an app's demo can use what the apps before it created. Idempotent."""

import logging
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Load the demo data (idempotent: running it twice changes nothing)."

    def handle(self, *args, **options):
        wagtail_log = logging.getLogger("wagtail")
        level = wagtail_log.level
        wagtail_log.setLevel(logging.WARNING)  # not a «Page created/Published» line per demo page
        try:
            self.load_apps()
        finally:
            wagtail_log.setLevel(level)
        self.stdout.write(self.style.SUCCESS("Демо-данные загружены."))

    def load_apps(self):
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if not config.name.isidentifier() or find_spec(module_name) is None:
                continue
            with transaction.atomic():
                import_module(module_name).load(self.stdout)
