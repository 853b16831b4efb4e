from django.apps import AppConfig


class LearningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learning"

    def ready(self):
        from django.db.models.signals import post_delete

        from learning import services
        from learning.models import JuryMember
        from media_pipeline.signals import video_ready

        video_ready.connect(services.on_video_ready, dispatch_uid="learning_publish_approved_videos")
        post_delete.connect(services.on_jury_seat_removed, sender=JuryMember, dispatch_uid="learning_jury_seat_removed")
