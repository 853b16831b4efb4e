"""Every raw SQL statement of the engagement services, and the ledger's column list, in one place.

The ORM cannot say what the hot paths need (claim a slot and insert in one round trip, `ON CONFLICT
DO NOTHING RETURNING`, arrays bound in binary), so these few statements are written by hand. The
PostgreSQL functions they call (`engagement_campaign_and_count`, `engagement_record_action`) are
created by migrations 0008 and 0013, which keep their own frozen copy of the column list.
Statements are built from the constants below only, never from input.
"""

import hashlib
import json
from contextlib import contextmanager

import psycopg
from django.db import connection, transaction

# The ledger's columns (engagement_ledgerentry without its id) and their PostgreSQL types, in the
# order every insert below uses.
LEDGER_COLUMNS = (
    ("kind", "text"),
    ("actor_user_id", "bigint"),
    ("actor_vk_id", "bigint"),
    ("target_type_id", "integer"),
    ("target_id", "bigint"),
    ("amount", "bigint"),
    ("campaign_id", "bigint"),
    ("key", "text"),
    ("reverses_id", "bigint"),
    ("reason", "text"),
    ("created_at", "timestamptz"),
)
LEDGER_FIELDS = tuple(name for name, _ in LEDGER_COLUMNS)
# VK batches have VK actors only: every column but the account.
VK_ENTRY_COLUMNS = tuple((name, kind) for name, kind in LEDGER_COLUMNS if name != "actor_user_id")


def _names(columns):
    return ", ".join(name for name, _ in columns)


# --- locks --------------------------------------------------------------------------------------

ADVISORY_LOCK = "SELECT pg_advisory_xact_lock(%s)"
ADVISORY_LOCK_SHARED = "SELECT pg_advisory_xact_lock_shared(%s)"
# The running totals of the days not yet digested (LedgerRecentTotal): the tally brings them forward
# under this lock; their readers, and imports of entries dated in the past, hold it shared.
TALLY_LOCK = "engagement:tally"


def lock_key(label):
    """The 64-bit advisory lock key of a label such as "user:7" or "vk-group:1"."""
    return int.from_bytes(hashlib.blake2b(label.encode(), digest_size=8).digest(), "big", signed=True)


def lock(*labels):
    """Serialise writers per actor (or per VK group) until the transaction ends (PostgreSQL only:
    SQLite runs one writing transaction at a time anyway)."""
    if connection.vendor != "postgresql" or not labels:
        return
    with connection.cursor() as cursor:
        for key in sorted(lock_key(label) for label in labels):
            cursor.execute(ADVISORY_LOCK, [key])


def lock_shared(label):
    """Hold `label` shared until the transaction ends: alongside other holders, never alongside
    lock(label) (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(ADVISORY_LOCK_SHARED, [lock_key(label)])


# --- counter slots ------------------------------------------------------------------------------

SELECT_SLOTS = "SELECT id, number, amount, budget FROM engagement_counterslot WHERE campaign_id = %s ORDER BY number"
SELECT_SLOTS_FOR_UPDATE = SELECT_SLOTS + " FOR UPDATE"
SET_SLOT_BUDGET = "UPDATE engagement_counterslot SET budget = %s WHERE id = %s"
CLAIM_SLOT = (
    "UPDATE engagement_counterslot SET amount = amount + %s, actions = actions + 1"
    " WHERE campaign_id = %s AND number = %s AND amount + %s <= budget"
)
COUNT_IN_SLOT = "UPDATE engagement_counterslot SET actions = actions + 1 WHERE campaign_id = %s AND number = %s"
ADD_TO_SLOT = "UPDATE engagement_counterslot SET amount = amount + %s, actions = actions + %s WHERE id = %s"
CREDIT_SLOT = (
    "UPDATE engagement_counterslot SET amount = amount + %s, actions = actions + %s"
    " WHERE campaign_id = %s AND number = %s"
)

# --- recording one action -----------------------------------------------------------------------

INSERT_ENTRY = (
    f"INSERT INTO engagement_ledgerentry ({_names(LEDGER_COLUMNS)})"  # noqa: S608
    f" VALUES ({', '.join(['%s'] * len(LEDGER_COLUMNS))}) ON CONFLICT DO NOTHING RETURNING id"
)

_CAMPAIGN_AND_COUNT = (
    "SELECT c.id, c.rate_work_approved, c.rate_like, c.rate_repost, ({count}) FROM (SELECT 1) AS one"
    " LEFT JOIN (SELECT id, rate_work_approved, rate_like, rate_repost FROM engagement_campaign"
    " WHERE starts_at <= %s AND ends_at > %s ORDER BY starts_at DESC LIMIT 1) AS c ON TRUE"
)
_COUNT_TODAY = (
    "SELECT count(*) FROM engagement_ledgerentry WHERE {actor} = %s AND created_at >= %s AND created_at < %s"
    " AND reverses_id IS NULL AND amount > 0"
)
# Other databases: one statement for the running campaign and, for an actor, their counted actions
# today (keyed by the actor's column, None for no actor).
CAMPAIGN_AND_COUNT = {
    None: _CAMPAIGN_AND_COUNT.format(count="SELECT 0"),
    "actor_user_id": _CAMPAIGN_AND_COUNT.format(count=_COUNT_TODAY.format(actor="actor_user_id")),
    "actor_vk_id": _CAMPAIGN_AND_COUNT.format(count=_COUNT_TODAY.format(actor="actor_vk_id")),
}
# PostgreSQL: the same, plus the actor's advisory lock, in a function (migration 0008).
CALL_CAMPAIGN_AND_COUNT = "SELECT * FROM engagement_campaign_and_count(%s, %s, %s, %s, %s, %s)"
# PostgreSQL: lock the actor, read campaign and daily count, claim a slot and insert (migration 0013).
CALL_RECORD_ACTION = "SELECT * FROM engagement_record_action(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
# PostgreSQL: claim a random slot and insert the entry in one round trip; the entry is inserted only
# if the slot had room (else the caller takes the slow path that locks all slots). Named parameters:
# the ledger's fields and the slot's `number`.
CLAIM_AND_INSERT = (
    "WITH claimed AS (UPDATE engagement_counterslot SET amount = amount + %(amount)s, actions = actions + 1"  # noqa: S608
    " WHERE campaign_id = %(campaign_id)s AND number = %(number)s AND amount + %(amount)s <= budget RETURNING 1),"
    f" inserted AS (INSERT INTO engagement_ledgerentry ({_names(LEDGER_COLUMNS)})"
    f" SELECT {', '.join(f'%({name})s' for name in LEDGER_FIELDS)}"
    " FROM claimed ON CONFLICT DO NOTHING RETURNING id)"
    " SELECT (SELECT id FROM inserted), EXISTS (SELECT 1 FROM claimed)"
)

# PostgreSQL: one VK callback event in one autocommitted statement (migrations 0015, 0017, 0018: the group's
# lock shared, the VK user's exclusive); NULL: take the
# general path (a slot out of budget), nothing changed.
CALL_INGEST_VK_EVENT = "SELECT engagement_ingest_vk_event(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"

# --- VKontakte batches --------------------------------------------------------------------------

# The callback's inbox (VkInboxEvent): one insert per delivered event, a redelivery of an event still
# waiting adds nothing; the drain takes the oldest waiting events, at most a batch, in one statement
# (the caller sorts them: RETURNING keeps no order). The same SQL on PostgreSQL and SQLite.
INSERT_VK_INBOX = (
    "INSERT INTO engagement_vkinboxevent (group_id, event_id, type, op, vk_id, post_id, received_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
)
TAKE_VK_INBOX = (
    "DELETE FROM engagement_vkinboxevent WHERE (group_id, event_id) IN (SELECT group_id, event_id"
    " FROM engagement_vkinboxevent ORDER BY received_at, group_id, event_id LIMIT %s)"
    " RETURNING received_at, group_id, event_id, type, op, vk_id, post_id"
)

INSERT_VK_EVENTS_UNNEST = (
    "INSERT INTO engagement_vkevent (group_id, event_id, type, received_at)"
    " SELECT g, e, t, now() FROM unnest(%b::bigint[], %b::text[], %b::text[]) AS u(g, e, t)"
    " ON CONFLICT DO NOTHING RETURNING group_id, event_id"
)
INSERT_VK_EVENT = (
    "INSERT INTO engagement_vkevent (group_id, event_id, type, received_at) VALUES (%s, %s, %s, %s)"
    " ON CONFLICT DO NOTHING RETURNING group_id, event_id"
)

_ENTRY_RETURNING = " ON CONFLICT DO NOTHING RETURNING id, key, amount, campaign_id"
# Rows are tuples in VK_ENTRY_COLUMNS order.
INSERT_ENTRIES_UNNEST = (
    f"INSERT INTO engagement_ledgerentry ({_names(VK_ENTRY_COLUMNS)}) SELECT * FROM unnest("  # noqa: S608
    + ", ".join(f"%s::{kind}[]" for _, kind in VK_ENTRY_COLUMNS)
    + ")"
    + _ENTRY_RETURNING
)
INSERT_ENTRY_ROW = (
    f"INSERT INTO engagement_ledgerentry ({_names(VK_ENTRY_COLUMNS)}) VALUES ("  # noqa: S608
    + ", ".join(["%s"] * len(VK_ENTRY_COLUMNS))
    + ")"
    + _ENTRY_RETURNING
)

# Large batches (backfills, imports) on PostgreSQL go through binary COPY: below this many events a
# batch takes the unnest inserts above.
COPY_MIN_ROWS = 200
VK_EVENT_COLUMNS = (("group_id", "bigint"), ("event_id", "text"), ("type", "text"), ("received_at", "timestamptz"))


def _stage(table, columns):
    return (
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {table}"
        f" ({', '.join(f'{name} {kind}' for name, kind in columns)}) ON COMMIT DELETE ROWS"
    )


def _copy(table, columns):
    return f"COPY {table} ({_names(columns)}) FROM STDIN (FORMAT BINARY)"


def relay(select, params, target, columns):
    """Copy the rows of `select` (columns of exactly the target's types) into `target` by binary
    COPY, through this process as bytes, inside a savepoint; True when written, False (nothing
    written) when one of them hit a unique key. PostgreSQL only."""
    with binary_cursor() as cursor:
        with cursor.copy(f"COPY ({select}) TO STDOUT (FORMAT BINARY)", params) as out:
            data = b"".join(out)
        try:
            with transaction.atomic(), cursor.copy(_copy(target, columns)) as writer:
                writer.write(data)
        except psycopg.errors.UniqueViolation:
            return False
    return True


# Large batches on PostgreSQL are set-based: Python only streams each event's parsed fields
# (batch order, group, event id, type, VK user, post) by binary COPY into a session's temporary
# table without indexes (no WAL, no index upkeep); the rules then run in the database, a few
# statements per batch under the groups' advisory locks. The batch's distinct events are logged
# first by one COPY (BATCH_VK_EVENTS); should one be logged already (a redelivery), that COPY is
# undone and PLAN_AND_LOG_VK_BATCH logs them with ON CONFLICT DO NOTHING, planning only the new
# ones. The plan replays each
# (user, post)'s like toggles in order against the ledger's like state (window functions: a like
# counts when nothing stands, an unlike compensates what stands), drops reposts already counted,
# applies the daily cap and writes the plan; INSERT_PLANNED_* then write the entries with
# ON CONFLICT DO NOTHING on the key, so a row another writer recorded meanwhile is skipped, and
# return only totals for the counter slots.
STAGE_VK_BATCH = "engagement_stage_vkbatch"
PLAN_VK_BATCH_TABLE = "engagement_plan_vkbatch"
VK_BATCH_COLUMNS = (
    ("n", "integer"),
    ("group_id", "bigint"),
    ("event_id", "text"),
    ("type", "text"),
    ("vk_id", "bigint"),
    ("post_id", "bigint"),
)
CREATE_VK_BATCH_TABLES = (
    _stage(STAGE_VK_BATCH, VK_BATCH_COLUMNS),
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {PLAN_VK_BATCH_TABLE} (n integer, kind text, vk_id bigint,"
    " post bigint, key text, reverses_key text, rate bigint, amount bigint) ON COMMIT DELETE ROWS",
)
COPY_VK_BATCH = _copy(STAGE_VK_BATCH, VK_BATCH_COLUMNS)
# Temporary tables get no statistics of their own; without them the planner takes the batch for
# a handful of rows and joins it in nested loops.
ANALYZE_VK_BATCH = f"ANALYZE {STAGE_VK_BATCH}"
EMPTY_VK_BATCH = f"TRUNCATE {STAGE_VK_BATCH}, {PLAN_VK_BATCH_TABLE}"
INSERT_VK_BATCH_POSTS = (
    f"INSERT INTO engagement_vkpost (group_id, post_id) SELECT DISTINCT group_id, post_id FROM {STAGE_VK_BATCH}"  # noqa: S608
    " ORDER BY group_id, post_id ON CONFLICT DO NOTHING"
)
# The batch's events, each once (its first delivery in the batch).
_VK_BATCH_EVENTS = (
    f"SELECT DISTINCT ON (group_id, event_id) n, group_id, event_id, type, vk_id, post_id FROM {STAGE_VK_BATCH}"  # noqa: S608
    " ORDER BY group_id, event_id, n"
)
# The batch's events as engagement_vkevent rows, relayed by COPY before planning: when none was
# logged before (the common case: the groups' locks keep other writers out), the COPY logs them
# all with no probe of the log beyond its unique index, and the plan takes every event as new.
# Named parameter: moment.
BATCH_VK_EVENTS = (
    "SELECT group_id::bigint, event_id::text, type::text, %(moment)s::timestamptz"  # noqa: S608
    f" FROM ({_VK_BATCH_EVENTS}) AS b ORDER BY group_id, event_id"
)
# Where the plan finds the batch's new events: all of them (just logged by COPY), or, should one
# have been logged before (a redelivery), those its own ON CONFLICT DO NOTHING insert logs.
_FRESH_ALL = f"""
WITH fresh AS (
    SELECT b.n, b.type, b.vk_id, p.id AS post FROM ({_VK_BATCH_EVENTS}) AS b
    JOIN engagement_vkpost p ON p.group_id = b.group_id AND p.post_id = b.post_id
"""  # noqa: S608
_FRESH_LOGGING = f"""
WITH batch AS ({_VK_BATCH_EVENTS}), logged AS (
    INSERT INTO engagement_vkevent (group_id, event_id, type, received_at)
    SELECT group_id, event_id, type, %(moment)s FROM batch ORDER BY n
    ON CONFLICT (group_id, event_id) DO NOTHING RETURNING group_id, event_id
), fresh AS (
    SELECT b.n, b.type, b.vk_id, p.id AS post
    FROM batch b JOIN logged USING (group_id, event_id)
    JOIN engagement_vkpost p ON p.group_id = b.group_id AND p.post_id = b.post_id
"""  # noqa: S608
# Named parameters: post_type, moment, day_start, day_end, daily_cap, rate_like, rate_repost.
_PLAN_VK_BATCH = f"""
), likes AS (
    SELECT n, vk_id, post, CASE WHEN type = 'like_add' THEN 'like' ELSE 'unlike' END AS op
    FROM fresh WHERE type <> 'wall_repost'
), toggles AS (
    SELECT l.n, l.vk_id, l.post, l.op, s.generations, s.standing,
        coalesce(lag(l.op) OVER (PARTITION BY l.vk_id, l.post ORDER BY l.n),
                 CASE WHEN s.standing IS NULL THEN 'unlike' ELSE 'like' END) AS before
    FROM likes l CROSS JOIN LATERAL (
        SELECT count(*) AS generations, max(e.key) FILTER (WHERE NOT EXISTS (
            SELECT 1 FROM engagement_ledgerentry r WHERE r.reverses_id = e.id)) AS standing
        FROM engagement_ledgerentry e WHERE e.actor_vk_id = l.vk_id AND e.kind = 'like'
            AND e.target_type_id = %(post_type)s AND e.target_id = l.post AND e.reverses_id IS NULL
    ) AS s
), changes AS (
    SELECT n, vk_id, post, op, standing,
        CASE WHEN op = 'like' THEN 'like:' || %(post_type)s || ':' || post || ':vk:' || vk_id || ':'
            || (generations + count(*) FILTER (WHERE op = 'like')
                OVER (PARTITION BY vk_id, post ORDER BY n)) END AS key
    FROM toggles WHERE op <> before
), like_rows AS (
    SELECT n, op AS kind, vk_id, post, key,
        CASE WHEN op = 'unlike' THEN coalesce(lag(key) OVER (PARTITION BY vk_id, post ORDER BY n), standing)
        END AS reverses_key
    FROM changes
), reposts AS (
    SELECT DISTINCT ON (key) n, 'repost' AS kind, vk_id, post, key, NULL::text AS reverses_key
    FROM (SELECT n, vk_id, post, 'repost:' || %(post_type)s || ':' || post || ':vk:' || vk_id AS key
          FROM fresh WHERE type = 'wall_repost') AS r
    WHERE NOT EXISTS (SELECT 1 FROM engagement_ledgerentry e WHERE e.key = r.key)
    ORDER BY key, n
), originals AS (
    SELECT *, CASE WHEN kind = 'like' THEN %(rate_like)s ELSE %(rate_repost)s END AS kind_rate
    FROM (SELECT * FROM like_rows WHERE kind = 'like' UNION ALL SELECT * FROM reposts) AS o
)
INSERT INTO {PLAN_VK_BATCH_TABLE} (n, kind, vk_id, post, key, reverses_key, rate)
SELECT o.n, o.kind, o.vk_id, o.post, o.key, NULL,
    CASE WHEN o.kind_rate > 0 AND row_number() OVER (PARTITION BY o.vk_id, o.kind_rate > 0 ORDER BY o.n)
        + (SELECT count(*) FROM engagement_ledgerentry e WHERE e.actor_vk_id = o.vk_id
           AND e.created_at >= %(day_start)s AND e.created_at < %(day_end)s AND e.reverses_id IS NULL
           AND e.amount > 0) <= %(daily_cap)s THEN o.kind_rate ELSE 0 END
FROM originals o
UNION ALL
SELECT n, kind, vk_id, post, NULL, reverses_key, NULL FROM like_rows WHERE kind = 'unlike'
"""  # noqa: S608
PLAN_VK_BATCH = _FRESH_ALL + _PLAN_VK_BATCH
PLAN_AND_LOG_VK_BATCH = _FRESH_LOGGING + _PLAN_VK_BATCH
# What the planned originals ask of the campaign's cap: (sum of rates, originals).
PLANNED_RATES = f"SELECT coalesce(sum(rate), 0), count(*) FROM {PLAN_VK_BATCH_TABLE} WHERE key IS NOT NULL"  # noqa: S608
PLANNED_RATES_IN_ORDER = f"SELECT n, rate FROM {PLAN_VK_BATCH_TABLE} WHERE key IS NOT NULL ORDER BY n"  # noqa: S608
GRANT_EACH = (
    f"UPDATE {PLAN_VK_BATCH_TABLE} p SET amount = g.amount FROM unnest(%b::integer[], %b::bigint[]) AS g(n, amount)"  # noqa: S608
    " WHERE p.n = g.n"
)
# The planned originals as ledger rows (VK_ENTRY_COLUMNS, their exact types): relayed in binary
# from COPY ... TO STDOUT into COPY ... FROM STDIN, as a bare COPY would write them.
# Named parameters: post_type, campaign_id, moment.
PLANNED_ORIGINALS = (
    "SELECT kind::text, vk_id::bigint, %(post_type)s::integer, post::bigint, coalesce(amount, rate)::bigint,"  # noqa: S608
    " %(campaign_id)s::bigint, key::text, NULL::bigint, ''::text, %(moment)s::timestamptz"
    f" FROM {PLAN_VK_BATCH_TABLE} WHERE key IS NOT NULL ORDER BY key"
)
PLANNED_TOTALS = (
    f"SELECT coalesce(sum(coalesce(amount, rate)), 0), count(*) FROM {PLAN_VK_BATCH_TABLE}"  # noqa: S608
    " WHERE key IS NOT NULL"
)
# Should another writer have recorded one of the keys meanwhile: the same rows, skipping those.
# Named parameters: post_type, campaign_id, moment. Both return (campaign_id, total, entries).
INSERT_PLANNED_ORIGINALS = f"""
WITH inserted AS (
    INSERT INTO engagement_ledgerentry ({_names(VK_ENTRY_COLUMNS)})
    SELECT kind, vk_id, %(post_type)s, post, coalesce(amount, rate), %(campaign_id)s, key, NULL, '', %(moment)s
    FROM {PLAN_VK_BATCH_TABLE} WHERE key IS NOT NULL ORDER BY n
    ON CONFLICT (key) DO NOTHING RETURNING amount, campaign_id
)
SELECT campaign_id, coalesce(sum(amount), 0), count(*) FROM inserted GROUP BY campaign_id
"""  # noqa: S608
INSERT_PLANNED_COMPENSATIONS = f"""
WITH inserted AS (
    INSERT INTO engagement_ledgerentry ({_names(VK_ENTRY_COLUMNS)})
    SELECT 'like', e.actor_vk_id, e.target_type_id, e.target_id, -e.amount, e.campaign_id, 'reversal:' || e.key,
        e.id, 'лайк снят', %(moment)s
    FROM {PLAN_VK_BATCH_TABLE} p JOIN engagement_ledgerentry e ON e.key = p.reverses_key
    WHERE p.kind = 'unlike' ORDER BY p.n
    ON CONFLICT (key) DO NOTHING RETURNING amount, campaign_id
)
SELECT campaign_id, coalesce(sum(amount), 0), count(*) FROM inserted GROUP BY campaign_id
"""  # noqa: S608


# Batch lookups take arrays (one parameter, however large the batch); PostgreSQL only, as is the
# batch path's unnest insert. SQLite gets the same lookups through JSON arrays.
VK_LIKES = (
    "SELECT e.actor_vk_id, e.target_id, e.key, r.id FROM engagement_ledgerentry e"
    " LEFT JOIN engagement_ledgerentry r ON r.reverses_id = e.id"
    " WHERE e.actor_vk_id = ANY(%s) AND e.kind = 'like' AND e.target_type_id = %s AND e.reverses_id IS NULL"
)
VK_COUNTED = (
    "SELECT actor_vk_id, count(*) FROM engagement_ledgerentry WHERE actor_vk_id = ANY(%s)"
    " AND created_at >= %s AND created_at < %s AND reverses_id IS NULL AND amount > 0 GROUP BY actor_vk_id"
)
EXISTING_KEYS = "SELECT key FROM engagement_ledgerentry WHERE key = ANY(%s)"


# --- cursors ------------------------------------------------------------------------------------


@contextmanager
def binary_cursor():
    """A psycopg cursor on Django's connection (same transaction) that binds parameters on the
    server; with %b placeholders large arrays go in binary, without per-element quoting. Its errors
    come out as Django's (OperationalError, DataError…), as any other query's would."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        yield cursor


@contextmanager
def call_cursor():
    """binary_cursor for the hot one-statement calls (a VK callback's inbox insert, record_action's
    and a callback's function calls): one psycopg cursor kept per database connection instead of one
    made per call, a tenth of a callback's own CPU. Execute one statement and fetch its result inside
    the block; never nest it."""
    connection.ensure_connection()
    raw = connection.connection
    kept = getattr(connection, "_engagement_call_cursor", None)
    if kept is None or kept.connection is not raw or kept.closed:
        kept = connection._engagement_call_cursor = psycopg.Cursor(raw)
    with connection.wrap_database_errors:
        yield kept


def binary(sql):
    return sql.replace("%s", "%b")


def select_with_array(cursor, sql, array, *params):
    """Rows of `sql` whose first parameter is `= ANY(%s)` over `array` (SQLite: a JSON array)."""
    if connection.vendor == "postgresql":
        with binary_cursor() as cursor_on_server:
            cursor_on_server.execute(binary(sql), [list(array), *params])
            return cursor_on_server.fetchall()
    cursor.execute(sql.replace("= ANY(%s)", "IN (SELECT value FROM json_each(%s))"), [json.dumps(list(array)), *params])
    return cursor.fetchall()
