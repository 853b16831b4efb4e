"""Recording actions in the append-only ledger, reversing them, voiding a fraudulent account.

Every function that changes state runs in one transaction. An action is worth the running
campaign's rate, claimed from its counter slots (engagement.services.slots); past the cap or the
account's daily cap it is still recorded, with amount 0. A correction is a compensating entry.
"""

import random
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from config.errors import ServiceError
from config.text import quoted
from engagement.actors import actor_identity
from engagement.models import SLOT_COUNT, ActionKind, DailyDigest, LedgerEntry, WarmingLike
from engagement.services import sql
from engagement.services.slots import allocate_in_locked, claim, credit, locked_slots

MAX_KEY_LENGTH = 200


class AlreadyRecorded(Exception):
    """An entry with this key exists: the insert changed nothing."""


def insert(cursor, entry):
    """Insert `entry` (unsaved) unless its key exists; return it saved, or raise AlreadyRecorded."""
    cursor.execute(sql.INSERT_ENTRY, [getattr(entry, name) for name in sql.LEDGER_FIELDS])
    row = cursor.fetchone()
    if row is None:
        raise AlreadyRecorded
    entry.id = row[0]
    entry._state.adding = False
    entry._state.db = "default"
    return entry


def day_bounds(moment):
    """The UTC day around `moment`: (start, end)."""
    start = datetime.combine(moment.astimezone(UTC).date(), time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def _check_day_open(moment):
    last = DailyDigest.objects.order_by("-day").values_list("day", flat=True).first()
    if last is not None and moment.astimezone(UTC).date() <= last:
        raise ServiceError(
            f"День {moment.date()} уже закрыт опубликованным хешем журнала: записи в него запрещены.",
            code="day_closed",
            status=409,
        )


def _check_key(key):
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ServiceError(
            f"Ключ идемпотентности должен быть непустой строкой до {MAX_KEY_LENGTH} символов.",
            code="invalid_key",
            field="key",
            status=409,
        )


def _campaign_and_count(cursor, actor_fields, label, moment):
    """Lock the actor (until the transaction ends) and return ((campaign id, rates by kind) or
    None, the actor's counted actions today). One round trip on PostgreSQL (migration 0008)."""
    column = next((name for name, value in actor_fields.items() if value is not None), None)
    start, end = day_bounds(moment)
    if connection.vendor == "postgresql":
        cursor.execute(
            sql.CALL_CAMPAIGN_AND_COUNT,
            [
                sql.lock_key(label) if label else None,
                actor_fields["actor_user_id"],
                actor_fields["actor_vk_id"],
                moment,
                start,
                end,
            ],
        )
    else:
        params = [actor_fields[column], start, end] if column else []
        cursor.execute(sql.CAMPAIGN_AND_COUNT[column], [*params, moment, moment])
    campaign_id, rate_work, rate_like, rate_repost, counted = cursor.fetchone()
    if campaign_id is None:
        return None, counted
    rates = {ActionKind.WORK_APPROVED: rate_work, ActionKind.LIKE: rate_like, ActionKind.REPOST: rate_repost}
    return (campaign_id, rates), counted


def _claim_and_insert(cursor, entry, rate):
    """Insert `entry` for an action worth `rate` in its campaign, granting what the cap allows."""
    if rate and connection.vendor == "postgresql":
        params = {name: getattr(entry, name) for name in sql.LEDGER_FIELDS}
        params.update(amount=rate, reverses_id=None, reason="", number=random.randrange(SLOT_COUNT))
        cursor.execute(sql.CLAIM_AND_INSERT, params)
        entry_id, claimed = cursor.fetchone()
        if claimed:
            if entry_id is None:
                raise AlreadyRecorded
            entry.id, entry.amount = entry_id, rate
            entry._state.adding, entry._state.db = False, "default"
            return entry
        entry.amount = allocate_in_locked(cursor, locked_slots(cursor, entry.campaign_id), [rate])[0]
        return insert(cursor, entry)
    entry.amount = claim(cursor, entry.campaign_id, rate)
    return insert(cursor, entry)


def _record_in_one_statement(entry, label):
    """The common case on PostgreSQL outside a transaction: one autocommitted call of
    engagement_record_action (migration 0013) locks the actor, reads campaign and daily count,
    claims a slot and inserts. Returns None when the general path must run (it changed nothing)."""
    start, end = day_bounds(entry.created_at)
    try:
        # Server-side binding: the statement is prepared once per connection, not parsed each time.
        with sql.call_cursor() as cursor:
            cursor.execute(
                sql.CALL_RECORD_ACTION,
                [
                    sql.lock_key(label) if label else None,
                    entry.actor_user_id,
                    entry.actor_vk_id,
                    entry.created_at,
                    start,
                    end,
                    entry.kind,
                    entry.target_type_id,
                    entry.target_id,
                    entry.key,
                    settings.ENGAGEMENT_DAILY_ACTION_CAP,
                    random.randrange(SLOT_COUNT),
                ],
                prepare=True,
            )
            row = cursor.fetchone()
    except IntegrityError:
        return LedgerEntry.objects.get(key=entry.key)  # a repeated key: nothing was changed
    if row is None:
        return None
    entry.id, entry.amount, entry.campaign_id = row
    entry._state.adding, entry._state.db = False, "default"
    return entry


def record_action(kind, actor, target, key, *, occurred_at=None):
    """Record one action worth the running campaign's rate; safe to repeat.

    A repeated `key` returns the entry already recorded and changes nothing. Past the campaign's cap
    or the account's daily cap the action is still recorded, with amount 0. `occurred_at` (imports,
    demo) may not fall on a day already closed by a published digest."""
    try:
        kind = ActionKind(kind)
    except ValueError:
        raise ServiceError(
            f"Неизвестный вид действия {quoted(kind)}: ожидается один из {', '.join(ActionKind.values)}.",
            code="unknown_action_kind",
            field="kind",
            status=409,
        )
    _check_key(key)
    if occurred_at is not None and (existing := LedgerEntry.objects.filter(key=key).first()):
        return existing  # a repeated import of a closed day is still a no-op, not a refusal
    actor_fields, label = actor_identity(actor)
    moment = occurred_at or timezone.now()
    entry = LedgerEntry(
        kind=kind,
        **actor_fields,
        target_type_id=ContentType.objects.get_for_model(target).pk,
        target_id=target.pk,
        amount=0,
        key=key,
        created_at=moment,
    )
    if occurred_at is None and connection.vendor == "postgresql" and not connection.in_atomic_block:
        recorded = _record_in_one_statement(entry, label)
        if recorded is not None:
            return recorded
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if occurred_at is not None:
                sql.lock_shared(sql.TALLY_LOCK)  # not in flight while the tally reads its highest id
                _check_day_open(moment)
            campaign, counted = _campaign_and_count(cursor, actor_fields, label, moment)
            if campaign is None:
                return insert(cursor, entry)
            entry.campaign_id, rates = campaign
            rate = rates[kind] if counted < settings.ENGAGEMENT_DAILY_ACTION_CAP else 0
            return _claim_and_insert(cursor, entry, rate)
    except AlreadyRecorded:
        return LedgerEntry.objects.get(key=key)


def reversal_key(key):
    """The key of the compensation of the entry under `key`."""
    return f"reversal:{key}"


def _compensate(cursor, original, reason, moment):
    """Insert the compensation of `original` (not yet committed: caller's transaction); return it,
    or None if it already exists."""
    compensation = LedgerEntry(
        kind=original.kind,
        actor_user_id=original.actor_user_id,
        actor_vk_id=original.actor_vk_id,
        target_type_id=original.target_type_id,
        target_id=original.target_id,
        amount=-original.amount,
        campaign_id=original.campaign_id,
        key=reversal_key(original.key),
        reverses_id=original.pk,
        reason=reason[:200],
        created_at=moment,
    )
    try:
        return insert(cursor, compensation)
    except AlreadyRecorded:
        return None


def reverse_action(key, reason=""):
    """Cancel the action recorded under `key` with a compensating entry; safe to repeat (a second
    call returns the same compensation)."""
    original = LedgerEntry.objects.filter(key=key, reverses__isnull=True).first()
    if original is None:
        raise ServiceError(
            f"В журнале нет действия с ключом {quoted(key)}: отменять нечего.", code="action_not_found", status=409
        )
    existing = LedgerEntry.objects.filter(reverses=original).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            compensation = _compensate(cursor, original, reason, timezone.now())
            if compensation is None:
                raise AlreadyRecorded
            if original.campaign_id:
                credit(cursor, original.campaign_id, compensation.amount, -1)
            return compensation
    except AlreadyRecorded:
        return LedgerEntry.objects.get(reverses=original)


def void_account(actor, reason):
    """Cancel every standing entry of a fraudulent account with compensating entries, in one
    transaction, and drop its likes still in their warm-up (they will never earn). Returns the
    number of compensations written."""
    actor_fields, label = actor_identity(actor)
    if label is None:
        raise ServiceError("Укажите аккаунт, чьи действия нужно аннулировать.", code="actor_required")
    if not reason.strip():
        raise ServiceError(
            "Укажите причину аннулирования: она попадёт в журнал.", code="reason_required", field="reason"
        )
    moment = timezone.now()
    with transaction.atomic():
        sql.lock(label)
        if actor_fields["actor_user_id"] is not None:
            WarmingLike.objects.filter(actor_user_id=actor_fields["actor_user_id"]).delete()
        originals = LedgerEntry.objects.filter(**actor_fields, reverses__isnull=True, reversal__isnull=True).order_by(
            "pk"
        )
        credits = {}
        written = 0
        with connection.cursor() as cursor:
            for original in originals:
                compensation = _compensate(cursor, original, f"аннулировано: {reason}", moment)
                if compensation is None:
                    continue
                written += 1
                if original.campaign_id:
                    amount, actions = credits.get(original.campaign_id, (0, 0))
                    credits[original.campaign_id] = (amount + compensation.amount, actions - 1)
            for campaign_id in sorted(credits):
                credit(cursor, campaign_id, *credits[campaign_id])
    return written
