from django.apps import AppConfig


class LearningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learning"

    def ready(self):
        from learning import services
        from media_pipeline.signals import video_ready

        video_ready.connect(services.on_video_ready, dispatch_uid="learning_publish_approved_videos")
