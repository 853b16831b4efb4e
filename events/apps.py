from django.apps import AppConfig

from learning import signals


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"
    verbose_name = "Мероприятия: регистрация и посещаемость"

    def ready(self):
        from events import receivers  # noqa: PLC0415 — it imports models, which exist only once the app registry is ready

        signals.student_account_deleted.connect(
            receivers.on_student_account_deleted, dispatch_uid="events_release_places"
        )
        signals.student_data_requested.connect(receivers.on_student_data_requested, dispatch_uid="events_export")
