"""The VK callback's function (migration 0017) reads the VK post before it inserts it: the insert
with ON CONFLICT DO NOTHING it ran for every event took a value of the posts' sequence (a shared
buffer every concurrent callback wrote) and a speculative insertion for a post that almost always
exists. A new post is still inserted, and a post another callback inserts meanwhile still read."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION engagement_ingest_vk_event(
    p_lock bigint, p_actor_lock bigint, p_group bigint, p_event_id text, p_type text, p_op text, p_vk bigint, p_post bigint,
    p_post_type integer, p_moment timestamptz, p_day_start timestamptz, p_day_end timestamptz,
    p_daily_cap integer, p_number integer
) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    v_post bigint;
    v_kind text;
    v_key text;
    v_generations bigint;
    v_standing bigint;
    v_standing_key text;
    v_standing_amount bigint;
    v_standing_campaign bigint;
    v_campaign bigint;
    v_rate_like integer;
    v_rate_repost integer;
    v_counted bigint;
    v_rate integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(p_lock);
    PERFORM pg_advisory_xact_lock(p_actor_lock);
    IF EXISTS (SELECT 1 FROM engagement_vkevent WHERE group_id = p_group AND event_id = p_event_id) THEN
        RETURN 0;
    END IF;
    SELECT id INTO v_post FROM engagement_vkpost WHERE group_id = p_group AND post_id = p_post;
    IF v_post IS NULL THEN
        INSERT INTO engagement_vkpost (group_id, post_id) VALUES (p_group, p_post) ON CONFLICT DO NOTHING
        RETURNING id INTO v_post;
        IF v_post IS NULL THEN
            SELECT id INTO v_post FROM engagement_vkpost WHERE group_id = p_group AND post_id = p_post;
        END IF;
    END IF;

    IF p_op = 'repost' THEN
        v_kind := 'repost';
        v_key := 'repost:' || p_post_type || ':' || v_post || ':vk:' || p_vk;
        IF EXISTS (SELECT 1 FROM engagement_ledgerentry WHERE key = v_key) THEN
            INSERT INTO engagement_vkevent (group_id, event_id, type, received_at)
            VALUES (p_group, p_event_id, p_type, p_moment);
            RETURN 0;
        END IF;
    ELSE
        SELECT count(*) INTO v_generations FROM engagement_ledgerentry e
        WHERE e.actor_vk_id = p_vk AND e.kind = 'like' AND e.target_type_id = p_post_type
            AND e.target_id = v_post AND e.reverses_id IS NULL;
        SELECT e.id, e.key, e.amount, e.campaign_id
        INTO v_standing, v_standing_key, v_standing_amount, v_standing_campaign
        FROM engagement_ledgerentry e
        WHERE e.actor_vk_id = p_vk AND e.kind = 'like' AND e.target_type_id = p_post_type
            AND e.target_id = v_post AND e.reverses_id IS NULL
            AND NOT EXISTS (SELECT 1 FROM engagement_ledgerentry r WHERE r.reverses_id = e.id)
        ORDER BY e.id DESC LIMIT 1;
        IF p_op = 'unlike' OR v_standing IS NOT NULL THEN
            INSERT INTO engagement_vkevent (group_id, event_id, type, received_at)
            VALUES (p_group, p_event_id, p_type, p_moment);
            IF p_op = 'like' OR v_standing IS NULL THEN
                RETURN 0;
            END IF;
            INSERT INTO engagement_ledgerentry (kind, actor_user_id, actor_vk_id, target_type_id, target_id, amount,
                campaign_id, key, reverses_id, reason, created_at)
            VALUES ('like', NULL, p_vk, p_post_type, v_post, -v_standing_amount, v_standing_campaign,
                'reversal:' || v_standing_key, v_standing, 'лайк снят', p_moment);
            IF v_standing_campaign IS NOT NULL THEN
                UPDATE engagement_counterslot SET amount = amount - v_standing_amount, actions = actions - 1
                WHERE campaign_id = v_standing_campaign AND number = p_number;
            END IF;
            RETURN 1;
        END IF;
        v_kind := 'like';
        v_key := 'like:' || p_post_type || ':' || v_post || ':vk:' || p_vk || ':' || (v_generations + 1);
    END IF;

    SELECT id, rate_like, rate_repost INTO v_campaign, v_rate_like, v_rate_repost FROM engagement_campaign
    WHERE starts_at <= p_moment AND ends_at > p_moment ORDER BY starts_at DESC LIMIT 1;
    IF v_campaign IS NOT NULL THEN
        SELECT count(*) INTO v_counted FROM engagement_ledgerentry
        WHERE actor_vk_id = p_vk AND created_at >= p_day_start AND created_at < p_day_end
            AND reverses_id IS NULL AND amount > 0;
        v_rate := CASE WHEN v_counted >= p_daily_cap THEN 0 WHEN v_kind = 'like' THEN v_rate_like
            ELSE v_rate_repost END;
        IF v_rate > 0 THEN
            UPDATE engagement_counterslot SET amount = amount + v_rate, actions = actions + 1
            WHERE campaign_id = v_campaign AND number = p_number AND amount + v_rate <= budget;
            IF NOT FOUND THEN
                RETURN NULL;
            END IF;
        ELSE
            UPDATE engagement_counterslot SET actions = actions + 1
            WHERE campaign_id = v_campaign AND number = p_number;
        END IF;
    END IF;
    INSERT INTO engagement_vkevent (group_id, event_id, type, received_at)
    VALUES (p_group, p_event_id, p_type, p_moment);
    INSERT INTO engagement_ledgerentry (kind, actor_user_id, actor_vk_id, target_type_id, target_id, amount,
        campaign_id, key, reverses_id, reason, created_at)
    VALUES (v_kind, NULL, p_vk, p_post_type, v_post, v_rate, v_campaign, v_key, NULL, '', p_moment);
    RETURN 1;
END;
$fn$;
"""


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def restore_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        schema_editor.execute(import_module("engagement.migrations.0017_vk_callback_per_user_lock").CREATE, params=None)


class Migration(migrations.Migration):
    dependencies = [("engagement", "0017_vk_callback_per_user_lock")]

    operations = [migrations.RunPython(create_function, restore_function)]
