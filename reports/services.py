"""Town population: the settlement list, lookups for registration, town size buckets."""

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When

from cms import selectors as cms_selectors
from cms.towns import TownSize, town_size_bucket  # noqa: F401 (the report's buckets are the stories')
from learning.models import Student
from reports.models import Settlement
from reports.settlements import name_key, read_settlements_file


def town_size_expression(field="town_population"):
    """The same buckets as an SQL CASE, for GROUP BY in the report; values are positions in ORDER."""
    position = {key: index for index, key in enumerate(TownSize.ORDER)}
    return Case(
        When(**{f"{field}__isnull": True}, then=Value(position[TownSize.UNKNOWN])),
        When(**{f"{field}__lt": 10_000}, then=Value(position[TownSize.UNDER_10K])),
        When(**{f"{field}__lt": 100_000}, then=Value(position[TownSize.FROM_10K])),
        When(**{f"{field}__lt": 1_000_000}, then=Value(position[TownSize.FROM_100K])),
        default=Value(position[TownSize.OVER_1M]),
        output_field=IntegerField(),
    )


def find_settlements(query, region=None, limit=10):
    """Settlements whose name starts with `query` (then contains it), biggest first."""
    key = name_key(query)
    if not key:
        return Settlement.objects.none()
    matches = Settlement.objects.filter(name_key__contains=key).select_related("region")
    if region is not None:
        matches = matches.filter(region=region)
    starts = Case(When(name_key__startswith=key, then=Value(0)), default=Value(1), output_field=IntegerField())
    return matches.annotate(starts=starts).order_by("starts", "-population", "name")[:limit]


def town_population_for(name, region=None):
    """Population of the settlement called `name` (ё = е, any case), or None when it is not in the list.

    With a region, only that region's settlements count. Without one, a name that several regions
    share (there are dozens of «Октябрьский») is ambiguous and gives None rather than a guess.
    """
    key = name_key(name)
    if not key:
        return None
    matches = Settlement.objects.filter(name_key=key)
    if region is not None:
        matches = matches.filter(region=region)
    populations = list(matches.order_by("-population").values_list("region_id", "population")[:20])
    if not populations:
        return None
    if region is None and len({region_id for region_id, _ in populations}) > 1:
        return None
    return populations[0][1]


@transaction.atomic
def load_settlements(rows=None):
    """Insert or refresh the settlement list from the shipped file (or given rows). Returns the count."""
    rows = read_settlements_file() if rows is None else rows
    regions = cms_selectors.region_ids_by_code()
    objects = [
        Settlement(
            geonames_id=row["geonames_id"],
            name=row["name"],
            name_key=name_key(row["name"]),
            region_id=regions.get(row["region_code"]),
            population=row["population"],
        )
        for row in rows
    ]
    Settlement.objects.bulk_create(
        objects,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["geonames_id"],
        update_fields=["name", "name_key", "region", "population"],
    )
    return len(objects)


@transaction.atomic
def fill_town_populations():
    """Set the population of students' towns found in the list where registration left it empty.

    One UPDATE per distinct (town, region) pair, not per student. Returns how many students got one.
    """
    missing = Student.objects.filter(town_population__isnull=True).exclude(town="")
    filled = 0
    for town, region_id in missing.values_list("town", "region_id").distinct():
        population = town_population_for(town, region_id)
        if population is not None:
            filled += missing.filter(town=town, region_id=region_id).update(town_population=population)
    return filled
