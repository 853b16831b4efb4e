"""Create the development admin account (only with DEBUG on) and print its login."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "admin"
PASSWORD = "admin"  # noqa: S105 - development only, refused with DEBUG off


class Command(BaseCommand):
    help = "Create the development superuser admin/admin (refuses to run with DEBUG off)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("create_dev_admin is for development only (DEBUG is off).")
        user, created = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"email": "admin@example.com", "is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
        self.stdout.write(
            f"Вход в админку: логин {USERNAME}, пароль {PASSWORD}" + ("" if created else " (если не меняли)")
        )
