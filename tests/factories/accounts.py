"""Accounts and students: users in the migrations' groups, students registered through learning's
real services (guardian consent confirmed for under-14s)."""

import datetime
import itertools
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from cms.models import Region
from learning import services as learning

PASSWORD = "Лето-2026-пароль"  # noqa: S105 - the one password of the tests' accounts

_numbers = itertools.count(1)


def make_user(username=None, group=None, *, password=PASSWORD, email=None, **extra):
    """An account with an example.org address (unless `email`), optionally in one of the migrations'
    groups; without a username it gets a numbered one, numbered by process too: a shared snapshot
    (tests/factories/database.py) brings accounts another worker numbered into this one's database."""
    username = username or f"user{next(_numbers)}-{os.getpid()}"
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org" if email is None else email, password=password, **extra
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def grant(user, *codenames, app_label="media_pipeline"):
    """Give `user` the named model permissions of one app."""
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
    return user


def birth_date_for(age, on=None):
    """A birth date that makes someone `age` years old on the day `on` (today by default)."""
    day = on or timezone.localdate()
    return (
        datetime.date(day.year - age, 1, 1)
        if (day.month, day.day) > (1, 1)
        else datetime.date(day.year - age - 1, 1, 1)
    )


def make_student(
    email=None,
    first_name="Аня",
    surname="Колесникова",
    age=12,
    *,
    region="52",
    town="Выкса",
    password=PASSWORD,
    consent=True,
    guardian_ip=None,
    **fields,
):
    """A student through learning's real registration; under 14 the guardian confirms (unless
    `consent` is False) and gets an account. `fields` go to `register_student` (ip, notify_guardian,
    town_population…)."""
    email = email or f"child{next(_numbers)}@example.org"
    fields.setdefault("town_population", 52000)
    student = learning.register_student(
        email=email,
        password=password,
        first_name=first_name,
        surname=surname,
        birth_date=birth_date_for(age),
        region=region if isinstance(region, Region) else Region.objects.get(code=region),
        town=town,
        guardian_email=f"parent.{email}" if age < 14 else "",
        consent=age >= 14,
        **fields,
    )
    if age < 14 and consent:
        learning.confirm_guardian_consent(learning.guardian_token(student), ip=guardian_ip, password=password)
    student.refresh_from_db()
    student.user.refresh_from_db()
    return student


def make_video_mentor(username="mentor"):
    """A mentor who may upload and change videos (media_pipeline's model permissions, no group)."""
    user = make_user(username, password="pw", email="", first_name="Анна")  # noqa: S106
    return grant(user, "add_videoasset", "change_videoasset", "view_videoasset")
