"""Small factories for the engagement tests: campaigns, accounts and things to act on."""

import datetime
import itertools
from datetime import UTC, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import timezone

from cms.models import Region
from engagement.api import DonationCounterView
from engagement.models import Beneficiary
from tests import factories

_counter = itertools.count(1)


@pytest.fixture
def make_campaign(db):
    """`make_campaign(cap=1_000_000, **fields)`: a campaign running from 30 days ago to 30 days on."""
    return factories.make_campaign


@pytest.fixture
def campaign(make_campaign):
    return make_campaign()


@pytest.fixture
def make_user(db):
    """Unlike the shared `make_user`, takes only a name (Cyrillic ones too) and sets no e-mail."""

    def make(name=None):
        return get_user_model().objects.create_user(username=name or f"ученик{next(_counter)}", password="x")

    return make


@pytest.fixture
def make_work(db):
    """Any model instance can be a target; a group stands in for a contest work here."""

    def make():
        return Group.objects.create(name=f"Работа {next(_counter)}")

    return make


@pytest.fixture(autouse=True)
def fresh_rate_limits_and_counter():
    cache.clear()
    DonationCounterView._answers.clear()


@pytest.fixture
def make_foundation(db):
    def make(title="Фонд «Тёплые ладони»"):
        return factories.PageTree(publish=False).partner(title, kind="foundation", description="<p>Помогаем детям.</p>")

    return make


@pytest.fixture
def make_beneficiary(db):
    def make(foundation, first_name="Аня", consent=True, verified=True, **fields):
        return Beneficiary.objects.create(
            foundation=foundation,
            first_name=first_name,
            age=fields.pop("age", 7),
            region=fields.pop("region", None) or Region.objects.order_by("code").first(),
            diagnosis=fields.pop("diagnosis", "нужна операция на сердце"),
            amount_needed=fields.pop("amount_needed", 50_000_00),
            verified_on=datetime.date(2026, 10, 1) if verified else None,
            consent_to_publish=consent,
            **fields,
        )

    return make


@pytest.fixture
def published_ledger(campaign, make_user, make_work, make_foundation, make_beneficiary):
    """Four finished days of likes and a transfer: the first day published under the old rule (a
    plain SHA-256 chain, as production has it), the rest as signed Merkle roots."""
    from django.core.files.base import ContentFile

    from engagement import services
    from engagement.models import DailyDigest, Transfer
    from engagement.services import digests

    now = timezone.now()
    actors = [make_user(), make_user()]
    work = make_work()
    entries = []
    for days_ago, actor in [(4, actors[0]), (3, actors[0]), (3, actors[1]), (2, actors[1]), (2, actors[0])]:
        moment = now - timedelta(days=days_ago)
        entries.append(services.record_action("like", actor, work, f"ledger:{days_ago}:{actor.pk}", occurred_at=moment))
    foundation = make_foundation()
    transfer = Transfer(
        campaign=campaign,
        foundation=foundation,
        beneficiary=make_beneficiary(foundation),
        amount=200,
        transferred_on=(now - timedelta(days=2)).date(),
        payment_reference="ПП-17",
        report_document=ContentFile(b"invoice of the clinic", name="act.pdf"),
    )
    services.save_transfer(transfer)
    Transfer.objects.filter(pk=transfer.pk).update(created_at=now - timedelta(days=2))  # recorded that day
    first_day = entries[0].created_at.astimezone(UTC).date()
    digest, count, amount = digests.day_digest(first_day, services.GENESIS_DIGEST)
    DailyDigest(
        day=first_day, entries_count=count, amount=amount, previous=services.GENESIS_DIGEST, digest=digest
    ).save()
    digests._roll_up_day(first_day)
    services.publish_digests()
    for entry in entries:
        entry.refresh_from_db()
    return {"actors": actors, "work": work, "entries": entries, "transfer": transfer, "first_day": first_day}
