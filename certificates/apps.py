from django.apps import AppConfig

from events import signals as events_signals
from learning import signals


class CertificatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "certificates"
    verbose_name = "Сертификаты"

    def ready(self):
        from certificates import receivers  # noqa: PLC0415 — it imports models, which exist only once the app registry is ready

        signals.work_status_changed.connect(receivers.on_work_status_changed, dispatch_uid="certificates_work")
        signals.lesson_completed.connect(receivers.on_lesson_completed, dispatch_uid="certificates_lesson")
        signals.student_account_deleted.connect(
            receivers.on_student_account_deleted, dispatch_uid="certificates_erase_holder"
        )
        signals.student_data_requested.connect(receivers.on_student_data_requested, dispatch_uid="certificates_export")
        events_signals.volunteer_hours_confirmed.connect(
            receivers.on_volunteer_hours_confirmed, dispatch_uid="certificates_volunteer_hours"
        )
