"""Charity: raised against the sponsor's cap, transferred through foundations, children helped."""

from decimal import Decimal

from config.text import quoted
from engagement import selectors as engagement
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
    campaign = flt.campaign
    columns = [Column("figure", "Показатель", "text"), Column("value", "Значение", "money")]
    if campaign is None:
        return Table("charity", "Благотворительность", columns, [], note="У сезона нет кампании: собирать не на что.")
    raised, actions = engagement.campaign_totals(campaign)
    transferred, children = engagement.transfer_totals(campaign)
    balance = raised - transferred
    rows = [
        {"figure": "Бюджет спонсора (предел), ₽", "value": roubles(campaign.cap), "kind": "money"},
        {"figure": "Собрано, ₽", "value": roubles(raised), "kind": "money"},
        {"figure": "Собрано от предела, %", "value": percent(raised, campaign.cap), "kind": "percent"},
        {"figure": "Засчитано действий", "value": actions, "kind": "int"},
        {"figure": "Передано фондам, ₽", "value": roubles(transferred), "kind": "money"},
        {"figure": "Ещё не передано, ₽", "value": roubles(balance), "kind": "money"},
        {"figure": "Детей получили помощь", "value": children, "kind": "int"},
    ]  # fmt: skip
    note = f"Кампания {quoted(campaign)}."
    if flt.direction is not None:
        note += " Деньги считаются по всей кампании: направление на них не влияет."
    return Table("charity", "Благотворительность", columns, rows, note=note)


def charity_by_month(flt):
    """Per month (Moscow time): raised and counted actions from the ledger, transfers and children."""
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
    transfers = engagement.transfers_by_month(campaign)
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
        "children": engagement.children_helped(campaign),
    }
    return Table(
        "charity_by_month",
        "Благотворительность по месяцам",
        columns,
        rows,
        total=total,
        note="Ребёнок, получивший помощь в нескольких месяцах, в итоге считается один раз.",
    )
