"""Engagement rules: recording actions in the ledger, the counter, VK ingestion, voiding, digests.

Every function that changes state runs in one transaction. Totals live in SLOT_COUNT counter slots
per campaign; a writer adds to one random slot, so there is no hot row. Each slot also holds a share
of the cap (`budget`) and never passes it, and the budgets always add up to the cap: the cap holds
under any concurrency without a global lock. Only when the chosen slot is out of budget does a writer
lock all of the campaign's slots (in slot order, so writers cannot deadlock) and pour the amount into
those with room.
"""

import hashlib
import json
import logging
import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, DateField, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import ngettext

from engagement import publication
from engagement.models import (
    SLOT_COUNT,
    ActionKind,
    Beneficiary,
    Campaign,
    CounterSlot,
    DailyDigest,
    LedgerDayTotal,
    LedgerEntry,
    Transfer,
    VkEvent,
    VkPost,
)

logger = logging.getLogger(__name__)

GENESIS_DIGEST = "0" * 64
MAX_KEY_LENGTH = 200
# A day is digested only once it has been over for this long, so no late commit can land in it.
DIGEST_GRACE = timedelta(minutes=10)
# Reports count money by Moscow month (times are stored in UTC, shown in Moscow time).
MOSCOW = ZoneInfo("Europe/Moscow")


class EngagementError(Exception):
    """A refused engagement operation; the message is Russian and says what to do."""


class RateLimited(EngagementError):
    pass


@dataclass(frozen=True)
class VkActor:
    """An actor known only by a VKontakte user id (likes and reposts on the project's VK posts)."""

    vk_id: int


# --- actors, campaigns, slots -------------------------------------------------------------------


def _actor(actor):
    """(model fields, lock label) for a user, a VkActor or None."""
    if actor is None or getattr(actor, "is_anonymous", False):
        return {"actor_user_id": None, "actor_vk_id": None}, None
    if isinstance(actor, VkActor):
        return {"actor_user_id": None, "actor_vk_id": int(actor.vk_id)}, f"vk:{int(actor.vk_id)}"
    return {"actor_user_id": actor.pk, "actor_vk_id": None}, f"user:{actor.pk}"


def _lock_key(label):
    return int.from_bytes(hashlib.blake2b(label.encode(), digest_size=8).digest(), "big", signed=True)


def _lock(*labels):
    """Serialise writers per actor (or per VK group) until the transaction ends (PostgreSQL only:
    SQLite runs one writing transaction at a time anyway)."""
    if connection.vendor != "postgresql" or not labels:
        return
    with connection.cursor() as cursor:
        for key in sorted(_lock_key(label) for label in labels):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def campaign_at(moment):
    """The campaign running at `moment` (the latest started one if two overlap), or None."""
    return Campaign.objects.filter(starts_at__lte=moment, ends_at__gt=moment).order_by("-starts_at").first()


def current_campaign():
    """The running campaign, else the most recent one that has started, else the next one."""
    now = timezone.now()
    return (
        campaign_at(now)
        or Campaign.objects.filter(starts_at__lte=now).order_by("-starts_at").first()
        or Campaign.objects.order_by("starts_at").first()
    )


_SELECT_SLOTS = "SELECT id, number, amount, budget FROM engagement_counterslot WHERE campaign_id = %s ORDER BY number"


def _locked_slots(cursor, campaign_id):
    """The campaign's slots, locked in slot order (SQLite: its one writer holds the database)."""
    postgres = connection.vendor == "postgresql"
    cursor.execute(_SELECT_SLOTS + " FOR UPDATE" if postgres else _SELECT_SLOTS, [campaign_id])
    return [list(row) for row in cursor.fetchall()]


@transaction.atomic
def distribute_cap(campaign):
    """Create the campaign's slots if missing and share what is left of the cap among them.

    Called whenever a campaign is saved (its cap may have changed). A cap below what was already
    raised leaves every slot's budget at its amount: nothing more is counted."""
    CounterSlot.objects.bulk_create(
        [CounterSlot(campaign=campaign, number=n) for n in range(SLOT_COUNT)], ignore_conflicts=True
    )
    with connection.cursor() as cursor:
        slots = _locked_slots(cursor, campaign.pk)
        free = max(campaign.cap - sum(amount for _, _, amount, _ in slots), 0)
        share, rest = divmod(free, len(slots))
        for index, (slot_id, _, amount, _) in enumerate(slots):
            budget = amount + share + (1 if index < rest else 0)
            cursor.execute("UPDATE engagement_counterslot SET budget = %s WHERE id = %s", [budget, slot_id])


def _claim(cursor, campaign_id, rate):
    """Add one action worth `rate` kopecks to the campaign's slots; return the amount granted
    (`rate`, or 0 once the cap is reached)."""
    number = random.randrange(SLOT_COUNT)
    if rate:
        cursor.execute(
            "UPDATE engagement_counterslot SET amount = amount + %s, actions = actions + 1"
            " WHERE campaign_id = %s AND number = %s AND amount + %s <= budget",
            [rate, campaign_id, number, rate],
        )
        if cursor.rowcount == 1:
            return rate
    else:
        cursor.execute(
            "UPDATE engagement_counterslot SET actions = actions + 1 WHERE campaign_id = %s AND number = %s",
            [campaign_id, number],
        )
        return 0
    # The chosen slot is out of budget: lock them all and move budget to the one with most room.
    slots = _locked_slots(cursor, campaign_id)
    return _allocate_in_locked(cursor, slots, [rate])[0]


def _allocate_in_locked(cursor, slots, rates):
    """With all of a campaign's slots locked, grant each rate in order while the cap allows, and
    write the slots back. Returns the granted amounts."""
    granted = _grant(slots, rates)
    _pour(cursor, slots, sum(granted), len(rates))
    return granted


def _grant(slots, rates):
    """The amounts the locked slots' remaining budget allows for these rates, in order."""
    slack = sum(budget - amount for _, _, amount, budget in slots)
    granted = []
    for rate in rates:
        if rate and rate <= slack:
            granted.append(rate)
            slack -= rate
        else:
            granted.append(0)
    return granted


def _pour(cursor, slots, total, actions):
    """Add `total` kopecks (within the budgets) and `actions` to locked slots, fullest room first;
    budgets stay as they are, so they still add up to the cap."""
    if not actions and not total:
        return
    need, updates = total, {}
    for slot_id, _, amount, budget in sorted(slots, key=lambda s: s[3] - s[2], reverse=True):
        take = min(budget - amount, need)
        if take > 0:
            updates[slot_id] = take
            need -= take
        if need <= 0:
            break
    if need > 0:
        raise EngagementError("Счётчик кампании не вмещает сумму: бюджет ячеек нарушен.")
    first = next(iter(updates), slots[0][0])
    updates.setdefault(first, 0)
    for slot_id, take in updates.items():
        cursor.execute(
            "UPDATE engagement_counterslot SET amount = amount + %s, actions = actions + %s WHERE id = %s",
            [take, actions if slot_id == first else 0, slot_id],
        )


def _credit(cursor, campaign_id, amount, actions):
    """Give back `amount` (≤ 0) and `actions` (≤ 0) to one random slot: compensations only lower a
    slot, so they never need the budget check."""
    cursor.execute(
        "UPDATE engagement_counterslot SET amount = amount + %s, actions = actions + %s"
        " WHERE campaign_id = %s AND number = %s",
        [amount, actions, campaign_id, random.randrange(SLOT_COUNT)],
    )


# --- recording ----------------------------------------------------------------------------------


class _AlreadyRecorded(Exception):
    pass


_INSERT_ENTRY = (
    "INSERT INTO engagement_ledgerentry (kind, actor_user_id, actor_vk_id, target_type_id, target_id, amount,"
    " campaign_id, key, reverses_id, reason, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT DO NOTHING RETURNING id"
)


def _insert(cursor, entry):
    cursor.execute(
        _INSERT_ENTRY,
        [
            entry.kind,
            entry.actor_user_id,
            entry.actor_vk_id,
            entry.target_type_id,
            entry.target_id,
            entry.amount,
            entry.campaign_id,
            entry.key,
            entry.reverses_id,
            entry.reason,
            entry.created_at,
        ],
    )
    row = cursor.fetchone()
    if row is None:
        raise _AlreadyRecorded
    entry.id = row[0]
    entry._state.adding = False
    entry._state.db = "default"
    return entry


def _day_bounds(moment):
    start = datetime.combine(moment.astimezone(UTC).date(), time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def _check_day_open(moment):
    last = DailyDigest.objects.order_by("-day").values_list("day", flat=True).first()
    if last is not None and moment.astimezone(UTC).date() <= last:
        raise EngagementError(f"День {moment.date()} уже закрыт опубликованным хешем журнала: записи в него запрещены.")


def _check_key(key):
    if not key or len(key) > MAX_KEY_LENGTH:
        raise EngagementError(f"Ключ идемпотентности должен быть непустой строкой до {MAX_KEY_LENGTH} символов.")


_CAMPAIGN_AND_COUNT = (
    "SELECT c.id, c.rate_work_approved, c.rate_like, c.rate_repost, ({count}) FROM (SELECT 1) AS one"
    " LEFT JOIN (SELECT id, rate_work_approved, rate_like, rate_repost FROM engagement_campaign"
    " WHERE starts_at <= %s AND ends_at > %s ORDER BY starts_at DESC LIMIT 1) AS c ON TRUE"
)
_COUNT_TODAY = (
    "SELECT count(*) FROM engagement_ledgerentry WHERE {actor} = %s AND created_at >= %s AND created_at < %s"
    " AND reverses_id IS NULL AND amount > 0"
)
# One statement for the running campaign and, for an actor, their counted actions today.
_CAMPAIGN_SQL = {
    None: _CAMPAIGN_AND_COUNT.format(count="SELECT 0"),
    "actor_user_id": _CAMPAIGN_AND_COUNT.format(count=_COUNT_TODAY.format(actor="actor_user_id")),
    "actor_vk_id": _CAMPAIGN_AND_COUNT.format(count=_COUNT_TODAY.format(actor="actor_vk_id")),
}
# PostgreSQL: claim a random slot and insert the entry in one round trip; the entry is inserted only
# if the slot had room (else the caller takes the slow path that locks all slots).
_CLAIM_AND_INSERT = (
    "WITH claimed AS (UPDATE engagement_counterslot SET amount = amount + %(amount)s, actions = actions + 1"
    " WHERE campaign_id = %(campaign_id)s AND number = %(number)s AND amount + %(amount)s <= budget RETURNING 1),"
    " inserted AS (INSERT INTO engagement_ledgerentry (kind, actor_user_id, actor_vk_id, target_type_id,"
    " target_id, amount, campaign_id, key, reverses_id, reason, created_at) SELECT %(kind)s, %(actor_user_id)s,"
    " %(actor_vk_id)s, %(target_type_id)s, %(target_id)s, %(amount)s, %(campaign_id)s, %(key)s, NULL, '',"
    " %(created_at)s FROM claimed ON CONFLICT DO NOTHING RETURNING id)"
    " SELECT (SELECT id FROM inserted), EXISTS (SELECT 1 FROM claimed)"
)


def _campaign_and_count(cursor, actor_fields, label, moment):
    """Lock the actor (until the transaction ends) and return ((campaign id, rates by kind) or
    None, the actor's counted actions today). One round trip on PostgreSQL (migration 0008)."""
    column = next((name for name, value in actor_fields.items() if value is not None), None)
    start, end = _day_bounds(moment)
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT * FROM engagement_campaign_and_count(%s, %s, %s, %s, %s, %s)",
            [
                _lock_key(label) if label else None,
                actor_fields["actor_user_id"],
                actor_fields["actor_vk_id"],
                moment,
                start,
                end,
            ],
        )
    else:
        params = [actor_fields[column], start, end] if column else []
        cursor.execute(_CAMPAIGN_SQL[column], [*params, moment, moment])
    campaign_id, rate_work, rate_like, rate_repost, counted = cursor.fetchone()
    if campaign_id is None:
        return None, counted
    rates = {ActionKind.WORK_APPROVED: rate_work, ActionKind.LIKE: rate_like, ActionKind.REPOST: rate_repost}
    return (campaign_id, rates), counted


def _claim_and_insert(cursor, entry, rate):
    """Insert `entry` for an action worth `rate` in its campaign, granting what the cap allows."""
    if rate and connection.vendor == "postgresql":
        params = {
            "kind": entry.kind,
            "actor_user_id": entry.actor_user_id,
            "actor_vk_id": entry.actor_vk_id,
            "target_type_id": entry.target_type_id,
            "target_id": entry.target_id,
            "amount": rate,
            "campaign_id": entry.campaign_id,
            "key": entry.key,
            "created_at": entry.created_at,
            "number": random.randrange(SLOT_COUNT),
        }
        cursor.execute(_CLAIM_AND_INSERT, params)
        entry_id, claimed = cursor.fetchone()
        if claimed:
            if entry_id is None:
                raise _AlreadyRecorded
            entry.id, entry.amount = entry_id, rate
            entry._state.adding, entry._state.db = False, "default"
            return entry
        entry.amount = _allocate_in_locked(cursor, _locked_slots(cursor, entry.campaign_id), [rate])[0]
        return _insert(cursor, entry)
    entry.amount = _claim(cursor, entry.campaign_id, rate)
    return _insert(cursor, entry)


def _record_in_one_statement(entry, label):
    """The common case on PostgreSQL outside a transaction: one autocommitted call of
    engagement_record_action (migration 0013) locks the actor, reads campaign and daily count,
    claims a slot and inserts. Returns None when the general path must run (it changed nothing)."""
    start, end = _day_bounds(entry.created_at)
    try:
        # Server-side binding: the statement is prepared once per connection, not parsed each time.
        with _binary_cursor() as cursor:
            cursor.execute(
                "SELECT * FROM engagement_record_action(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    _lock_key(label) if label else None,
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
        raise EngagementError(f"Неизвестный вид действия «{kind}»: ожидается один из {', '.join(ActionKind.values)}.")
    _check_key(key)
    if occurred_at is not None and (existing := LedgerEntry.objects.filter(key=key).first()):
        return existing  # a repeated import of a closed day is still a no-op, not a refusal
    actor_fields, label = _actor(actor)
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
                _check_day_open(moment)
            campaign, counted = _campaign_and_count(cursor, actor_fields, label, moment)
            if campaign is None:
                return _insert(cursor, entry)
            entry.campaign_id, rates = campaign
            rate = rates[kind] if counted < settings.ENGAGEMENT_DAILY_ACTION_CAP else 0
            return _claim_and_insert(cursor, entry, rate)
    except _AlreadyRecorded:
        return LedgerEntry.objects.get(key=key)


def _reversal_key(key):
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
        key=_reversal_key(original.key),
        reverses_id=original.pk,
        reason=reason[:200],
        created_at=moment,
    )
    try:
        return _insert(cursor, compensation)
    except _AlreadyRecorded:
        return None


def reverse_action(key, reason=""):
    """Cancel the action recorded under `key` with a compensating entry; safe to repeat (a second
    call returns the same compensation)."""
    original = LedgerEntry.objects.filter(key=key, reverses__isnull=True).first()
    if original is None:
        raise EngagementError(f"В журнале нет действия с ключом «{key}»: отменять нечего.")
    existing = LedgerEntry.objects.filter(reverses=original).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            compensation = _compensate(cursor, original, reason, timezone.now())
            if compensation is None:
                raise _AlreadyRecorded
            if original.campaign_id:
                _credit(cursor, original.campaign_id, compensation.amount, -1)
            return compensation
    except _AlreadyRecorded:
        return LedgerEntry.objects.get(reverses=original)


# --- likes --------------------------------------------------------------------------------------


def _parse_rate(rate):
    count, _, period = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0]]
    return int(count), seconds


def _check_rate(scope, ident, rate):
    limit, seconds = _parse_rate(rate)
    # A window opens with the first hit and closes `seconds` later (incr keeps the expiry).
    key = f"engagement:rate:{scope}:{ident}"
    cache.add(key, 0, seconds + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, seconds + 1)
        used = 1
    if used > limit:
        raise RateLimited(f"Слишком много лайков подряд: не больше {limit} за {seconds} с. Попробуйте чуть позже.")


def _like_key(target_type_id, target_id, label, generation):
    return f"like:{target_type_id}:{target_id}:{label}:{generation}"


def set_like(actor, target, liked, *, ip=None):
    """Like or unlike `target`; a like is worth its rouble while it stands.

    Liking writes a new entry keyed by the like's generation (1, 2, …); unliking writes the
    compensation of the standing one. Both are idempotent, so however often and however
    concurrently an account toggles, it never holds more than one counted like on one target.
    Rate-limited per account and per IP (THROTTLE_LIKE, THROTTLE_LIKE_IP)."""
    actor_fields, label = _actor(actor)
    if label is None:
        raise EngagementError("Лайк может поставить только вошедший пользователь.")
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    _check_rate("like-account", label, rates["like"])
    if ip:
        _check_rate("like-ip", ip, rates["like_ip"])
    target_type = ContentType.objects.get_for_model(target)
    with transaction.atomic():
        _lock(label)
        likes = list(
            LedgerEntry.objects.filter(
                **actor_fields,
                kind=ActionKind.LIKE,
                target_type=target_type,
                target_id=target.pk,
                reverses__isnull=True,
            ).annotate(reversed_by=Count("reversal"))
        )
        standing = [entry for entry in likes if not entry.reversed_by]
        if liked:
            if standing:
                return standing[0]
            key = _like_key(target_type.pk, target.pk, label, len(likes) + 1)
            return record_action(ActionKind.LIKE, actor, target, key)
        for entry in standing:
            reverse_action(entry.key, "лайк снят")
        return None


def like_stands(actor, target):
    """Whether `actor` has a counted-or-recorded like standing on `target`."""
    actor_fields, label = _actor(actor)
    if label is None:
        return False
    return LedgerEntry.objects.filter(
        **actor_fields,
        kind=ActionKind.LIKE,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        reverses__isnull=True,
        reversal__isnull=True,
    ).exists()


# --- reading ------------------------------------------------------------------------------------


def raised_by(user):
    """What this account's own actions raised, in kopecks (compensations included)."""
    return LedgerEntry.objects.filter(actor_user=user).aggregate(total=Sum("amount"))["total"] or 0


def campaign_totals(campaign):
    """Raised kopecks and counted actions of a campaign, from its slots (O(1))."""
    totals = CounterSlot.objects.filter(campaign=campaign).aggregate(amount=Sum("amount"), actions=Sum("actions"))
    return totals["amount"] or 0, totals["actions"] or 0


def counter(campaign=None):
    """The donation counter's figures for `campaign` (default: the current one)."""
    campaign = campaign or current_campaign()
    if campaign is None:
        return {
            "campaign": None,
            "raised_kopecks": 0,
            "raised_roubles": 0,
            "actions": 0,
            "cap_kopecks": 0,
            "percent_of_cap": 0,
            "goal_reached": False,
            "children_helped": 0,
            "updated_at": timezone.now().isoformat(),
        }
    raised, actions = campaign_totals(campaign)
    return {
        "campaign": {"id": campaign.pk, "name": campaign.name},
        "raised_kopecks": raised,
        "raised_roubles": raised // 100,
        "actions": actions,
        "cap_kopecks": campaign.cap,
        "percent_of_cap": round(100 * raised / campaign.cap, 2) if campaign.cap else 0,
        "goal_reached": raised + min(campaign.rate_work_approved, campaign.rate_like, campaign.rate_repost)
        > campaign.cap,
        "children_helped": children_helped(campaign),
        "updated_at": timezone.now().isoformat(),
    }


def children_helped(campaign):
    """Children who received money from this campaign (foundations' transfers)."""
    return Transfer.objects.filter(campaign=campaign).values("beneficiary").distinct().count()


# --- reconciliation -----------------------------------------------------------------------------


@dataclass
class CampaignBalance:
    campaign_id: int
    name: str
    entries_amount: int
    slots_amount: int
    entries_actions: int
    slots_actions: int

    @property
    def balanced(self):
        return self.entries_amount == self.slots_amount and self.entries_actions == self.slots_actions


def reconcile():
    """Per campaign: the sum of entries against the sum of slots (amount and actions)."""
    entries = {
        row["campaign"]: row
        for row in LedgerEntry.objects.filter(campaign__isnull=False)
        .values("campaign")
        .annotate(
            amount=Sum("amount"),
            originals=Count("id", filter=Q(reverses__isnull=True)),
            reversals=Count("id", filter=Q(reverses__isnull=False)),
        )
    }
    slots = {
        row["campaign"]: row
        for row in CounterSlot.objects.values("campaign").annotate(amount=Sum("amount"), actions=Sum("actions"))
    }
    balances = []
    for campaign in Campaign.objects.order_by("pk"):
        entry, slot = entries.get(campaign.pk, {}), slots.get(campaign.pk, {})
        balances.append(
            CampaignBalance(
                campaign_id=campaign.pk,
                name=campaign.name,
                entries_amount=entry.get("amount") or 0,
                slots_amount=slot.get("amount") or 0,
                entries_actions=(entry.get("originals") or 0) - (entry.get("reversals") or 0),
                slots_actions=slot.get("actions") or 0,
            )
        )
    return balances


# --- moderation ---------------------------------------------------------------------------------


def void_account(actor, reason):
    """Cancel every standing entry of a fraudulent account with compensating entries, in one
    transaction. Returns the number of compensations written."""
    actor_fields, label = _actor(actor)
    if label is None:
        raise EngagementError("Укажите аккаунт, чьи действия нужно аннулировать.")
    if not reason.strip():
        raise EngagementError("Укажите причину аннулирования: она попадёт в журнал.")
    moment = timezone.now()
    with transaction.atomic():
        _lock(label)
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
                _credit(cursor, campaign_id, *credits[campaign_id])
    return written


# --- daily digests ------------------------------------------------------------------------------


def _entry_line(entry):
    created = entry.created_at.astimezone(UTC).isoformat(timespec="microseconds")
    fields = [
        entry.pk,
        entry.key,
        entry.kind,
        entry.actor_user_id,
        entry.actor_vk_id,
        entry.target_type_id,
        entry.target_id,
        entry.amount,
        entry.campaign_id,
        entry.reverses_id,
        created,
    ]
    return "|".join("" if value is None else str(value) for value in fields)


def day_digest(day, previous):
    """(digest, entries, amount) of one UTC day under rule 1 (days published before Merkle trees):
    SHA-256 over the previous digest, the day and each of the day's entries in id order."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    sha = hashlib.sha256(f"{previous}\n{day.isoformat()}\n".encode())
    count = amount = 0
    entries = LedgerEntry.objects.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1)).order_by("pk")
    for entry in entries.iterator(chunk_size=5000):
        sha.update(_entry_line(entry).encode() + b"\n")
        count += 1
        amount += entry.amount
    return sha.hexdigest(), count, amount


def publish_digests(now=None):
    """Publish the digest of every finished UTC day not yet published, chained to the previous
    one. Returns the new digests."""
    now = now or timezone.now()
    last_day = (now - DIGEST_GRACE).astimezone(UTC).date() - timedelta(days=1)
    published = []
    with transaction.atomic():
        _lock("engagement:digests")
        last = DailyDigest.objects.order_by("-day").first()
        if last is not None:
            day, previous = last.day + timedelta(days=1), last.digest
        else:
            first = LedgerEntry.objects.order_by("created_at").values_list("created_at", flat=True).first()
            if first is None:
                return []
            day, previous = first.astimezone(UTC).date(), GENESIS_DIGEST
        while day <= last_day:
            digest_row = publication.publish_day(day, previous)  # a Merkle root, signed (rule 2)
            _roll_up_day(day)
            published.append(digest_row)
            day, previous = day + timedelta(days=1), digest_row.digest
    return published


def _roll_up_day(day):
    """Store a just-digested day's totals per (campaign, Moscow month, kind): the day is closed, so
    they are final."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    totals = (
        LedgerEntry.objects.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))
        .filter(campaign__isnull=False)
        .annotate(month=TruncMonth("created_at", tzinfo=MOSCOW, output_field=DateField()))
        .values("campaign_id", "month", "kind")
        .annotate(amount=Sum("amount"), entries=Count("pk"), compensations=Count("reverses"))
        .order_by()
    )
    LedgerDayTotal.objects.bulk_create([LedgerDayTotal(day=day, **row) for row in totals])


def ledger_by_month(campaign):
    """The campaign's ledger per Moscow month, oldest first: [{month, amount, actions, reposts}],
    where `actions` and `reposts` are net (a compensation cancels the action it reverses).

    Exactly the sum of the entries, read cheaply: digested days from their stored totals, only the
    days after the last digest from the entries themselves (a day or so, found by the time index)."""
    last = DailyDigest.objects.order_by("-day").values_list("day", flat=True).first()
    repost = Q(kind=ActionKind.REPOST)
    entries = LedgerEntry.objects.filter(campaign=campaign)
    rolled_up = LedgerDayTotal.objects.none()
    if last is not None:
        # Totals only up to `last` as read above: a digest published meanwhile leaves its day in
        # the entries' part, so no day is counted twice.
        entries = entries.filter(created_at__gte=datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC))
        rolled_up = LedgerDayTotal.objects.filter(campaign=campaign, day__lte=last)
    # One pass without grouping by kind (a FILTER for reposts is cheaper when there are many entries).
    parts = [
        entries.annotate(month=TruncMonth("created_at", tzinfo=MOSCOW, output_field=DateField()))
        .values("month")
        .annotate(
            kopecks=Sum("amount"),
            originals=Count("pk") - Count("reverses"),
            reversals=Count("reverses"),
            repost_originals=Count("pk", filter=repost) - Count("reverses", filter=repost),
            repost_reversals=Count("reverses", filter=repost),
        )
        .order_by(),
        rolled_up.values("month")
        .annotate(
            kopecks=Sum("amount"),
            originals=Sum(F("entries") - F("compensations")),
            reversals=Sum("compensations"),
            repost_originals=Sum(F("entries") - F("compensations"), filter=repost, default=0),
            repost_reversals=Sum("compensations", filter=repost, default=0),
        )
        .order_by(),
    ]
    months = {}
    for part in parts:
        for row in part:
            month = months.setdefault(row["month"], {"month": row["month"], "amount": 0, "actions": 0, "reposts": 0})
            # A compensation cancels one counted action: net = originals - compensations.
            month["amount"] += row["kopecks"]
            month["actions"] += row["originals"] - row["reversals"]
            month["reposts"] += row["repost_originals"] - row["repost_reversals"]
    return [months[month] for month in sorted(months)]


def verify_digests():
    """Recompute the whole chain from the entries; return a list of problems (empty: history intact)."""
    problems = []
    previous = GENESIS_DIGEST
    expected_day = None
    digests = list(DailyDigest.objects.order_by("day"))
    if digests:
        earlier = LedgerEntry.objects.filter(
            created_at__lt=datetime.combine(digests[0].day, time.min, tzinfo=UTC)
        ).count()
        if earlier:
            message = ngettext(
                "%(count)s entry is older than the first published day %(day)s.",
                "%(count)s entries are older than the first published day %(day)s.",
                earlier,
            )
            problems.append(message % {"count": earlier, "day": digests[0].day})
    for published in digests:
        if expected_day is not None and published.day != expected_day:
            problems.append(f"Пропущен день {expected_day} перед {published.day}.")
        if published.previous != previous:
            problems.append(f"{published.day}: ссылка на предыдущий хеш не совпадает с цепочкой.")
        recompute = publication.day_digest if published.version == DailyDigest.Rule.MERKLE_SIGNED else day_digest
        digest, count, amount = recompute(published.day, previous)
        if digest != published.digest:
            problems.append(
                f"{published.day}: хеш не совпадает (опубликовано записей: {published.entries_count} на "
                f"{published.amount} коп., сейчас: {count} на {amount} коп.)."
            )
        previous, expected_day = published.digest, published.day + timedelta(days=1)
    return problems


# --- foundations and transparency ---------------------------------------------------------------


def transfer_problem(transfer, campaign=None):
    """Why this transfer may not be saved (a Russian message), or None. Checks the beneficiary's
    foundation and that the campaign's transfers stay within what it raised."""
    if (
        transfer.beneficiary_id
        and transfer.foundation_id
        and transfer.beneficiary.foundation_id != transfer.foundation_id
    ):
        return "Подопечный относится к другому фонду: выберите подопечного своего фонда."
    if not transfer.amount or transfer.amount <= 0:
        return "Сумма перевода должна быть больше нуля."
    if problem := publication.chained_transfer_problem(transfer):
        return problem
    campaign = campaign or transfer.campaign
    raised, _ = campaign_totals(campaign)
    others = (
        Transfer.objects.filter(campaign=campaign).exclude(pk=transfer.pk).aggregate(total=Sum("amount"))["total"] or 0
    )
    if others + transfer.amount > raised:
        return (
            f"Перевод больше, чем осталось в кампании «{campaign}»: собрано {raised / 100:.2f} ₽, "
            f"уже переведено {others / 100:.2f} ₽, доступно {max(raised - others, 0) / 100:.2f} ₽."
        )
    return None


def save_transfer(transfer):
    """Save a new or edited transfer unless transfer_problem() objects. The campaign row is locked
    meanwhile, so two coordinators cannot overdraw the campaign together."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=transfer.campaign_id)
        problem = transfer_problem(transfer, campaign)
        if problem:
            raise EngagementError(problem)
        publication.seal_transfer(transfer)  # the report's public SHA-256
        transfer.save()
    return transfer


def transparency():
    """Per campaign (season): raised, transferred, children helped and the public beneficiaries
    (consented and verified) with what they received. Only public fields leave this function."""
    campaigns = list(Campaign.objects.select_related("season").order_by("-starts_at"))
    raised = dict(CounterSlot.objects.values("campaign").annotate(total=Sum("amount")).values_list("campaign", "total"))
    transferred = {
        row["campaign"]: row
        for row in Transfer.objects.values("campaign").annotate(
            total=Sum("amount"), children=Count("beneficiary", distinct=True)
        )
    }
    received = {
        (row["campaign"], row["beneficiary"]): row["total"]
        for row in Transfer.objects.values("campaign", "beneficiary").annotate(total=Sum("amount"))
    }
    public = {
        beneficiary.pk: beneficiary
        for beneficiary in Beneficiary.objects.filter(
            consent_to_publish=True, verified_on__isnull=False
        ).select_related("region", "foundation")
    }
    seasons = []
    for campaign in campaigns:
        row = transferred.get(campaign.pk, {})
        seasons.append(
            {
                "campaign": campaign.name,
                "season": campaign.season.name if campaign.season else None,
                "starts_at": campaign.starts_at.isoformat(),
                "ends_at": campaign.ends_at.isoformat(),
                "raised_kopecks": raised.get(campaign.pk) or 0,
                "transferred_kopecks": row.get("total") or 0,
                "children_helped": row.get("children") or 0,
                "beneficiaries": [
                    {
                        "first_name": beneficiary.first_name,
                        "age": beneficiary.age,
                        "region": beneficiary.region.name,
                        "diagnosis": beneficiary.diagnosis,
                        "foundation": beneficiary.foundation.title,
                        "amount_needed_kopecks": beneficiary.amount_needed,
                        "received_kopecks": total,
                    }
                    for (campaign_id, beneficiary_id), total in sorted(received.items())
                    if campaign_id == campaign.pk and (beneficiary := public.get(beneficiary_id))
                ],
            }
        )
    return seasons


# --- VKontakte ----------------------------------------------------------------------------------


class VkPayloadError(EngagementError):
    pass


# VK ids go into bigint columns; VK's schema says "integer" and sets no bound.
VK_INT_BOUND = 2**63
VK_EVENT_ID_LENGTH = VkEvent._meta.get_field("event_id").max_length


def _vk_int(value, name):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise VkPayloadError(f"Поле {name} события ВКонтакте должно быть целым числом.")
    if not -VK_INT_BOUND <= number < VK_INT_BOUND:
        raise VkPayloadError(f"Поле {name} события ВКонтакте вне допустимого диапазона (64-битное целое).")
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
        raise VkPayloadError(f"В событии ВКонтакте {kind} поле object должно быть объектом.")
    try:
        if kind in ("like_add", "like_remove"):
            if obj.get("object_type") != "post" or _vk_int(obj["object_owner_id"], "object_owner_id") != -group_id:
                return None
            liker, post = _vk_int(obj["liker_id"], "liker_id"), _vk_int(obj["object_id"], "object_id")
            return ("like" if kind == "like_add" else "unlike", liker, group_id, post)
        reposter = _vk_int(obj.get("from_id") or obj.get("owner_id") or 0, "from_id")
        history = obj.get("copy_history") or []
        if not isinstance(history, list) or not all(isinstance(original, dict) for original in history):
            raise VkPayloadError("В событии ВКонтакте wall_repost поле copy_history должно быть списком записей.")
        for original in history:
            if _vk_int(original["owner_id"], "owner_id") == -group_id and reposter > 0:
                return ("repost", reposter, group_id, _vk_int(original["id"], "id"))
        return None
    except KeyError as error:
        raise VkPayloadError(f"В событии ВКонтакте {kind} нет поля {error.args[0]}.")


def _vk_event_id(event):
    """The event's id as stored for de-duplication ("" when VK sent none)."""
    event_id = event.get("event_id", "")
    if not isinstance(event_id, str | int) or isinstance(event_id, bool):
        raise VkPayloadError("Поле event_id события ВКонтакте должно быть строкой.")
    event_id = str(event_id)
    if len(event_id) > VK_EVENT_ID_LENGTH or "\x00" in event_id:
        raise VkPayloadError(
            f"Поле event_id события ВКонтакте длиннее {VK_EVENT_ID_LENGTH} символов или содержит символ NUL."
        )
    return event_id


def _insert_vk_events(cursor, rows):
    """Insert (group_id, event_id, type) rows; return the pairs that were new."""
    if connection.vendor == "postgresql":
        with _binary_cursor() as binary:
            binary.execute(
                "INSERT INTO engagement_vkevent (group_id, event_id, type, received_at)"
                " SELECT g, e, t, now() FROM unnest(%b::bigint[], %b::text[], %b::text[]) AS u(g, e, t)"
                " ON CONFLICT DO NOTHING RETURNING group_id, event_id",
                [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]],
            )
            return set(binary.fetchall())
    new = set()
    for group_id, event_id, kind in rows:
        cursor.execute(
            "INSERT INTO engagement_vkevent (group_id, event_id, type, received_at) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING RETURNING group_id, event_id",
            [group_id, event_id, kind, timezone.now()],
        )
        new.update(cursor.fetchall())
    return new


_ENTRY_COLUMNS = (
    "kind, actor_vk_id, target_type_id, target_id, amount, campaign_id, key, reverses_id, reason, created_at"
)
_ENTRY_TYPES = ["text", "bigint", "integer", "bigint", "bigint", "bigint", "text", "bigint", "text", "timestamptz"]
_ENTRY_RETURNING = " ON CONFLICT DO NOTHING RETURNING id, key, amount, campaign_id"
# Built from the constants above only.
_INSERT_ENTRIES_UNNEST = (
    f"INSERT INTO engagement_ledgerentry ({_ENTRY_COLUMNS}) SELECT * FROM unnest("  # noqa: S608
    + ", ".join(f"%s::{kind}[]" for kind in _ENTRY_TYPES)
    + ")"
    + _ENTRY_RETURNING
)
_INSERT_ENTRY_ROW = (
    f"INSERT INTO engagement_ledgerentry ({_ENTRY_COLUMNS}) VALUES ("  # noqa: S608
    + ", ".join(["%s"] * len(_ENTRY_TYPES))
    + ")"
    + _ENTRY_RETURNING
)


def _insert_entries(cursor, rows):
    """Insert entries (tuples in _ENTRY_COLUMNS order) skipping existing keys; return (id, key,
    amount, campaign_id) of the rows really inserted."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        with _binary_cursor() as binary:
            binary.execute(_binary(_INSERT_ENTRIES_UNNEST), [list(column) for column in zip(*rows, strict=True)])
            return binary.fetchall()
    inserted = []
    for row in rows:
        cursor.execute(_INSERT_ENTRY_ROW, row)
        inserted.extend(cursor.fetchall())
    return inserted


# Batch lookups take arrays (one parameter, however large the batch); PostgreSQL only, as is the
# batch path's unnest insert. SQLite gets the same lookups through JSON arrays.
_VK_LIKES = (
    "SELECT e.actor_vk_id, e.target_id, e.key, r.id FROM engagement_ledgerentry e"
    " LEFT JOIN engagement_ledgerentry r ON r.reverses_id = e.id"
    " WHERE e.actor_vk_id = ANY(%s) AND e.kind = 'like' AND e.target_type_id = %s AND e.reverses_id IS NULL"
)
_VK_COUNTED = (
    "SELECT actor_vk_id, count(*) FROM engagement_ledgerentry WHERE actor_vk_id = ANY(%s)"
    " AND created_at >= %s AND created_at < %s AND reverses_id IS NULL AND amount > 0 GROUP BY actor_vk_id"
)
_EXISTING_KEYS = "SELECT key FROM engagement_ledgerentry WHERE key = ANY(%s)"


@contextmanager
def _binary_cursor():
    """A psycopg cursor on Django's connection (same transaction) that binds parameters on the
    server; with %b placeholders large arrays go in binary, without per-element quoting. Its errors
    come out as Django's (OperationalError, DataError…), as any other query's would."""
    import psycopg

    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        yield cursor


def _binary(sql):
    return sql.replace("%s", "%b")


def _select_with_array(cursor, sql, array, *params):
    """Rows of `sql` whose first parameter is `= ANY(%s)` over `array` (SQLite: a JSON array)."""
    if connection.vendor == "postgresql":
        with _binary_cursor() as binary:
            binary.execute(_binary(sql), [list(array), *params])
            return binary.fetchall()
    cursor.execute(sql.replace("= ANY(%s)", "IN (SELECT value FROM json_each(%s))"), [json.dumps(list(array)), *params])
    return cursor.fetchall()


def _vk_posts(pairs):
    VkPost.objects.bulk_create([VkPost(group_id=g, post_id=p) for g, p in pairs], ignore_conflicts=True)
    query = Q()
    for group_id, post_id in pairs:
        query |= Q(group_id=group_id, post_id=post_id)
    return {(post.group_id, post.post_id): post.pk for post in VkPost.objects.filter(query)}


def ingest_vk_events(events):
    """Turn VKontakte callback events into ledger entries in one transaction; returns how many
    entries were written. Events already delivered (same group_id and event_id) are skipped, likes
    follow the same "worth a rouble while it stands" keys as set_like, a user's repost of a post
    counts once, and slots change only by what was really inserted. Batches of one group run one
    after another (an advisory lock per group)."""
    wanted, seen = [], set()
    for event in events:
        intent = vk_intent(event)
        if intent is None:
            continue
        pair = (intent[2], _vk_event_id(event))
        if not pair[1]:
            # Without an id a redelivery could not be told apart, so the event cannot count.
            logger.warning("VK event %s of group %s has no event_id: not counted", event["type"], pair[0])
            continue
        if pair in seen:
            continue
        seen.add(pair)
        wanted.append((pair, event["type"], intent))
    if not wanted:
        return 0
    moment = timezone.now()
    post_type = ContentType.objects.get_for_model(VkPost).pk
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(*{f"vk-group:{pair[0]}" for pair, _, _ in wanted})
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
                key = _like_key(post_type, post, f"vk:{vk_id}", state["generations"])
                originals.append([ActionKind.LIKE.value, vk_id, post, key])
                state["standing"] = key
            elif op == "unlike" and state["standing"] is not None:
                reversals.append(state["standing"])
                state["standing"] = None
        # Likes get fresh generation keys by construction; a repost key may exist from an earlier batch.
        reposts = [row[3] for row in originals if row[0] == ActionKind.REPOST]
        existing = _existing_keys(cursor, reposts) if reposts else set()
        originals = [row for row in originals if row[3] not in existing]

        slots, rates = [], []
        for kind, vk_id, _, _ in originals:
            rate = campaign.rate_for(kind) if campaign else 0
            if rate and counted.get(vk_id, 0) >= daily_cap:
                rate = 0
            if rate:
                counted[vk_id] = counted.get(vk_id, 0) + 1
            rates.append(rate)
        if campaign is not None and originals:
            slots = _locked_slots(cursor, campaign.pk)
            granted = _grant(slots, rates)
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
            _pour(cursor, slots, sum(row[2] for row in inserted), len(inserted))

        compensations = _vk_compensations(cursor, reversals, inserted, post_type, moment)
        written = _insert_entries(cursor, compensations)
        credits = {}
        for _, _, amount, campaign_id in written:
            if campaign_id:
                total, count = credits.get(campaign_id, (0, 0))
                credits[campaign_id] = (total + amount, count - 1)
        for campaign_id in sorted(credits):
            _credit(cursor, campaign_id, *credits[campaign_id])
    return len(inserted) + len(written)


def _vk_like_state(cursor, post_type, actors, posts):
    """{(vk_id, post): {"generations": n, "standing": key or None}} from the ledger."""
    state = {}
    wanted = set(posts)
    for vk_id, post, key, reversed_by in _select_with_array(cursor, _VK_LIKES, actors, post_type):
        if post not in wanted:
            continue
        entry = state.setdefault((vk_id, post), {"generations": 0, "standing": None})
        entry["generations"] += 1
        if reversed_by is None:
            entry["standing"] = key
    return state


def _vk_counted_today(cursor, actors, moment):
    start, end = _day_bounds(moment)
    return dict(_select_with_array(cursor, _VK_COUNTED, actors, start, end))


def _existing_keys(cursor, keys):
    return {row[0] for row in _select_with_array(cursor, _EXISTING_KEYS, keys)}


def _vk_compensations(cursor, keys, inserted, post_type, moment):
    """Compensation rows for the likes under `keys` (inserted in this batch or earlier)."""
    if not keys:
        return []
    fresh = {key: (entry_id, amount, campaign_id) for entry_id, key, amount, campaign_id in inserted}
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
                _reversal_key(key),
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
