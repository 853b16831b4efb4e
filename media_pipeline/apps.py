from django.apps import AppConfig
from django.db.models.signals import post_delete

from media_pipeline import storage


class MediaPipelineConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "media_pipeline"
    verbose_name = "Видео"

    def ready(self):
        # Django imports this module before any app's models, and the receivers work on the models.
        from media_pipeline import receivers  # noqa: PLC0415 — apps.py loads before the app registry has models

        storage.register_content_types()
        post_delete.connect(
            receivers.delete_video_files, sender="media_pipeline.VideoAsset", dispatch_uid="media_pipeline_delete_files"
        )
