"""Plain builders shared by the test folders' fixtures and the bench scripts. They import the
project's models lazily, so a bench script may import this module before `django.setup()`."""

import datetime
import itertools

_numbers = itertools.count(1)


def add_child(parent, page, publish=True):
    """Put `page` under `parent`; published through a revision unless `publish` is False (then the
    page is live without a revision, which is all the report and the bench read)."""
    parent.add_child(instance=page)
    if publish:
        page.save_revision().publish()
    return page


def make_season(name="Сезон 2026/27", days_before=60, days_after=200):
    """A season running today: it started `days_before` days ago and ends `days_after` days on."""
    from django.utils import timezone

    from cms.models import Season

    today = timezone.localdate()
    return Season.objects.create(
        name=name,
        starts_on=today - datetime.timedelta(days=days_before),
        ends_on=today + datetime.timedelta(days=days_after),
    )


def make_user(username=None, group=None, *, password, **extra):
    """An account with an example.org address, optionally in one of the migrations' groups; without
    a username it gets a numbered one."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    username = username or f"user{next(_numbers)}"
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password=password, **extra
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user
