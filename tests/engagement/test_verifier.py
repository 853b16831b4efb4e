"""verify_ledger.py, run as a person would run it, against the live test server."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from engagement import services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VERIFIER = Path(__file__).resolve().parents[2] / "verify_ledger.py"


def run_verifier(*args):
    return subprocess.run(
        [sys.executable, str(VERIFIER), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_verifier_finds_the_live_ledger_intact(live_server, published_ledger, make_work):
    # Today's like (not yet published) goes through record_action's one-statement SQL path.
    today = services.record_action("like", published_ledger["actors"][0], make_work(), "today:1")
    today.refresh_from_db()
    result = run_verifier(live_server.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "дней в цепочке: 4 (с деревом Меркла и подписью: 3, по прежнему правилу: 1)" in result.stdout
    assert "переводов в цепочке: 1" in result.stdout and "Всё сходится." in result.stdout
    assert "= счётчик = страница прозрачности (600 коп.)" in result.stdout

    receipt = published_ledger["entries"][3].receipt
    checked = run_verifier(live_server.url, "--receipt", f"{receipt[:4]}-{receipt[4:]}".lower())
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "подписан ключом платформы" in checked.stdout
    pending = run_verifier(live_server.url, "--receipt", today.receipt)
    assert pending.returncode == 1 and "ещё не опубликован" in pending.stdout


def test_a_changed_entry_makes_the_verifier_fail_naming_its_day(live_server, published_ledger):
    changed = published_ledger["entries"][3]
    with connection.cursor() as cursor:  # what only someone with the owner's rights could do
        cursor.execute("ALTER TABLE engagement_ledgerentry DISABLE TRIGGER engagement_ledgerentry_append_only")
        cursor.execute("UPDATE engagement_ledgerentry SET amount = 0 WHERE id = %s", [changed.pk])
        cursor.execute("ALTER TABLE engagement_ledgerentry ENABLE TRIGGER engagement_ledgerentry_append_only")
    result = run_verifier(live_server.url)
    day = changed.created_at.date().isoformat()
    assert result.returncode == 1, result.stdout
    assert f"{day}: корень дерева Меркла по файлу дня не совпадает" in result.stdout
    assert "Журнал НЕ сходится." in result.stdout


def test_a_root_signed_with_another_key_fails(live_server, published_ledger, settings):
    settings.LEDGER_SIGNING_KEY = "a key the platform never signed with"
    result = run_verifier(live_server.url)
    assert result.returncode == 1 and "подпись хеша дня не подходит к открытому ключу" in result.stdout
