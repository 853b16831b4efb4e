"""The season report's figures: one function per table, each built from a few aggregate queries.

Every function takes `ReportFilter` and returns a `Table`; the admin page, its charts and the
CSV/XLSX exports all read the same `Table`, so what is exported is what is on screen. Counting is
done by the database (COUNT/SUM ... GROUP BY); Python only lays the grouped rows out (at most one
per region, direction or month). The tables live by section (participation, contest, charity,
offline); what they share is in `base`.
"""

from reports.figures.base import Column, ReportFilter, Table, percent, roubles
from reports.figures.charity import charity, charity_by_month
from reports.figures.contest import contest_works, jury_progress
from reports.figures.offline import events, events_by_town_size, partners
from reports.figures.participation import participation, regions, town_sizes

__all__ = [
    "SECTIONS",
    "TABLES",
    "Column",
    "ReportFilter",
    "Table",
    "charity",
    "charity_by_month",
    "contest_works",
    "events",
    "events_by_town_size",
    "full_report",
    "jury_progress",
    "participation",
    "partners",
    "percent",
    "regions",
    "roubles",
    "town_sizes",
]

SECTIONS = [
    ("Участие", [participation]),
    ("Равный доступ", [regions, town_sizes]),
    ("Конкурс", [contest_works, jury_progress]),
    ("Благотворительность", [charity, charity_by_month]),
    ("Офлайн", [events, events_by_town_size, partners]),
]
TABLES = {function.__name__: function for _, functions in SECTIONS for function in functions}


def full_report(flt):
    """All sections: [(section title, [Table, ...]), ...]."""
    return [(title, [function(flt) for function in functions]) for title, functions in SECTIONS]
