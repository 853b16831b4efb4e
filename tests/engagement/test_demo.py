"""The engagement demo loads on a fresh database, twice without changing anything, and the ledger
checks pass on it."""

import io

from django.core.management import call_command

from engagement import demo
from engagement.models import Beneficiary, Campaign, DailyDigest, LedgerEntry, Transfer


def snapshot():
    return [model.objects.count() for model in (Campaign, LedgerEntry, DailyDigest, Beneficiary, Transfer)]


def test_demo_loads_twice_without_changes_and_passes_reconcile_and_digest_checks(db):
    demo.load(io.StringIO())
    first = snapshot()
    assert first[0] == 2 and first[1] > 150 and first[2] > 100 and first[4] == 3
    # Each transfer shows its own report's hash on the transparency page (all three were one file).
    assert len(set(Transfer.objects.values_list("report_sha256", flat=True))) == 3
    demo.load(io.StringIO())
    assert snapshot() == first
    out = io.StringIO()
    call_command("reconcile_ledger", stdout=out)
    call_command("verify_ledger_digests", stdout=out)
    assert "Журнал сходится" in out.getvalue() and "сходится." in out.getvalue()
