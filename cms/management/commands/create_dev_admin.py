"""Create the development admin account (only with DEBUG on) and print every role's sign-in: the
demo's accounts (load_demo) whose password really is the one printed."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cms.demo import EDITOR
from learning.demo import DEMO_PASSWORD, DOMAIN

USERNAME = "admin"
PASSWORD = "admin"  # noqa: S105 - development only, refused with DEBUG off


def role_accounts():
    """(role, where to sign in, login, password) of each role in the demo, in the order a newcomer
    meets them. Staff sign in to /admin/ with the login; students and guardians to /cabinet/login/
    with their email."""
    return [
        ("Администратор", "/admin/", USERNAME, PASSWORD),
        ("Редактор", "/admin/", EDITOR, DEMO_PASSWORD),
        ("Наставник (живопись)", "/admin/", "vera.lapteva", DEMO_PASSWORD),
        ("Модератор", "/admin/", "moderator.demo", DEMO_PASSWORD),
        ("Жюри (живопись)", "/admin/", "juror.kim", DEMO_PASSWORD),
        ("Координатор фонда", "/admin/", "koordinator", "koordinator"),
        ("Ученица, 15 лет", "/cabinet/login/", f"milana@{DOMAIN}", DEMO_PASSWORD),
        ("Ученица, 12 лет", "/cabinet/login/", f"anya@{DOMAIN}", DEMO_PASSWORD),
        ("Родитель Ани и Лизы", "/cabinet/login/", f"parent.anya@{DOMAIN}", DEMO_PASSWORD),
    ]


def working_accounts():
    """The role accounts that exist and sign in with the listed password."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[a[2] for a in role_accounts()])}
    return [
        account
        for account in role_accounts()
        if account[2] in users and users[account[2]].is_active and users[account[2]].check_password(account[3])
    ]


class Command(BaseCommand):
    help = "Create the development superuser admin/admin and print the demo's sign-ins (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("create_dev_admin is for development only (DEBUG is off).")
        user, created = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"email": "admin@example.com", "is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
        self.stdout.write("Входы для разработки (пароли созданы демо-данными, только при DEBUG):")
        for role, where, login, password in working_accounts():
            self.stdout.write(f"  {role + ':':<22} {settings.SITE_URL}{where}  {login} / {password}")
