"""The ledger is append-only for everyone the application is: a trigger refuses TRUNCATE (like
UPDATE and DELETE), and the application's role, granted by `migrate`, owns nothing and cannot
change the ledger or lift its triggers."""

import secrets

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from engagement import services
from engagement.database_roles import append_only_tables
from engagement.models import LedgerEntry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def app_role(settings):
    """A login role like production's application role, granted by what `migrate` runs."""
    name = f"{connection.settings_dict['NAME']}_app"[:63]
    password = secrets.token_urlsafe(16)
    quoted = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
        verb = "ALTER" if cursor.fetchone() else "CREATE"
        cursor.execute(f"{verb} ROLE {quoted} LOGIN NOSUPERUSER PASSWORD %s", [password])
    settings.DATABASE_APP_ROLE = name
    call_command("migrate", verbosity=0)  # nothing to apply; post_migrate grants the role
    yield name, password
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {quoted}")
        cursor.execute(f"DROP ROLE {quoted}")


def connect_as(role):
    name, password = role
    params = {key: value for key, value in connection.get_connection_params().items() if key != "cursor_factory"}
    return psycopg.connect(**{**params, "user": name, "password": password}, autocommit=True)


def refused(session, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as error:
        session.execute(statement)
    return str(error.value)


def test_the_application_role_appends_to_the_ledger_and_can_change_nothing(app_role, make_campaign, make_user):
    make_campaign()
    fan = make_user()
    # The application's own code, connected as the application's role, records an action.
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(USER=app_role[0], PASSWORD=app_role[1])
    try:
        entry = services.record_action("like", fan, fan, "like:role-check")
        assert services.reverse_action("like:role-check", "проверка").amount == -entry.amount
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert LedgerEntry.objects.count() == 2

    with connect_as(app_role) as session:
        assert session.execute("SELECT count(*) FROM engagement_ledgerentry").fetchone() == (2,)
        for table in append_only_tables():
            assert "permission denied" in refused(session, f"UPDATE {table} SET id = id")  # noqa: S608
            assert "permission denied" in refused(session, f"DELETE FROM {table}")  # noqa: S608
            assert "permission denied" in refused(session, f"TRUNCATE {table}")
            assert "must be owner" in refused(session, f"ALTER TABLE {table} DISABLE TRIGGER USER")
            assert "must be owner" in refused(session, f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_truncate")
        assert "permission denied" in refused(session, "SET session_replication_role = replica")
    assert LedgerEntry.objects.count() == 2


@pytest.mark.parametrize("table", ["engagement_ledgerentry", "engagement_dailydigest", "engagement_ledgerdaytotal"])
def test_truncate_is_refused_by_a_trigger_even_for_the_tables_owner(make_campaign, make_user, table):
    make_campaign()
    fan = make_user()
    services.record_action("like", fan, fan, "like:truncate-check")
    with pytest.raises(Exception, match="append-only: TRUNCATE is not allowed"), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table} CASCADE")
    assert LedgerEntry.objects.count() == 1


def test_migrate_refuses_to_make_the_owner_the_application_role(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.DATABASE_APP_ROLE = connection.settings_dict["USER"]
    with pytest.raises(ImproperlyConfigured, match="владелец таблиц"):
        call_command("migrate", verbosity=0)
