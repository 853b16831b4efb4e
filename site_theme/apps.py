from django.apps import AppConfig


class SiteThemeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "site_theme"

    def ready(self):
        from config.http_cache import connect_purges  # noqa: PLC0415 — it imports models, which exist only once the app registry is ready

        connect_purges()
