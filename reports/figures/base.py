"""What every table of the season report is made of: the `Table` it returns, the `ReportFilter` it
reads, and the few grouped queries ("cubes") the tables share, read through the other apps'
selectors."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Count
from django.utils import timezone

from cms import selectors as cms_selectors
from cms.towns import town_size_bucket
from engagement import selectors as engagement_selectors
from events import selectors as events_selectors
from learning import selectors as learning_selectors
from reports import rollups
from reports.services import town_population_for, town_size_expression


@dataclass
class Column:
    key: str
    label: str
    kind: str = "int"  # int | text | money (roubles) | percent


@dataclass
class Table:
    key: str
    title: str
    columns: list
    rows: list
    total: dict | None = None
    note: str = ""
    highlights: list = field(default_factory=list)  # (label, value, kind) shown above the table

    @property
    def all_rows(self):
        """Rows with the total row last: what the exports write and the page shows."""
        return self.rows + ([self.total] if self.total else [])


@dataclass(eq=False)
class ReportFilter:
    """What the report is for. It also memoizes the few grouped queries ("cubes") the tables share,
    so the full report reads each big table once however many tables use it."""

    season: object  # cms.Season
    direction: object = None  # cms.DirectionPage or None

    @cached_property
    def campaign(self):
        return engagement_selectors.season_campaign(self.season)

    @cached_property
    def lesson_ids(self):
        return list(cms_selectors.season_lessons(self.season, self.direction).values_list("pk", flat=True))

    @cached_property
    def assignment_ids(self):
        return learning_selectors.season_assignment_ids(self.season, self.direction)

    @cached_property
    def offline_events(self):
        """Each offline event of the season with its figures (see offline_rows)."""
        return offline_rows(self)

    @cached_property
    def student_cube(self):
        """Active students counted by (region, town size position): those who watched a lesson,
        then those who only sent a work (see learning.selectors.active_student_groups)."""
        if rollups.maintained():
            return rollups.active_students(self.season, self.direction)
        cube = {}
        for students in learning_selectors.active_student_groups(season_progress(self), season_submissions(self)):
            rows = (
                students.annotate(bucket=town_size_expression())
                .values("region_id", "bucket")
                .annotate(students=Count("pk"))
                .order_by()
            )
            for row in rows:
                key = (row["region_id"], row["bucket"])
                cube[key] = cube.get(key, 0) + row["students"]
        return [{"region_id": region, "bucket": bucket, "students": n} for (region, bucket), n in cube.items()]

    @cached_property
    def work_cube(self):
        """The season's works counted by (region, town size, direction, age band): all of them, and
        how many are public, won, were rejected or wait for a moderator (FILTERed counts keep the
        cube a fifth of the size a status dimension made it)."""
        if rollups.maintained():
            return rollups.work_cube(self.assignment_ids)
        return list(
            season_submissions(self)
            .annotate(bucket=town_size_expression("student__town_population"))
            .values("student__region_id", "bucket", "assignment__direction_id", "age_band")
            .annotate(**learning_selectors.work_counts())
            .order_by()
        )

    @cached_property
    def work_totals(self):
        """The season's works (with how many are public, won, rejected, pending) added up as the
        tables read them: {"all": counts, "region": {region_id: counts}, "bucket": {town size
        position: counts}, "direction_band": {(direction_id, age band): counts}}. From the rollup
        in one GROUPING SETS query; elsewhere summed from the cube."""
        if rollups.maintained():
            return rollups.work_totals(self.assignment_ids)
        cube, measures = self.work_cube, rollups.WORK_MEASURES
        return {
            "all": rollup(cube, lambda row: None, *measures).get(None, dict.fromkeys(measures, 0)),
            "region": rollup(cube, lambda row: row["student__region_id"], *measures),
            "bucket": rollup(cube, lambda row: row["bucket"], *measures),
            "direction_band": rollup(cube, lambda row: (row["assignment__direction_id"], row["age_band"]), *measures),
        }

    @cached_property
    def ledger_months(self):
        """The campaign's ledger by Moscow month: amount, net counted actions and net reposts (see
        engagement.selectors.ledger_by_month). Serves the reposts figure and the monthly table."""
        return engagement_selectors.ledger_by_month(self.campaign) if self.campaign is not None else []


def rollup(rows, key, *measures):
    """Sum grouped rows again by `key` (a function of a row): {key: {measure: total}}."""
    totals = {}
    for row in rows:
        bucket = totals.setdefault(key(row), dict.fromkeys(measures, 0))
        for measure in measures:
            bucket[measure] += row[measure] or 0
    return totals


def roubles(kopecks):
    return (Decimal(kopecks or 0) / 100).quantize(Decimal("0.01"))


def percent(part, whole):
    return round(100 * part / whole, 1) if whole else None


def season_bounds(season):
    """The season's first and last moment, Moscow time (the project's TIME_ZONE)."""
    moscow = timezone.get_default_timezone()
    start = datetime.datetime.combine(season.starts_on, datetime.time.min, tzinfo=moscow)
    end = datetime.datetime.combine(season.ends_on, datetime.time.max, tzinfo=moscow)
    return start, end


# --- the querysets every table starts from --------------------------------------------------------


def season_progress(flt):
    return learning_selectors.progress_on_lessons(flt.lesson_ids)


def season_submissions(flt):
    return learning_selectors.works_of_assignments(flt.assignment_ids)


def directions(flt):
    if flt.direction is not None:
        return [(flt.direction.pk, flt.direction.title)]
    return cms_selectors.live_directions()


def offline_rows(flt):
    """Each event's offline figures from the events app (its records, or typed-in numbers for events
    run outside the platform), with the town's size bucket."""
    start, end = season_bounds(flt.season)
    rows = events_selectors.season_offline(start, end)
    populations = {}
    for row in rows:
        key = (row["town"], row["region_id"])
        if key not in populations:
            populations[key] = town_population_for(row["town"], row["region_id"])
        row["town_size"] = town_size_bucket(populations[key])
    return rows
