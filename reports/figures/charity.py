"""Charity: raised against the sponsor's cap, transferred through foundations, children helped."""

from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from reports.figures.base import Column, Table, percent, roubles

MONTHS = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
]


def charity(flt):
    """Raised against the sponsor's cap, transferred through foundations, children helped."""
    from engagement.models import CounterSlot, Transfer

    campaign = flt.campaign
    columns = [Column("figure", "Показатель", "text"), Column("value", "Значение", "money")]
    if campaign is None:
        return Table("charity", "Благотворительность", columns, [], note="У сезона нет кампании: собирать не на что.")
    raised = CounterSlot.objects.filter(campaign=campaign).aggregate(amount=Sum("amount"), actions=Sum("actions"))
    transfers = Transfer.objects.filter(campaign=campaign).aggregate(
        amount=Sum("amount"), children=Count("beneficiary", distinct=True)
    )
    balance = (raised["amount"] or 0) - (transfers["amount"] or 0)
    rows = [
        {"figure": "Бюджет спонсора (предел), ₽", "value": roubles(campaign.cap), "kind": "money"},
        {"figure": "Собрано, ₽", "value": roubles(raised["amount"]), "kind": "money"},
        {"figure": "Собрано от предела, %", "value": percent(raised["amount"] or 0, campaign.cap), "kind": "percent"},
        {"figure": "Засчитано действий", "value": raised["actions"] or 0, "kind": "int"},
        {"figure": "Передано фондам, ₽", "value": roubles(transfers["amount"]), "kind": "money"},
        {"figure": "Ещё не передано, ₽", "value": roubles(balance), "kind": "money"},
        {"figure": "Детей получили помощь", "value": transfers["children"], "kind": "int"},
    ]  # fmt: skip
    note = f"Кампания «{campaign}»."
    if flt.direction is not None:
        note += " Деньги считаются по всей кампании: направление на них не влияет."
    return Table("charity", "Благотворительность", columns, rows, note=note)


def charity_by_month(flt):
    """Per month (Moscow time): raised and counted actions from the ledger, transfers and children."""
    from engagement.models import Transfer

    columns = [
        Column("month", "Месяц", "text"),
        Column("actions", "Действий"),
        Column("raised", "Собрано, ₽", "money"),
        Column("transferred", "Передано, ₽", "money"),
        Column("children", "Детей получили помощь"),
    ]
    campaign = flt.campaign
    if campaign is None:
        return Table("charity_by_month", "Благотворительность по месяцам", columns, [], note="У сезона нет кампании.")
    ledger = {row["month"]: row for row in flt.ledger_months}
    transfers = {
        row["month"]: row
        for row in Transfer.objects.filter(campaign=campaign)
        .annotate(month=TruncMonth("transferred_on"))
        .values("month")
        .annotate(amount=Sum("amount"), children=Count("beneficiary", distinct=True))
    }
    rows = []
    for month in sorted(set(ledger) | set(transfers)):
        rows.append(
            {
                "month": f"{MONTHS[month.month - 1]} {month.year}",
                "actions": ledger.get(month, {}).get("actions", 0),
                "raised": roubles(ledger.get(month, {}).get("amount", 0)),
                "transferred": roubles(transfers.get(month, {}).get("amount", 0)),
                "children": transfers.get(month, {}).get("children", 0),
            }
        )
    total = {
        "month": "Итого",
        "actions": sum(row["actions"] for row in rows),
        "raised": sum((row["raised"] for row in rows), Decimal("0.00")),
        "transferred": sum((row["transferred"] for row in rows), Decimal("0.00")),
        "children": Transfer.objects.filter(campaign=campaign).values("beneficiary").distinct().count(),
    }
    return Table(
        "charity_by_month",
        "Благотворительность по месяцам",
        columns,
        rows,
        total=total,
        note="Ребёнок, получивший помощь в нескольких месяцах, в итоге считается один раз.",
    )
