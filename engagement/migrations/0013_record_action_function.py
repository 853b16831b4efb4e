"""record_action on PostgreSQL in one statement, outside any transaction: the actor's lock, the
running campaign, the daily count, the slot claim and the insert happen in one PL/pgSQL call run in
autocommit, so the whole action costs one round trip (it used to cost BEGIN, two statements and
COMMIT). Each query in the VOLATILE function takes a fresh snapshot, so the count still sees what
committed while the lock was awaited; the lock holds until the statement's transaction commits.
When the action needs the general path (no running campaign, a slot out of budget) the function
changes nothing and returns no row; a repeated key raises unique_violation, which undoes the claim."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION engagement_record_action(
    p_lock bigint, p_user bigint, p_vk bigint, p_moment timestamptz, p_day_start timestamptz,
    p_day_end timestamptz, p_kind text, p_target_type integer, p_target_id bigint, p_key text,
    p_daily_cap integer, p_number integer
) RETURNS TABLE (o_id bigint, o_amount integer, o_campaign bigint)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    v_campaign bigint;
    v_rate_work integer;
    v_rate_like integer;
    v_rate_repost integer;
    v_counted bigint;
    v_rate integer;
    v_id bigint;
BEGIN
    SELECT * INTO v_campaign, v_rate_work, v_rate_like, v_rate_repost, v_counted
    FROM engagement_campaign_and_count(p_lock, p_user, p_vk, p_moment, p_day_start, p_day_end);
    IF v_campaign IS NULL THEN
        RETURN;
    END IF;
    v_rate := CASE
        WHEN v_counted >= p_daily_cap THEN 0
        WHEN p_kind = 'work_approved' THEN v_rate_work
        WHEN p_kind = 'like' THEN v_rate_like
        WHEN p_kind = 'repost' THEN v_rate_repost
    END;
    IF v_rate IS NULL THEN
        RETURN;
    END IF;
    IF v_rate > 0 THEN
        UPDATE engagement_counterslot SET amount = amount + v_rate, actions = actions + 1
        WHERE campaign_id = v_campaign AND number = p_number AND amount + v_rate <= budget;
    ELSE
        UPDATE engagement_counterslot SET actions = actions + 1
        WHERE campaign_id = v_campaign AND number = p_number;
    END IF;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO engagement_ledgerentry (kind, actor_user_id, actor_vk_id, target_type_id, target_id, amount,
        campaign_id, key, reverses_id, reason, created_at)
    VALUES (p_kind, p_user, p_vk, p_target_type, p_target_id, v_rate, v_campaign, p_key, NULL, '', p_moment)
    ON CONFLICT DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RAISE unique_violation USING MESSAGE = 'engagement: this key is already recorded';
    END IF;
    RETURN QUERY SELECT v_id, v_rate, v_campaign;
END;
$fn$;
"""


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP FUNCTION IF EXISTS engagement_record_action(bigint, bigint, bigint, timestamptz, timestamptz,"
            " timestamptz, text, integer, bigint, text, integer, integer)"
        )


class Migration(migrations.Migration):
    dependencies = [("engagement", "0012_refuse_truncate")]

    operations = [migrations.RunPython(create_function, drop_function)]
