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

# PostgreSQL: one VK callback event in one autocommitted statement (migration 0015); NULL: take the
# general path (a slot out of budget), nothing changed.
CALL_INGEST_VK_EVENT = "SELECT engagement_ingest_vk_event(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"

# --- VKontakte batches --------------------------------------------------------------------------

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

# Large batches (backfills, imports) go through COPY on PostgreSQL. Under the batch's advisory
# lock (per VK group) the service first finds which events and keys are already recorded, so the
# rows it then writes are new: they are COPYed in binary straight into the tables, inside a
# savepoint. Should another writer have recorded one of them meanwhile (a unique violation), the
# savepoint is rolled back and the rows take the de-duplicating path: COPY into a session's
# temporary staging table, then one INSERT ... SELECT ... ON CONFLICT DO NOTHING (the same
# idempotent keys as the unnest insert). The staging tables live as long as the connection, are
# emptied after each move (and at commit), and no other session sees them.
COPY_MIN_ROWS = 200
STAGE_VK_EVENTS = "engagement_stage_vkevent"
STAGE_ENTRIES = "engagement_stage_ledgerentry"
VK_EVENT_COLUMNS = (("group_id", "bigint"), ("event_id", "text"), ("type", "text"), ("received_at", "timestamptz"))


def _stage(table, columns):
    return (
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {table}"
        f" ({', '.join(f'{name} {kind}' for name, kind in columns)}) ON COMMIT DELETE ROWS"
    )


def _copy(table, columns):
    return f"COPY {table} ({_names(columns)}) FROM STDIN (FORMAT BINARY)"


def _move(stage, table, columns, returning):
    return (
        f"INSERT INTO {table} ({_names(columns)}) SELECT {_names(columns)} FROM {stage}"  # noqa: S608
        f" ON CONFLICT DO NOTHING RETURNING {returning}"
    )


VK_EVENTS = {
    "table": "engagement_vkevent",
    "columns": VK_EVENT_COLUMNS,
    "stage": STAGE_VK_EVENTS,
    "returning": "group_id, event_id",
}
VK_ENTRIES = {
    "table": "engagement_ledgerentry",
    "columns": VK_ENTRY_COLUMNS,
    "stage": STAGE_ENTRIES,
    "returning": "id, key, amount, campaign_id",
}
EMPTY_STAGE = "TRUNCATE {table}"
# Events of one group already logged, among the (event_id) array given.
KNOWN_VK_EVENTS = "SELECT event_id FROM engagement_vkevent WHERE group_id = %s AND event_id = ANY(%s)"


def _write_rows(cursor, sql_copy, columns, rows):
    with cursor.copy(sql_copy) as writer:
        writer.set_types([kind for _, kind in columns])
        for row in rows:
            writer.write_row(row)


def copy_new(target, rows):
    """COPY `rows` (believed new) straight into the target table inside a savepoint; True when
    written, False (nothing written) when one of them hit a unique key. PostgreSQL only."""
    with binary_cursor() as cursor:
        try:
            with transaction.atomic():
                _write_rows(cursor, _copy(target["table"], target["columns"]), target["columns"], rows)
        except psycopg.errors.UniqueViolation:
            return False
    return True


def copy_through_stage(target, rows):
    """COPY `rows` into the target's staging table, move them with INSERT ... SELECT ... ON CONFLICT
    DO NOTHING and return the RETURNING rows of those really inserted. PostgreSQL only. A row the
    database refuses (a type, a bound, NOT NULL) raises; the caller's transaction then rolls back,
    so nothing of the batch stays."""
    columns, stage = target["columns"], target["stage"]
    with binary_cursor() as cursor:
        cursor.execute(_stage(stage, columns))
        _write_rows(cursor, _copy(stage, columns), columns, rows)
        cursor.execute(_move(stage, target["table"], columns, target["returning"]))
        moved = cursor.fetchall()
        # Empty at once: a caller may run several batches in one transaction.
        cursor.execute(EMPTY_STAGE.format(table=stage))
    return moved


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
