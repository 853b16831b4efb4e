"""TRUNCATE empties a table without touching rows, so the row triggers of migrations 0002 and 0009
never see it: a statement trigger refuses it on every append-only table too. (Test databases,
which the test run owns, are emptied with the trigger lifted inside the flush's transaction.)"""

from django.db import migrations

TABLES = ["engagement_ledgerentry", "engagement_dailydigest", "engagement_ledgerdaytotal"]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION engagement_refuse_change()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")


class Migration(migrations.Migration):
    dependencies = [("engagement", "0011_foundation_log")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
