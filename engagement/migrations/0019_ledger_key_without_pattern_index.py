"""The ledger's key keeps its unique index but loses the second B-tree Django adds beside every
unique CharField on PostgreSQL (`varchar_pattern_ops`, for LIKE 'prefix%'): nothing searches keys
by prefix, and every writer (record_action, VK callbacks and batches) paid one more index
insertion per entry, at a spot far from the index's end since keys are not written in order."""

from django.db import migrations

FIND = """
SELECT i.relname FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_opclass o ON o.oid = x.indclass[0]
WHERE t.relname = 'engagement_ledgerentry' AND o.opcname = 'varchar_pattern_ops' AND x.indnatts = 1
  AND pg_get_indexdef(x.indexrelid) LIKE '%%(key varchar_pattern_ops)'
"""


def drop_pattern_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FIND)
        names = [row[0] for row in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f'DROP INDEX "{name}"')


def create_pattern_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS engagement_ledgerentry_key_3df3e52a_like"
            " ON engagement_ledgerentry (key varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("engagement", "0018_vk_callback_reads_the_post_first")]

    operations = [migrations.RunPython(drop_pattern_index, create_pattern_index)]
