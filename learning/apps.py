from django.apps import AppConfig
from django.db.models.signals import post_delete

from media_pipeline.signals import video_ready


class LearningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learning"

    def ready(self):
        from learning import receivers  # noqa: PLC0415 — receivers import models, which load after apps
        from learning.models import JuryMember  # noqa: PLC0415 — models load after apps

        video_ready.connect(receivers.on_video_ready, dispatch_uid="learning_publish_approved_videos")
        post_delete.connect(
            receivers.on_jury_seat_removed, sender=JuryMember, dispatch_uid="learning_jury_seat_removed"
        )
