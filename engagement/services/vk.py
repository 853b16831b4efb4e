"""The VKontakte Callback API's events: likes and reposts of the project's own wall posts become
ledger entries, a batch at a time, in one transaction; redelivered events count once."""

import logging
import math
import random
import time
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from config.errors import ServiceError
from engagement.models import SLOT_COUNT, ActionKind, LedgerEntry, VkEvent, VkPost
from engagement.selectors import campaign_at
from engagement.services import sql
from engagement.services.ledger import day_bounds, reversal_key
from engagement.services.likes import like_key
from engagement.services.slots import credit, grant, locked_slots, pour

logger = logging.getLogger(__name__)


class VkPayloadError(ServiceError):
    """A VK callback event of a shape the ledger cannot hold (HTTP 400)."""

    def __init__(self, message, field=None):
        super().__init__(message, code="invalid_vk_event", field=field)


# VK ids go into bigint columns; VK's schema says "integer" and sets no bound.
VK_INT_BOUND = 2**63
VK_EVENT_ID_LENGTH = VkEvent._meta.get_field("event_id").max_length


def _vk_int(value, name):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise VkPayloadError(f"Поле {name} события ВКонтакте должно быть целым числом.", name)
    if not -VK_INT_BOUND <= number < VK_INT_BOUND:
        raise VkPayloadError(f"Поле {name} события ВКонтакте вне допустимого диапазона (64-битное целое).", name)
    return number


def vk_intent(event):
    """What a VK callback event means for the ledger: ("like" | "unlike" | "repost", vk user id,
    group id, post id) for likes and reposts of the group's own wall posts; None for anything else.
    A like or repost event of a shape the ledger cannot hold raises VkPayloadError."""
    group_id = _vk_int(event.get("group_id"), "group_id")
    kind = event.get("type")
    if kind not in ("like_add", "like_remove", "wall_repost"):
        return None
    obj = event.get("object")
    if not isinstance(obj, dict):
        raise VkPayloadError(f"В событии ВКонтакте {kind} поле object должно быть объектом.", "object")
    try:
        if kind in ("like_add", "like_remove"):
            if obj.get("object_type") != "post" or _vk_int(obj["object_owner_id"], "object_owner_id") != -group_id:
                return None
            liker, post = _vk_int(obj["liker_id"], "liker_id"), _vk_int(obj["object_id"], "object_id")
            return ("like" if kind == "like_add" else "unlike", liker, group_id, post)
        reposter = _vk_int(obj.get("from_id") or obj.get("owner_id") or 0, "from_id")
        history = obj.get("copy_history") or []
        if not isinstance(history, list) or not all(isinstance(original, dict) for original in history):
            raise VkPayloadError(
                "В событии ВКонтакте wall_repost поле copy_history должно быть списком записей.", "copy_history"
            )
        for original in history:
            if _vk_int(original["owner_id"], "owner_id") == -group_id and reposter > 0:
                return ("repost", reposter, group_id, _vk_int(original["id"], "id"))
        return None
    except KeyError as error:
        raise VkPayloadError(f"В событии ВКонтакте {kind} нет поля {error.args[0]}.", error.args[0])


def _vk_event_id(event):
    """The event's id as stored for de-duplication ("" when VK sent none)."""
    event_id = event.get("event_id", "")
    if not isinstance(event_id, str | int) or isinstance(event_id, bool):
        raise VkPayloadError("Поле event_id события ВКонтакте должно быть строкой.", "event_id")
    event_id = str(event_id)
    if len(event_id) > VK_EVENT_ID_LENGTH or "\x00" in event_id:
        raise VkPayloadError(
            f"Поле event_id события ВКонтакте длиннее {VK_EVENT_ID_LENGTH} символов или содержит символ NUL.",
            "event_id",
        )
    return event_id


def check_vk_event(event):
    """Raise VkPayloadError if `event` could not be ingested (what ingest_vk_events would refuse),
    so an import can refuse a file before it writes anything."""
    if not isinstance(event, dict):
        raise VkPayloadError("Событие ВКонтакте должно быть объектом JSON.")
    if vk_intent(event) is not None:
        _vk_event_id(event)


def _insert_vk_events(cursor, rows):
    """Insert (group_id, event_id, type) rows; return the pairs that were new."""
    if connection.vendor == "postgresql":
        with sql.binary_cursor() as binary:
            binary.execute(
                sql.INSERT_VK_EVENTS_UNNEST, [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]]
            )
            return set(binary.fetchall())
    new = set()
    for group_id, event_id, kind in rows:
        cursor.execute(sql.INSERT_VK_EVENT, [group_id, event_id, kind, timezone.now()])
        new.update(cursor.fetchall())
    return new


def _insert_entries(cursor, rows):
    """Insert entries (tuples in sql.VK_ENTRY_COLUMNS order) skipping existing keys; return (id, key,
    amount, campaign_id) of the rows really inserted."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        with sql.binary_cursor() as binary:
            binary.execute(sql.binary(sql.INSERT_ENTRIES_UNNEST), [list(column) for column in zip(*rows, strict=True)])
            return binary.fetchall()
    inserted = []
    for row in rows:
        cursor.execute(sql.INSERT_ENTRY_ROW, row)
        inserted.extend(cursor.fetchall())
    return inserted


def _vk_posts(pairs):
    """{(group_id, post_id): VkPost id} for `pairs`, the posts not seen before created. One query
    when all are known (the usual case): an insert with ON CONFLICT would spend a sequence value
    on every known post, and the ORM's OR of one clause per pair was a fifth of a batch's time."""
    pairs = set(pairs)

    def known():
        rows = VkPost.objects.filter(group_id__in={g for g, _ in pairs}, post_id__in={p for _, p in pairs})
        return {(g, p): pk for pk, g, p in rows.values_list("pk", "group_id", "post_id") if (g, p) in pairs}

    posts = known()
    if len(posts) < len(pairs):
        VkPost.objects.bulk_create(
            [VkPost(group_id=g, post_id=p) for g, p in sorted(pairs - posts.keys())], ignore_conflicts=True
        )
        posts = known()
    return posts


def ingest_vk_events(events):
    """Turn VKontakte callback events into ledger entries in one transaction; returns how many
    entries were written. Events already delivered (same group_id and event_id) are skipped, likes
    follow the same "worth a rouble while it stands" keys as set_like, a user's repost of a post
    counts once, and slots change only by what was really inserted. Batches of one group run one
    after another (an advisory lock per group). Large batches on PostgreSQL run set-based, in the
    database (_ingest_in_database). An event of a shape the ledger cannot hold raises
    VkPayloadError before anything is written."""
    return _ingest(list(_counting(events)))


def _counting(events):
    """(group_id, event_id, type, intent) of each event that can count, in delivery order."""
    for event in events:
        intent = vk_intent(event)
        if intent is None:
            continue
        event_id = _vk_event_id(event)
        if not event_id:
            # Without an id a redelivery could not be told apart, so the event cannot count.
            logger.warning("VK event %s of group %s has no event_id: not counted", event["type"], intent[2])
            continue
        yield intent[2], event_id, event["type"], intent


# --- The callback's inbox ----------------------------------------------------------------------


def accept_vk_event(event):
    """A VK callback's event: a like or repost that can count is stored in the inbox, in one
    autocommitted insert (a redelivery of one still waiting adds nothing), and a drain is asked for
    (request_vk_drain); returns whether the event can count. Anything else is not stored: events
    that mean nothing for the ledger, and those without an event_id (logged). A shape the ledger
    cannot hold raises VkPayloadError; a database failure raises, and nothing was stored."""
    counting = list(_counting([event]))
    if not counting:
        return False
    group_id, event_id, kind, (op, vk_id, _, post_id) = counting[0]
    params = [group_id, event_id, kind, op, vk_id, post_id, timezone.now()]
    if connection.vendor == "postgresql":
        # Server-side binding, prepared once per connection: each callback sends only its values.
        with sql.call_cursor() as cursor:
            cursor.execute(sql.INSERT_VK_INBOX, params, prepare=True)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql.INSERT_VK_INBOX, params)
    request_vk_drain()
    return True


DRAIN_TASK = "engagement.tasks.drain_vk_inbox"
_drain_due = [0.0]  # the time (time.time()) of the last drain this process asked for


def request_vk_drain():
    """Ask for drain_vk_inbox to run at the end of the current period of VK_INBOX_DRAIN_SECONDS,
    once per period and process: it finds every event stored meanwhile, and the periods are aligned
    on the clock, so the drains that several processes ask for fall together and the first takes
    every waiting event in one batch. At once with a task backend that runs tasks on the spot
    (tests). A failure to enqueue is logged: the events wait in the inbox for the next drain (the
    next callback's, or the periodic one)."""
    now = time.time()
    if now < _drain_due[0]:
        return
    try:
        drain_vk_inbox = import_string(DRAIN_TASK)  # by name: engagement.tasks imports this module
        if not drain_vk_inbox.get_backend().supports_defer:
            drain_vk_inbox.enqueue()
            return
        period = settings.VK_INBOX_DRAIN_SECONDS
        _drain_due[0] = due = (math.floor(now / period) + 1) * period
        drain_vk_inbox.using(run_after=datetime.fromtimestamp(due, UTC)).enqueue()
    except Exception:
        _drain_due[0] = 0.0
        logger.exception("Could not enqueue the VK inbox drain: the events wait for the next one")


def drain_vk_inbox(batch=10_000):
    """Turn the events waiting in the inbox into ledger entries, the oldest first, up to `batch`
    at a time, each batch in one transaction with its removal from the inbox, until none waits;
    returns how many entries were written. One drain runs at a time (an advisory lock), so a like
    and its removal are counted in the order they arrived."""
    written = 0
    while True:
        with transaction.atomic():
            sql.lock("vk-inbox")
            with connection.cursor() as cursor:
                cursor.execute(sql.TAKE_VK_INBOX, [batch])
                taken = sorted(cursor.fetchall())
            written += _ingest(
                [
                    (group_id, event_id, kind, (op, vk_id, group_id, post_id))
                    for _, group_id, event_id, kind, op, vk_id, post_id in taken
                ]
            )
        if len(taken) < batch:
            return written


# --- Ingestion ----------------------------------------------------------------------------------


def _ingest(counting):
    """ingest_vk_events for the events _counting kept."""
    if connection.vendor == "postgresql" and len(counting) >= sql.COPY_MIN_ROWS:
        return _ingest_in_database(counting)
    wanted, seen = [], set()
    for group_id, event_id, kind, intent in counting:
        pair = (group_id, event_id)
        if pair in seen:
            continue
        seen.add(pair)
        wanted.append((pair, kind, intent))
    if not wanted:
        return 0
    moment = timezone.now()
    post_type = ContentType.objects.get_for_model(VkPost).pk
    if len(wanted) == 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        written = _ingest_one(wanted[0], post_type, moment)
        if written is not None:
            return written
    with transaction.atomic(), connection.cursor() as cursor:
        sql.lock(*{f"vk-group:{pair[0]}" for pair, _, _ in wanted})
        new = _insert_vk_events(cursor, [(pair[0], pair[1], kind) for pair, kind, _ in wanted])
        wanted = [(pair, kind, intent) for pair, kind, intent in wanted if pair in new]
        if not wanted:
            return 0
        posts = _vk_posts({(intent[2], intent[3]) for _, _, intent in wanted})
        actors = sorted({intent[1] for _, _, intent in wanted})
        likes = _vk_like_state(cursor, post_type, actors, sorted(set(posts.values())))
        campaign = campaign_at(moment)
        counted = _vk_counted_today(cursor, actors, moment)
        daily_cap = settings.ENGAGEMENT_DAILY_ACTION_CAP

        originals, reversals = [], []
        for _, _, (op, vk_id, group_id, post_id) in wanted:
            post = posts[(group_id, post_id)]
            if op == "repost":
                originals.append([ActionKind.REPOST.value, vk_id, post, f"repost:{post_type}:{post}:vk:{vk_id}"])
                continue
            state = likes.setdefault((vk_id, post), {"generations": 0, "standing": None})
            if op == "like" and state["standing"] is None:
                state["generations"] += 1
                key = like_key(post_type, post, f"vk:{vk_id}", state["generations"])
                originals.append([ActionKind.LIKE.value, vk_id, post, key])
                state["standing"] = key
            elif op == "unlike" and state["standing"] is not None:
                reversals.append(state["standing"])
                state["standing"] = None
        # Likes get fresh generation keys by construction; a repost key may exist from an earlier
        # batch, or twice in this one (the same user's repost delivered under two event ids).
        reposts = [row[3] for row in originals if row[0] == ActionKind.REPOST]
        taken = _existing_keys(cursor, reposts) if reposts else set()
        kept = []
        for row in originals:
            if row[3] not in taken:
                taken.add(row[3])
                kept.append(row)
        originals = kept

        slots, rates = [], []
        for kind, vk_id, _, _ in originals:
            rate = campaign.rate_for(kind) if campaign else 0
            if rate and counted.get(vk_id, 0) >= daily_cap:
                rate = 0
            if rate:
                counted[vk_id] = counted.get(vk_id, 0) + 1
            rates.append(rate)
        if campaign is not None and originals:
            slots = locked_slots(cursor, campaign.pk)
            granted = grant(slots, rates)
        else:
            granted = [0] * len(originals)
        inserted = _insert_entries(
            cursor,
            [
                (kind, vk_id, post_type, post, amount, campaign.pk if campaign else None, key, None, "", moment)
                for (kind, vk_id, post, key), amount in zip(originals, granted, strict=True)
            ],
        )
        if campaign is not None and inserted:
            pour(cursor, slots, sum(row[2] for row in inserted), len(inserted))

        compensations = _vk_compensations(cursor, reversals, inserted, post_type, moment)
        written = _insert_entries(cursor, compensations)
        credits = {}
        for _, _, amount, campaign_id in written:
            if campaign_id:
                total, count = credits.get(campaign_id, (0, 0))
                credits[campaign_id] = (total + amount, count - 1)
        for campaign_id in sorted(credits):
            credit(cursor, campaign_id, *credits[campaign_id])
    return len(inserted) + len(written)


def _ingest_in_database(counting):
    """A large batch on PostgreSQL, set-based: each event's parsed fields are COPYed into a
    temporary table, then the statements of sql.PLAN_VK_BATCH and sql.INSERT_PLANNED_* apply the
    rules of ingest_vk_events in the database, under the groups' advisory locks, in one
    transaction. Python parses and streams; it keeps no per-event state."""
    groups = set()
    with transaction.atomic(), sql.binary_cursor() as cursor:
        for statement in sql.CREATE_VK_BATCH_TABLES:
            cursor.execute(statement)
        with cursor.copy(sql.COPY_VK_BATCH) as writer:
            writer.set_types([kind for _, kind in sql.VK_BATCH_COLUMNS])
            write = writer.write_row
            for n, (group_id, event_id, kind, intent) in enumerate(counting):
                groups.add(group_id)
                write((n, group_id, event_id, kind, intent[1], intent[3]))
        if not groups:
            return 0
        cursor.execute(sql.ANALYZE_VK_BATCH)
        sql.lock(*(f"vk-group:{group_id}" for group_id in groups))
        moment = timezone.now()
        start, end = day_bounds(moment)
        post_type = ContentType.objects.get_for_model(VkPost).pk
        campaign = campaign_at(moment)
        plan = {
            "post_type": post_type,
            "moment": moment,
            "day_start": start,
            "day_end": end,
            "daily_cap": settings.ENGAGEMENT_DAILY_ACTION_CAP,
            "rate_like": campaign.rate_like if campaign else 0,
            "rate_repost": campaign.rate_repost if campaign else 0,
        }
        with connection.cursor() as plain:
            plain.execute(sql.INSERT_VK_BATCH_POSTS)
            if sql.relay(sql.BATCH_VK_EVENTS, {"moment": moment}, "engagement_vkevent", sql.VK_EVENT_COLUMNS):
                plain.execute(sql.PLAN_VK_BATCH, plan)  # none was logged before: all are new
            else:
                # One of the events was logged before (a redelivery): log around it, plan the new ones.
                plain.execute(sql.PLAN_AND_LOG_VK_BATCH, plan)
            plain.execute(sql.PLANNED_RATES)
            wanted, originals = plain.fetchone()
            slots = locked_slots(plain, campaign.pk) if campaign is not None and originals else None
            # When the cap holds them all, each original gets its rate: amount stays NULL and the
            # statements below read coalesce(amount, rate), with no pass over the plan to set it.
            if slots is not None and wanted > sum(budget - amount for _, _, amount, budget in slots):
                # The cap does not hold them all: grant in batch order, as one at a time would.
                plain.execute(sql.PLANNED_RATES_IN_ORDER)
                numbers, rates = zip(*plain.fetchall(), strict=True)
                cursor.execute(sql.GRANT_EACH, [list(numbers), grant(slots, rates)])
            params = {"post_type": post_type, "campaign_id": campaign.pk if campaign else None, "moment": moment}
            if sql.relay(sql.PLANNED_ORIGINALS, params, "engagement_ledgerentry", sql.VK_ENTRY_COLUMNS):
                plain.execute(sql.PLANNED_TOTALS)
                inserted = [(params["campaign_id"], *plain.fetchone())]
            else:
                # Another writer recorded one of the keys meanwhile: insert around it.
                plain.execute(sql.INSERT_PLANNED_ORIGINALS, params)
                inserted = plain.fetchall()
            written = 0
            for campaign_id, total, count in inserted:
                written += count
                if campaign_id is not None and count:
                    pour(plain, slots, total, count)
            plain.execute(sql.INSERT_PLANNED_COMPENSATIONS, params)
            for campaign_id, total, count in plain.fetchall():
                written += count
                if campaign_id is not None:
                    credit(plain, campaign_id, total, -count)
            # Empty at once: a caller may run several batches in one transaction.
            plain.execute(sql.EMPTY_VK_BATCH)
    return written


def _ingest_one(wanted, post_type, moment):
    """One event (a callback) in one autocommitted statement (the function of migrations 0015 and 0017, same
    rules as below); None when it needs the general path (a slot out of budget, a key another
    writer recorded meanwhile), and then nothing was written."""
    (group_id, event_id), kind, (op, vk_id, _, post_id) = wanted
    start, end = day_bounds(moment)
    # The group's lock shared (a batch of the group holds it exclusive), the user's exclusive: the
    # label record_action locks for a VK actor.
    locks = [sql.lock_key(f"vk-group:{group_id}"), sql.lock_key(f"vk:{vk_id}")]
    params = [*locks, group_id, event_id, kind, op, vk_id, post_id, post_type]
    params += [moment, start, end, settings.ENGAGEMENT_DAILY_ACTION_CAP, random.randrange(SLOT_COUNT)]
    try:
        # Server-side binding, as record_action's call: prepared once per connection, then each
        # callback sends its values in binary, with no quoting here and no parsing there.
        with sql.call_cursor() as cursor:
            cursor.execute(sql.CALL_INGEST_VK_EVENT, params, prepare=True)
            return cursor.fetchone()[0]
    except IntegrityError:
        return None


def _vk_like_state(cursor, post_type, actors, posts):
    """{(vk_id, post): {"generations": n, "standing": key or None}} from the ledger."""
    state = {}
    wanted = set(posts)
    for vk_id, post, key, reversed_by in sql.select_with_array(cursor, sql.VK_LIKES, actors, post_type):
        if post not in wanted:
            continue
        entry = state.setdefault((vk_id, post), {"generations": 0, "standing": None})
        entry["generations"] += 1
        if reversed_by is None:
            entry["standing"] = key
    return state


def _vk_counted_today(cursor, actors, moment):
    start, end = day_bounds(moment)
    return dict(sql.select_with_array(cursor, sql.VK_COUNTED, actors, start, end))


def _existing_keys(cursor, keys):
    return {row[0] for row in sql.select_with_array(cursor, sql.EXISTING_KEYS, keys)}


def _vk_compensations(cursor, keys, inserted, post_type, moment):
    """Compensation rows for the likes under `keys` (inserted in this batch or earlier)."""
    if not keys:
        return []
    fresh = {key: (entry_id, amount, campaign_id) for entry_id, key, amount, campaign_id in inserted if entry_id}
    earlier = {
        key: (entry_id, amount, campaign_id)
        for entry_id, key, amount, campaign_id in LedgerEntry.objects.filter(
            key__in=[key for key in keys if key not in fresh]
        ).values_list("id", "key", "amount", "campaign_id")
    }
    originals = {**earlier, **fresh}
    rows = []
    for key in keys:
        if key not in originals:
            continue
        entry_id, amount, campaign_id = originals[key]
        vk_id, post = _vk_actor_and_post(key)
        rows.append(
            (
                ActionKind.LIKE.value,
                vk_id,
                post_type,
                post,
                -amount,
                campaign_id,
                reversal_key(key),
                entry_id,
                "лайк снят",
                moment,
            )
        )
    return rows


def _vk_actor_and_post(like_key):
    # like:<type>:<post>:vk:<vk_id>:<generation>
    parts = like_key.split(":")
    return int(parts[4]), int(parts[2])
