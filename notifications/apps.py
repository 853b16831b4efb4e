from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Уведомления"

    def ready(self):
        from notifications import receivers  # noqa: PLC0415 — receivers import models, which load after apps

        receivers.connect()
