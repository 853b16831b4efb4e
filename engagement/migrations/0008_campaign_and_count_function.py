"""record_action on PostgreSQL takes the actor's lock and reads the running campaign and the
actor's counted actions today in one round trip. In a VOLATILE PL/pgSQL function each query takes
a fresh snapshot, so the count sees whatever committed while the lock was awaited."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION engagement_campaign_and_count(
    p_lock bigint, p_user bigint, p_vk bigint, p_moment timestamptz, p_day_start timestamptz,
    p_day_end timestamptz
) RETURNS TABLE (o_campaign bigint, o_rate_work integer, o_rate_like integer, o_rate_repost integer,
                 o_counted bigint)
LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
    IF p_lock IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(p_lock);
    END IF;
    RETURN QUERY
    SELECT c.id, c.rate_work_approved, c.rate_like, c.rate_repost,
        CASE
            WHEN p_user IS NOT NULL THEN (
                SELECT count(*) FROM engagement_ledgerentry e
                WHERE e.actor_user_id = p_user AND e.created_at >= p_day_start AND e.created_at < p_day_end
                  AND e.reverses_id IS NULL AND e.amount > 0)
            WHEN p_vk IS NOT NULL THEN (
                SELECT count(*) FROM engagement_ledgerentry e
                WHERE e.actor_vk_id = p_vk AND e.created_at >= p_day_start AND e.created_at < p_day_end
                  AND e.reverses_id IS NULL AND e.amount > 0)
            ELSE 0::bigint
        END
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (
        SELECT k.id, k.rate_work_approved, k.rate_like, k.rate_repost FROM engagement_campaign k
        WHERE k.starts_at <= p_moment AND k.ends_at > p_moment ORDER BY k.starts_at DESC LIMIT 1
    ) AS c ON TRUE;
END;
$fn$;
"""


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP FUNCTION IF EXISTS engagement_campaign_and_count(bigint, bigint, bigint, timestamptz,"
            " timestamptz, timestamptz)"
        )


class Migration(migrations.Migration):
    dependencies = [("engagement", "0007_campaign_without_row_lock")]

    operations = [migrations.RunPython(create_function, drop_function)]
