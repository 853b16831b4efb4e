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


def restore_migrated_data(initial_data):
    """Put the migrations' data back after a flush. A plain flush re-creates content types and
    permissions through post_migrate, so empty the tables first (keeping the sequences running).
    Content types go back before the rest is even read: reading natural keys looks content types
    up and would create missing ones anew, colliding with the copy."""
    import json

    from django.contrib.auth.models import Permission
    from django.core import serializers
    from django.core.management import call_command
    from django.db import connection as current
    from django.db import transaction

    from cms.models import HomePage

    current._test_serialized_contents = initial_data
    if HomePage.objects.exists() and Permission.objects.filter(codename="access_admin").exists():
        return
    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True, reset_sequences=False)
    rows = json.loads(initial_data)
    content_types = [row for row in rows if row["model"] == "contenttypes.contenttype"]
    rest = [row for row in rows if row["model"] != "contenttypes.contenttype"]
    with transaction.atomic(), current.constraint_checks_disabled():
        for part in (content_types, rest):
            objects = list(serializers.deserialize("python", part, handle_forward_references=True))
            for item in objects:
                item.save()
            for item in objects:
                if item.deferred_fields:
                    item.save_deferred_fields()
