"""Offline: the season's events by region and by town size, and the partners."""

from cms import selectors as cms_selectors
from cms.towns import TownSize
from reports.figures.base import Column, Table

OFFLINE_KEYS = ("events", "hand_typed", "registered", "attendance", "volunteers", "hours", "unreported")


def _offline_group(rows):
    return {
        "events": len(rows),
        "hand_typed": sum(1 for r in rows if r["hand_typed"]),
        "registered": sum(r["registered"] or 0 for r in rows),
        "attendance": sum(r["came"] or 0 for r in rows),
        "volunteers": sum(r["volunteers"] or 0 for r in rows),
        "hours": round(sum(r["hours"] for r in rows)),
        "unreported": sum(1 for r in rows if not r["reported"]),
    }


def _offline_columns(first):
    return [
        first,
        Column("events", "Мероприятий"),
        Column("hand_typed", "Из них вне платформы (цифры введены вручную)"),
        Column("registered", "Записалось"),
        Column("attendance", "Пришло участников"),
        Column("volunteers", "Волонтёров"),
        Column("hours", "Часов волонтёров"),
        Column("unreported", "Без итогов посещаемости"),
    ]


OFFLINE_NOTE = (
    "Мероприятия сезона по дате начала; направление на них не влияет. Для мероприятий с регистрацией "
    "на платформе цифры взяты из записей: записавшиеся (места), пришедшие (отметки на входе, "
    "включая гостей без регистрации), волонтёры с подтверждёнными часами. Мероприятия вне платформы "
    "учтены по цифрам, введённым редактором, и посчитаны в отдельной колонке."
)


def events(flt):
    """Offline events of the season by region: how many, registered against came, volunteers and hours."""
    rows_by_region = {}
    for row in flt.offline_events:
        rows_by_region.setdefault(row["region"], []).append(row)
    rows = [{"region": region, **_offline_group(group)} for region, group in sorted(rows_by_region.items())]
    return Table(
        key="events",
        title="Мероприятия",
        columns=_offline_columns(Column("region", "Регион", "text")),
        rows=rows,
        total={"region": "Итого", **{key: sum(row[key] for row in rows) for key in OFFLINE_KEYS}},
        note=OFFLINE_NOTE,
    )


def events_by_town_size(flt):
    """The same figures by the size of the town the event took place in."""
    groups = {}
    for row in flt.offline_events:
        groups.setdefault(row["town_size"], []).append(row)
    rows = [
        {"town_size": TownSize.LABELS[size], **_offline_group(groups[size])}
        for size in TownSize.ORDER
        if size in groups
    ]
    return Table(
        key="events_by_town_size",
        title="Мероприятия по размеру населённого пункта",
        columns=_offline_columns(Column("town_size", "Население пункта", "text")),
        rows=rows,
        total={"town_size": "Итого", **{key: sum(row[key] for row in rows) for key in OFFLINE_KEYS}},
        note="Размер пункта — по справочнику населённых пунктов (GeoNames), по названию города и региону.",
    )


def partners(flt):
    """Published partners of each kind (every kind listed, none included)."""
    rows = [{"kind": label, "partners": count} for label, count in cms_selectors.partners_by_kind()]
    return Table(
        key="partners",
        title="Партнёры по видам",
        columns=[Column("kind", "Вид партнёра", "text"), Column("partners", "Партнёров")],
        rows=rows,
        total={"kind": "Итого", "partners": sum(row["partners"] for row in rows)},
    )
