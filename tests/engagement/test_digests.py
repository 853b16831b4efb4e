"""The daily digest chain: published through the API, recomputed and verified by a command."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from engagement import services
from engagement.models import DailyDigest


@pytest.fixture
def history(campaign, make_user, make_work):
    work = make_work()
    for days_ago in (4, 4, 2):
        services.record_action(
            "like",
            make_user(),
            work,
            f"history:{days_ago}:{timezone.now().timestamp()}",
            occurred_at=timezone.now() - timedelta(days=days_ago),
        )
    return services.publish_digests()


def test_each_finished_day_gets_a_digest_chained_to_the_previous_one(history):
    assert [digest.entries_count for digest in history] == [2, 0, 1, 0]
    for previous, digest in zip(history, history[1:], strict=False):
        assert digest.previous == previous.digest and digest.day == previous.day + timedelta(days=1)
    assert history[0].previous == services.GENESIS_DIGEST
    assert services.publish_digests() == []  # nothing new until another day ends


def test_anyone_can_read_the_chain_from_the_api(client, history):
    body = client.get("/api/engagement/digests/").json()
    assert body["count"] == 4
    assert body["results"][0]["digest"] == history[-1].digest


def test_verification_passes_on_intact_history(history, capsys):
    call_command("verify_ledger_digests")
    assert "Дней в цепочке хешей журнала: 4. Цепочка сходится." in capsys.readouterr().out


def test_verification_detects_an_entry_slipped_into_a_published_day(history):
    day = history[1].day
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO engagement_ledgerentry (kind, target_type_id, target_id, amount, key, reason, created_at)"
            " SELECT 'like', target_type_id, target_id, 100, 'slipped-in', '', %s FROM engagement_ledgerentry LIMIT 1",
            [timezone.now().replace(year=day.year, month=day.month, day=day.day, hour=12)],
        )
    with pytest.raises(Exception, match="история изменена"):
        call_command("verify_ledger_digests")
    assert DailyDigest.objects.count() == 4
