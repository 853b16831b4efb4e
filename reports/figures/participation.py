"""Participation, and equal access: who took part, from which regions and from how big a town."""

from django.db.models import Count, Q

from cms import selectors as cms_selectors
from learning import selectors as learning_selectors
from reports import rollups
from reports.figures.base import Column, Table, percent, rollup, season_bounds, season_progress
from reports.services import TownSize


def participation(flt):
    start, end = season_bounds(flt.season)
    active = sum(row["students"] for row in flt.student_cube)
    if rollups.maintained():
        registered = rollups.registered_on_days(flt.season.starts_on, flt.season.ends_on)
        views = rollups.lesson_views(flt.lesson_ids)
        likes = rollups.likes_on_assignments(flt.assignment_ids)
    else:
        registered = learning_selectors.students_registered_between(start, end)
        views = season_progress(flt).aggregate(
            views=Count("pk"), completions=Count("pk", filter=Q(completed_at__isnull=False))
        )
        likes = learning_selectors.likes_on_assignments(flt.assignment_ids)
    works = flt.work_totals["all"]
    approval = percent(works["public"], works["public"] + works["rejected"])
    rows = [
        {"figure": "Зарегистрировались за сезон", "value": registered},
        {"figure": "Активные ученики (смотрели уроки или прислали работу)", "value": active},
        {"figure": "Просмотры уроков (начатые уроки)", "value": views["views"]},
        {"figure": "Уроки, пройденные до конца", "value": views["completions"]},
        {"figure": "Прислано работ", "value": works["works"]},
        {"figure": "Ждут модерации", "value": works["pending"]},
        {"figure": "Опубликовано работ", "value": works["public"]},
        {"figure": "Отклонено работ", "value": works["rejected"]},
        {"figure": "Доля одобренных среди проверенных, %", "value": approval, "kind": "percent"},
        {"figure": "Лайки работ (сейчас стоят)", "value": likes},
    ]  # fmt: skip
    note = "«Зарегистрировались» считаются по датам сезона без учёта направления."
    if flt.direction is None and flt.campaign is not None:
        reposts = sum(row["reposts"] for row in flt.ledger_months)
        rows.append({"figure": "Репосты ВКонтакте (засчитанные)", "value": reposts})
    else:
        note += " Репосты не привязаны к направлению и показываются только по всему сезону с кампанией."
    return Table(
        key="participation",
        title="Участие",
        columns=[Column("figure", "Показатель", "text"), Column("value", "Значение")],
        rows=rows,
        note=note,
    )


# --- equal access ---------------------------------------------------------------------------------


def regions(flt):
    """Every federal subject, those with nobody yet included (they are the point of this table)."""
    students = rollup(flt.student_cube, lambda row: row["region_id"], "students")
    works = flt.work_totals["region"]
    rows = []
    for region_id, code, name in cms_selectors.regions_by_name():
        region_works = works.get(region_id, {})
        rows.append(
            {
                "code": code,
                "region": name,
                "students": students.get(region_id, {}).get("students", 0),
                "works": region_works.get("works", 0),
                "winners": region_works.get("winners", 0),
            }
        )
    unknown = {"works": works.get(None, {}).get("works", 0), "winners": works.get(None, {}).get("winners", 0)}
    nowhere = students.get(None, {}).get("students", 0)
    if nowhere or unknown["works"]:
        rows.append({"code": "", "region": "Регион не указан", "students": nowhere, **unknown})
    reached = sum(1 for row in rows if row["code"] and row["students"])
    total = {
        "code": "",
        "region": "Итого",
        "students": sum(row["students"] for row in rows),
        "works": sum(row["works"] for row in rows),
        "winners": sum(row["winners"] for row in rows),
    }
    subjects = sum(1 for row in rows if row["code"])
    return Table(
        key="regions",
        title="Регионы",
        columns=[
            Column("code", "Код", "text"),
            Column("region", "Регион", "text"),
            Column("students", "Активные ученики"),
            Column("works", "Работы"),
            Column("winners", "Победители"),
        ],
        rows=rows,
        total=total,
        highlights=[("Регионов с участниками", f"{reached} из {subjects}", "text")],
    )


def town_sizes(flt):
    """Students, works and winners by the size of the student's town; and the small-town winners' share."""
    students = rollup(flt.student_cube, lambda row: row["bucket"], "students")
    works = flt.work_totals["bucket"]
    rows = []
    for position, bucket in enumerate(TownSize.ORDER):
        rows.append(
            {
                "size": TownSize.LABELS[bucket],
                "students": students.get(position, {}).get("students", 0),
                "works": works.get(position, {}).get("works", 0),
                "winners": works.get(position, {}).get("winners", 0),
            }
        )
    small = rows[0]["winners"] + rows[1]["winners"]
    known = sum(row["winners"] for row in rows[:4])
    share = percent(small, known)
    total = {"size": "Итого", **{key: sum(row[key] for row in rows) for key in ("students", "works", "winners")}}
    return Table(
        key="town_sizes",
        title="Размер населённого пункта",
        columns=[
            Column("size", "Население пункта", "text"),
            Column("students", "Активные ученики"),
            Column("works", "Работы"),
            Column("winners", "Победители"),
        ],
        rows=rows,
        total=total,
        note="Доля считается среди победителей, чей населённый пункт известен.",
        highlights=[("Победители из пунктов меньше 100 тыс. жителей, %", share, "percent")],
    )
