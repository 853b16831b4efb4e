"""record_action outside a transaction on PostgreSQL: one autocommitted statement (migration 0013)
that keeps every rule of the general path: a key counts once, the daily cap and the campaign cap
hold, and what the fast path cannot do it leaves, unchanged, to the general path."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from engagement import services
from engagement.models import LedgerEntry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_action_costs_one_statement(campaign, make_user, make_work, django_assert_max_num_queries):
    student, work = make_user(), make_work()
    ContentType.objects.get_for_model(work)  # cached from here on, as in a running process

    with django_assert_max_num_queries(1):  # the general path takes two, and BEGIN and COMMIT
        entry = services.record_action("like", student, work, "fast:1")

    assert entry.pk and entry.amount == 100 and entry.campaign_id == campaign.pk
    assert LedgerEntry.objects.get(key="fast:1").amount == 100
    assert services.counter(campaign)["raised_kopecks"] == 100
    assert services.counter(campaign)["actions"] == 1


def test_a_repeated_key_returns_the_first_entry_and_changes_nothing(campaign, make_user, make_work):
    student, work = make_user(), make_work()
    first = services.record_action("like", student, work, "fast:again")

    again = services.record_action("like", student, work, "fast:again")

    assert again.pk == first.pk
    assert LedgerEntry.objects.count() == 1
    figures = services.counter(campaign)
    assert figures["raised_kopecks"] == 100 and figures["actions"] == 1


def test_the_daily_cap_holds_on_the_fast_path(campaign, make_user, make_work, settings):
    settings.ENGAGEMENT_DAILY_ACTION_CAP = 2
    student, work = make_user(), make_work()

    amounts = [services.record_action("like", student, work, f"fast:cap:{i}").amount for i in range(4)]

    assert amounts == [100, 100, 0, 0]
    assert services.counter(campaign)["actions"] == 4


def test_the_campaign_cap_falls_back_to_the_general_path(make_campaign, make_user, make_work):
    campaign = make_campaign(cap=250)
    work = make_work()

    amounts = [services.record_action("like", make_user(), work, f"fast:budget:{i}").amount for i in range(4)]

    assert amounts == [100, 100, 0, 0]
    figures = services.counter(campaign)
    assert figures["raised_kopecks"] == 200 and figures["actions"] == 4
    assert all(balance.balanced for balance in services.reconcile())


def test_without_a_running_campaign_the_action_is_still_recorded(make_user, make_work):
    entry = services.record_action("like", make_user(), make_work(), "fast:nocampaign")

    assert entry.amount == 0 and entry.campaign_id is None


def test_inside_a_transaction_the_general_path_runs(campaign, make_user, make_work):
    student, work = make_user(), make_work()
    ContentType.objects.get_for_model(work)
    with transaction.atomic():
        entry = services.record_action("like", student, work, "fast:atomic")
    assert entry.amount == 100
    assert services.counter(campaign)["raised_kopecks"] == 100
