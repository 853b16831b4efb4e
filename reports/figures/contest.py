"""The contest: works by direction and age band, and how far the jury has got."""

from cms.age_bands import AgeBand
from learning import selectors as learning_selectors
from reports import rollups
from reports.figures.base import Column, Table, directions, percent, season_submissions


def contest_works(flt):
    """Works per direction and age band, with how many were published and won."""
    counts = flt.work_totals["direction_band"]
    rows = []
    for direction_id, title in directions(flt):
        row = {"direction": title}
        for band, _ in AgeBand.choices:
            row[band] = counts.get((direction_id, band), {}).get("works", 0)
        cells = [counts.get((direction_id, band), {}) for band, _ in AgeBand.choices]
        row["works"] = sum(cell.get("works", 0) for cell in cells)
        row["public"] = sum(cell.get("public", 0) for cell in cells)
        row["winners"] = sum(cell.get("winners", 0) for cell in cells)
        rows.append(row)
    keys = [band for band, _ in AgeBand.choices] + ["works", "public", "winners"]
    return Table(
        key="contest_works",
        title="Работы по направлениям и возрастам",
        columns=[Column("direction", "Направление", "text")]
        + [Column(band, label) for band, label in AgeBand.choices]
        + [Column("works", "Всего работ"), Column("public", "Опубликовано"), Column("winners", "Победители")],
        rows=rows,
        total={"direction": "Итого", **{key: sum(row[key] for row in rows) for key in keys}},
    )


def jury_progress(flt):
    """Per direction: works in the jury's hands, scores given against scores due, fully judged works."""
    if rollups.maintained():
        works, given = rollups.jury_figures(flt.assignment_ids)
    else:
        works, given = learning_selectors.jury_figures_by_direction(season_submissions(flt))
    rows = []
    for direction_id, title in directions(flt):
        row = works.get(direction_id, {})
        due = row.get("due") or 0
        rows.append(
            {
                "direction": title,
                "works": row.get("works", 0),
                "scores": given.get(direction_id, 0),
                "due": due,
                "progress": percent(min(given.get(direction_id, 0), due), due),
                "scored": row.get("scored", 0),
                "winners": row.get("winners", 0),
                "finalists": row.get("finalists", 0),
            }
        )
    sums = {key: sum(row[key] for row in rows) for key in ("works", "scores", "due", "scored", "winners", "finalists")}
    return Table(
        key="jury_progress",
        title="Работа жюри и победители",
        columns=[
            Column("direction", "Направление", "text"),
            Column("works", "Работ у жюри"),
            Column("scores", "Оценок выставлено"),
            Column("due", "Оценок нужно"),
            Column("progress", "Готовность, %", "percent"),
            Column("scored", "Работ оценено полностью"),
            Column("winners", "Победители"),
            Column("finalists", "Финалисты"),
        ],
        rows=rows,
        total={"direction": "Итого", **sums, "progress": percent(min(sums["scores"], sums["due"]), sums["due"])},
    )
