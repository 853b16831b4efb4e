"""The ledger and its digests are append-only in the database itself: on PostgreSQL a trigger
refuses UPDATE and DELETE of their rows (TRUNCATE, an owner's maintenance statement that test
databases use to empty tables, is not row-level and stays possible). SQLite, the single-machine
development database, relies on the models' refusal."""

from django.db import migrations

TABLES = ["engagement_ledgerentry", "engagement_dailydigest"]

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION engagement_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION engagement_refuse_change()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS engagement_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("engagement", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
