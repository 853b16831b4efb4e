"""The contest around the pages: campaigns of the ledger and assignments with their rubric."""

import datetime
import itertools

from django.utils import timezone

from engagement import services as engagement
from engagement.models import Campaign
from learning.models import Assignment, RubricCriterion

_numbers = itertools.count(1)


def make_campaign(cap=1_000_000, *, days_before=30, days_after=30, **fields):
    """A running campaign with its counter slots sharing the cap (as the admin's save leaves it)."""
    now = timezone.now()
    fields.setdefault("starts_at", now - datetime.timedelta(days=days_before))
    fields.setdefault("ends_at", now + datetime.timedelta(days=days_after))
    fields.setdefault("name", f"Сезон {next(_numbers)}")
    campaign = Campaign.objects.create(cap=cap, **fields)
    engagement.distribute_cap(campaign)
    return campaign


def make_assignment(
    direction,
    *,
    season,
    masterclass=None,
    title="Спой любимую песню",
    days_open=7,
    days_left=30,
    criteria=(),
    **fields,
):
    """An assignment open now (opened `days_open` days ago, closing in `days_left`), with the rubric
    `criteria` given as (name, max_points) pairs."""
    now = timezone.now()
    fields.setdefault("task", "Покажите, чему научились.")
    fields.setdefault("age_bands", ["6-9", "10-13", "14-18"])
    fields.setdefault("winner_opportunity", "Выступление на сцене фестиваля")
    fields.setdefault("opens_at", now - datetime.timedelta(days=days_open))
    fields.setdefault("closes_at", now + datetime.timedelta(days=days_left))
    assignment = Assignment.objects.create(
        title=title, direction=direction, season=season, masterclass=masterclass, **fields
    )
    for order, (name, points) in enumerate(criteria):
        RubricCriterion.objects.create(assignment=assignment, name=name, max_points=points, sort_order=order)
    return assignment
