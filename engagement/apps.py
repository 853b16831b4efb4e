from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EngagementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "engagement"

    def ready(self):
        from engagement.database_roles import grant_after_migrate

        post_migrate.connect(grant_after_migrate, sender=self, dispatch_uid="engagement_grant_app_role")
