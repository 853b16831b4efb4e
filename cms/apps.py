from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CmsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cms"
    verbose_name = "Контент"

    def ready(self):
        # Django imports this module before any app's models, and the receivers work on the models.
        from cms import receivers  # noqa: PLC0415 — apps.py loads before the app registry has models

        post_migrate.connect(receivers.index_regions, sender=self)
