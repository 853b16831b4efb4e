"""Load the demo season. Each app contributes a `demo.py` with `load(stdout)`; apps run in the
order of INSTALLED_APPS, so an app's demo can use what the apps before it created. Idempotent."""

import io
import logging
from contextlib import contextmanager
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models.signals import post_save
from modelsearch import index
from modelsearch.signal_handlers import post_save_signal_handler
from wagtail.signal_handlers import disable_reference_index_auto_update


class Command(BaseCommand):
    help = "Load the demo data (idempotent: running it twice changes nothing)."

    def handle(self, *args, **options):
        wagtail_log = logging.getLogger("wagtail")
        level = wagtail_log.level
        wagtail_log.setLevel(logging.WARNING)  # not a «Page created/Published» line per demo page
        try:
            with disable_reference_index_auto_update(), search_index_updates_held():
                self.load_apps()
            # Each object once, instead of at every save of it (a page is saved three or four times
            # as it is built, published and given its children): a fifth of the command's time.
            call_command("rebuild_references_index", verbosity=0)
            call_command("update_index", stdout=io.StringIO())
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


@contextmanager
def search_index_updates_held():
    """No search index task per save of an indexed object while the demo is built (the search
    library has no switch for it, as Wagtail has disable_reference_index_auto_update); deletions
    still leave the index at once."""
    models = [model for model in index.get_indexed_models() if getattr(model, "search_auto_update", True)]
    for model in models:
        post_save.disconnect(post_save_signal_handler, sender=model)
    try:
        yield
    finally:
        for model in models:
            post_save.connect(post_save_signal_handler, sender=model)
