from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


class EngagementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "engagement"

    def ready(self):
        # Both import engagement's models, which cannot load before the app registry is ready.
        from engagement.database_roles import grant_after_migrate  # noqa: PLC0415 — needs the models loaded
        from engagement.receivers import share_cap_among_slots  # noqa: PLC0415 — needs the models loaded

        post_migrate.connect(grant_after_migrate, sender=self, dispatch_uid="engagement_grant_app_role")
        post_save.connect(share_cap_among_slots, sender=self.get_model("Campaign"), dispatch_uid="engagement_cap")
