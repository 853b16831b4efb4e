from django.apps import AppConfig


class MediaPipelineConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "media_pipeline"
    verbose_name = "Видео"

    def ready(self):
        from django.db.models.signals import post_delete

        from media_pipeline import storage
        from media_pipeline.models import VideoAsset

        storage.register_content_types()
        post_delete.connect(delete_video_files, sender=VideoAsset, dispatch_uid="media_pipeline_delete_files")


def delete_video_files(sender, instance, **kwargs):
    from media_pipeline import services

    services.delete_files_of(instance)
