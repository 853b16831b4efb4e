"""The counter: SLOT_COUNT slots per campaign, each with its share of the cap.

A writer adds to one random slot, so there is no hot row. Each slot also holds a share of the cap
(`budget`) and never passes it, and the budgets always add up to the cap: the cap holds under any
concurrency without a global lock. Only when the chosen slot is out of budget does a writer lock
all of the campaign's slots (in slot order, so writers cannot deadlock) and pour the amount into
those with room. Slot rows are `[id, number, amount, budget]` lists.
"""

import random

from django.db import connection, transaction

from config.errors import ServiceError
from engagement.models import SLOT_COUNT, CounterSlot
from engagement.services import sql


def locked_slots(cursor, campaign_id):
    """The campaign's slots, locked in slot order (SQLite: its one writer holds the database)."""
    postgres = connection.vendor == "postgresql"
    cursor.execute(sql.SELECT_SLOTS_FOR_UPDATE if postgres else sql.SELECT_SLOTS, [campaign_id])
    return [list(row) for row in cursor.fetchall()]


@transaction.atomic
def distribute_cap(campaign):
    """Create the campaign's slots if missing and share what is left of the cap among them.

    Runs whenever a campaign is saved (engagement.receivers: its cap may have changed). A cap below
    what was already raised leaves every slot's budget at its amount: nothing more is counted."""
    CounterSlot.objects.bulk_create(
        [CounterSlot(campaign=campaign, number=n) for n in range(SLOT_COUNT)], ignore_conflicts=True
    )
    with connection.cursor() as cursor:
        slots = locked_slots(cursor, campaign.pk)
        free = max(campaign.cap - sum(amount for _, _, amount, _ in slots), 0)
        share, rest = divmod(free, len(slots))
        for index, (slot_id, _, amount, _) in enumerate(slots):
            budget = amount + share + (1 if index < rest else 0)
            cursor.execute(sql.SET_SLOT_BUDGET, [budget, slot_id])


def claim(cursor, campaign_id, rate):
    """Add one action worth `rate` kopecks to the campaign's slots; return the amount granted
    (`rate`, or 0 once the cap is reached)."""
    number = random.randrange(SLOT_COUNT)
    if rate:
        cursor.execute(sql.CLAIM_SLOT, [rate, campaign_id, number, rate])
        if cursor.rowcount == 1:
            return rate
    else:
        cursor.execute(sql.COUNT_IN_SLOT, [campaign_id, number])
        return 0
    # The chosen slot is out of budget: lock them all and move budget to the one with most room.
    slots = locked_slots(cursor, campaign_id)
    return allocate_in_locked(cursor, slots, [rate])[0]


def allocate_in_locked(cursor, slots, rates):
    """With all of a campaign's slots locked, grant each rate in order while the cap allows, and
    write the slots back. Returns the granted amounts."""
    granted = grant(slots, rates)
    pour(cursor, slots, sum(granted), len(rates))
    return granted


def grant(slots, rates):
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


def pour(cursor, slots, total, actions):
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
        raise ServiceError(
            "Счётчик кампании не вмещает сумму: бюджет ячеек нарушен.", code="counter_budget_broken", status=500
        )
    first = next(iter(updates), slots[0][0])
    updates.setdefault(first, 0)
    for slot_id, take in updates.items():
        cursor.execute(sql.ADD_TO_SLOT, [take, actions if slot_id == first else 0, slot_id])


def credit(cursor, campaign_id, amount, actions):
    """Give back `amount` (≤ 0) and `actions` (≤ 0) to one random slot: compensations only lower a
    slot, so they never need the budget check."""
    cursor.execute(sql.CREDIT_SLOT, [amount, actions, campaign_id, random.randrange(SLOT_COUNT)])
