"""The application's own database role: it reads and writes what the platform needs, appends to
the ledger and cannot change it. Migrations run as the tables' owner (who alone may alter or
disable the triggers); web and worker processes connect as this role (README, «Database roles»)."""

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from engagement.models import AppendOnlyModel


def append_only_tables():
    return sorted(model._meta.db_table for model in apps.get_models() if issubclass(model, AppendOnlyModel))


def grant_app_role(connection, role):
    """Give `role` what the application needs on every table of the schema, then take back
    UPDATE, DELETE, TRUNCATE, TRIGGER and REFERENCES on the append-only tables. Run after every
    `migrate` (post_migrate), so tables a new migration adds are covered."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, pg_has_role(%s, current_user, 'MEMBER') FROM pg_roles WHERE rolname = %s", [role, role]
        )
        found = cursor.fetchone()
        if found is None:
            raise ImproperlyConfigured(f"DATABASE_APP_ROLE: роли {role!r} нет в базе; создайте её (README).")
        if found[0] or found[1]:
            raise ImproperlyConfigured(
                f"DATABASE_APP_ROLE {role!r} — суперпользователь или владелец таблиц: он смог бы отключить "
                "защиту журнала. Укажите отдельную роль без этих прав."
            )
        cursor.execute(f"GRANT USAGE ON SCHEMA {quote('public')} TO {quote(role)}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quote(role)}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quote(role)}")
        tables = ", ".join(quote(table) for table in append_only_tables())
        cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {tables} FROM {quote(role)}")


def grant_after_migrate(sender, using="default", **kwargs):
    connection = connections[using]
    if settings.DATABASE_APP_ROLE and connection.vendor == "postgresql":
        grant_app_role(connection, settings.DATABASE_APP_ROLE)
