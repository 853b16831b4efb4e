"""What the ledger promises: each action counts once, corrections are new entries, the cap holds."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from config.errors import ServiceError
from engagement import services
from engagement.models import AppendOnlyError, LedgerEntry


def test_approved_work_adds_a_rouble_to_the_counter(campaign, make_user, make_work):
    student, work = make_user(), make_work()
    entry = services.record_action("work_approved", student, work, f"work_approved:{work.pk}")
    assert entry.amount == 100 and entry.campaign == campaign
    assert services.counter(campaign)["raised_kopecks"] == 100
    assert services.counter(campaign)["actions"] == 1
    assert services.raised_by(student) == 100


def test_repeated_delivery_of_the_same_key_counts_once(campaign, make_user, make_work):
    student, work = make_user(), make_work()
    first = services.record_action("work_approved", student, work, "approve:1")
    again = services.record_action("work_approved", student, work, "approve:1")
    assert again.pk == first.pk
    assert LedgerEntry.objects.count() == 1
    assert services.counter(campaign)["raised_kopecks"] == 100


def test_reversal_is_a_compensating_entry_written_once(campaign, make_user, make_work):
    student, work = make_user(), make_work()
    services.record_action("work_approved", student, work, "approve:2")
    compensation = services.reverse_action("approve:2", "работа снята с конкурса")
    assert services.reverse_action("approve:2", "повтор").pk == compensation.pk
    assert compensation.amount == -100 and compensation.reverses.key == "approve:2"
    assert services.counter(campaign)["raised_kopecks"] == 0
    assert services.counter(campaign)["actions"] == 0
    assert LedgerEntry.objects.count() == 2


def test_reversing_an_unknown_action_says_what_is_wrong(campaign):
    with pytest.raises(ServiceError, match="нет действия") as refusal:
        services.reverse_action("never-recorded", "ошибка")
    assert refusal.value.code == "action_not_found"


def test_unknown_kind_is_refused_with_a_clear_message(campaign, make_user, make_work):
    with pytest.raises(ServiceError, match="Неизвестный вид действия") as refusal:
        services.record_action("comment", make_user(), make_work(), "comment:1")
    assert refusal.value.code == "unknown_action_kind"


def test_past_the_cap_actions_are_recorded_with_amount_zero(make_campaign, make_user, make_work):
    campaign = make_campaign(cap=250)
    work = make_work()
    amounts = [services.record_action("like", make_user(), work, f"like:{i}").amount for i in range(4)]
    assert amounts == [100, 100, 0, 0]
    figures = services.counter(campaign)
    assert figures["raised_kopecks"] == 200 and figures["actions"] == 4
    assert figures["goal_reached"] is True
    assert LedgerEntry.objects.count() == 4


def test_raising_the_cap_lets_counting_continue(make_campaign, make_user, make_work):
    campaign = make_campaign(cap=100)
    work = make_work()
    services.record_action("like", make_user(), work, "cap:1")
    assert services.record_action("like", make_user(), work, "cap:2").amount == 0
    campaign.cap = 300
    campaign.save()
    assert services.record_action("like", make_user(), work, "cap:3").amount == 100
    assert services.counter(campaign)["raised_kopecks"] == 200


def test_an_account_counts_only_up_to_the_daily_cap(campaign, make_user, make_work, settings):
    settings.ENGAGEMENT_DAILY_ACTION_CAP = 2
    student = make_user()
    amounts = [services.record_action("like", student, make_work(), f"daily:{i}").amount for i in range(3)]
    assert amounts == [100, 100, 0]
    assert services.record_action("like", make_user(), make_work(), "daily:other").amount == 100


def test_without_a_running_campaign_actions_are_recorded_without_money(db, make_user, make_work):
    entry = services.record_action("work_approved", make_user(), make_work(), "no-campaign:1")
    assert entry.amount == 0 and entry.campaign is None
    assert services.counter()["raised_kopecks"] == 0


def test_campaign_rates_are_per_kind(make_campaign, make_user, make_work):
    campaign = make_campaign(rate_work_approved=500, rate_repost=300)
    work = make_work()
    assert services.record_action("work_approved", make_user(), work, "rate:w").amount == 500
    assert services.record_action("repost", make_user(), work, "rate:r").amount == 300
    assert services.record_action("like", make_user(), work, "rate:l").amount == 100
    assert services.counter(campaign)["raised_kopecks"] == 900


def test_entries_refuse_to_be_changed_or_deleted(campaign, make_user, make_work):
    entry = services.record_action("like", make_user(), make_work(), "immutable:1")
    entry.amount = 100_000
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=0)
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 100


def test_a_day_closed_by_a_digest_accepts_no_backdated_entries(campaign, make_user, make_work):
    work = make_work()
    services.record_action("like", make_user(), work, "old:1", occurred_at=timezone.now() - timedelta(days=3))
    services.publish_digests()
    with pytest.raises(ServiceError, match="уже закрыт") as refusal:
        services.record_action("like", make_user(), work, "old:2", occurred_at=timezone.now() - timedelta(days=3))
    assert refusal.value.code == "day_closed"


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_ledger_key_has_only_its_unique_index():
    """Every writer pays for each index of the key; a prefix (LIKE) index would serve no query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'engagement_ledgerentry' AND indexdef LIKE %s",
            ["%(key%"],
        )
        definitions = [row[0] for row in cursor.fetchall()]
    assert len(definitions) == 1 and "UNIQUE" in definitions[0], definitions
    with pytest.raises(IntegrityError, match="engagement_ledgerentry_key"):
        LedgerEntry.objects.create(
            kind="like", actor_vk_id=1, target_type_id=1, target_id=1, amount=0, key="dup", created_at=timezone.now()
        )
        LedgerEntry.objects.create(
            kind="like", actor_vk_id=2, target_type_id=1, target_id=1, amount=0, key="dup", created_at=timezone.now()
        )
