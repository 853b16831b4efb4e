"""The public ledger: receipts anyone can look up without learning who acted, inclusion proofs up to
each day's signed Merkle root, day files that recompute it, transfers frozen once in the chain."""

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.db import connection
from django.utils.formats import date_format

from config.errors import ServiceError
from engagement import receipts, services
from engagement.models import BeneficiaryUpdate, DailyDigest, LedgerEntry
from engagement.services import publication

VERIFIER = Path(__file__).resolve().parents[2] / "verify_ledger.py"


@pytest.fixture(scope="module")
def verifier():
    spec = importlib.util.spec_from_file_location("verify_ledger", VERIFIER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_entry_has_a_unique_receipt_the_database_computed(published_ledger):
    codes = list(LedgerEntry.objects.values_list("pk", "receipt"))
    assert codes and all(code == receipts.receipt_code(pk) for pk, code in codes)
    assert len({code for _, code in codes}) == len(codes)
    assert len({receipts.receipt_code(pk) for pk in range(1, 200_000)}) == 199_999


def test_a_receipt_shows_kind_amount_day_and_campaign_never_who_acted(client, published_ledger):
    entry, actor = published_ledger["entries"][1], published_ledger["actors"][0]
    body = client.get(f"/api/engagement/receipts/{receipts.display(entry.receipt).lower()}/").json()
    assert body["kind"] == "like" and body["amount_kopecks"] == 100
    assert body["day"] == entry.created_at.date().isoformat() and body["campaign"]["id"] == entry.campaign_id
    line = json.loads(body["proof"]["line"])
    assert set(line) == {"id", "receipt", "kind", "amount", "campaign", "actor", "reverses", "t"}
    assert len(line["actor"]) == 16 and line["actor"] != str(actor.pk)
    assert actor.username not in json.dumps(body, ensure_ascii=False)
    page = client.get(f"/receipt/{entry.receipt}/")
    assert page.status_code == 200 and actor.username not in page.content.decode()
    assert receipts.display(entry.receipt) in page.content.decode()


def test_a_mistyped_or_unknown_receipt_gets_a_message_not_an_error_page(client, published_ledger):
    body = client.get("/api/engagement/receipts/12/").json()
    assert body["code"] == "receipt_code_invalid" and "восемь знаков" in body["detail"]
    missing = client.get("/api/engagement/receipts/ZZZZ-ZZZZ/")
    assert missing.status_code == 404 and missing.json()["code"] == "receipt_not_found"
    assert client.get("/receipt/?code=oops").status_code == 400


@pytest.mark.django_db
def test_an_empty_receipt_form_is_answered_in_russian(client):
    first_visit = client.get("/receipt/")
    assert first_visit.status_code == 200 and 'role="alert"' not in first_visit.content.decode()
    for typed in ("", "   "):
        response = client.get("/receipt/", {"code": typed})
        assert response.status_code == 400
        html = response.content.decode()
        assert "Введите код чека" in html and 'aria-invalid="true"' in html


def test_the_proof_leads_from_the_line_to_the_signed_root(client, published_ledger, verifier):
    entry = published_ledger["entries"][2]
    proof = client.get(f"/api/engagement/receipts/{entry.receipt}/").json()["proof"]
    published = DailyDigest.objects.get(day=entry.created_at.date())
    path = [bytes.fromhex(node) for node in proof["path"]]
    leaf = verifier.leaf_hash(proof["line"].encode())
    assert proof["tree_size"] == published.entries_count == 2
    assert verifier.root_from_proof(leaf, proof["leaf_index"], proof["tree_size"], path).hex() == published.root
    forged = verifier.leaf_hash(proof["line"].replace('"amount":100', '"amount":900').encode())
    assert verifier.root_from_proof(forged, proof["leaf_index"], proof["tree_size"], path).hex() != published.root


@pytest.fixture
def one_entry_blocks(monkeypatch):
    """Days published with blocks of one entry: every proof crosses the stored block roots."""
    monkeypatch.setattr(publication, "CHUNK", 1)


def test_proofs_hold_when_a_day_spans_several_blocks(one_entry_blocks, published_ledger, client, verifier):
    day = published_ledger["entries"][1].created_at.date()
    published = DailyDigest.objects.get(day=day)
    assert published.chunk_size == 1 and len(bytes(published.chunk_roots)) == 2 * 32
    for entry in published_ledger["entries"][1:3]:
        proof = client.get(f"/api/engagement/receipts/{entry.receipt}/").json()["proof"]
        leaf = verifier.leaf_hash(proof["line"].encode())
        path = [bytes.fromhex(node) for node in proof["path"]]
        assert verifier.root_from_proof(leaf, proof["leaf_index"], proof["tree_size"], path).hex() == published.root


def test_the_public_key_checks_each_signed_root(client, published_ledger, verifier, settings):
    key = load_pem_public_key(client.get("/.well-known/ledger-key.pem").content)
    signed = DailyDigest.objects.filter(version=DailyDigest.Rule.MERKLE_SIGNED)
    assert signed.count() == 3 and DailyDigest.objects.get(version=DailyDigest.Rule.PLAIN_CHAIN)
    for day in signed:
        assert verifier.signature_valid(key, day.day.isoformat(), day.digest, day.signature)
        assert not verifier.signature_valid(key, day.day.isoformat(), "f" * 64, day.signature)
    settings.LEDGER_SIGNING_KEY = "another key"
    other = load_pem_public_key(client.get("/.well-known/ledger-key.pem").content)
    assert not verifier.signature_valid(other, day.day.isoformat(), day.digest, day.signature)


def test_a_day_file_alone_recomputes_the_root_and_the_totals(client, published_ledger, verifier):
    for published in DailyDigest.objects.filter(version=DailyDigest.Rule.MERKLE_SIGNED):
        response = client.get(f"/api/engagement/days/{published.day}.jsonl")
        assert response.streaming and response["Content-Type"] == "application/x-ndjson"
        lines = b"".join(response.streaming_content).splitlines()
        entries = [line for line in lines if b'"receipt"' in line]
        tree = verifier.StreamingRoot()
        for line in entries:
            tree.add(verifier.leaf_hash(line))
        assert tree.root().hex() == published.root
        assert sum(json.loads(line)["amount"] for line in entries) == published.amount
    assert client.get("/api/engagement/days/2001-01-01.jsonl").json()["code"] == "day_not_published"
    assert client.get("/api/engagement/days/yesterday.jsonl").status_code == 400


def test_verify_digests_recomputes_both_rules(published_ledger):
    assert services.verify_digests() == []


def test_a_transfer_carries_its_payment_order_and_its_reports_hash(client, published_ledger):
    transfer = published_ledger["transfer"]
    assert transfer.report_sha256 == hashlib.sha256(b"invoice of the clinic").hexdigest()
    shown = client.get("/api/engagement/transparency/").json()["transfers"]
    assert shown[0]["payment_order"] == "ПП-17" and shown[0]["report_sha256"] == transfer.report_sha256
    assert shown[0]["chain_day"] == transfer.transferred_on.isoformat()
    assert shown[0]["beneficiary"]["first_name"] == "Аня" and "verification_document" not in shown[0]["beneficiary"]
    BeneficiaryUpdate.objects.create(
        beneficiary=transfer.beneficiary, published_on=transfer.transferred_on, text="Операция прошла, Аня дома."
    )
    page = client.get("/transparency/").content.decode()
    assert "ПП-17" in page and transfer.report_sha256 in page
    assert page.count("Операция прошла, Аня дома.") == 1
    shown_day = date_format(transfer.transferred_on, "j E Y")  # as the site writes dates, not ISO
    assert f"<td>{shown_day}</td>" in page and f">{shown_day}</time>" in page
    assert f">{transfer.transferred_on.isoformat()}<" not in page


def test_a_transfer_in_a_published_day_cannot_change(published_ledger):
    transfer = published_ledger["transfer"]
    transfer.refresh_from_db()
    transfer.amount = 300
    with pytest.raises(ServiceError, match="вошёл в опубликованную цепочку"):
        services.save_transfer(transfer)


def test_my_actions_lists_my_entries_with_their_receipts(client, published_ledger):
    me, other = published_ledger["actors"]
    client.force_login(me)
    page = client.get("/cabinet/actions/").content.decode()
    mine = [e for e in published_ledger["entries"] if e.actor_user_id == me.pk]
    theirs = [e for e in published_ledger["entries"] if e.actor_user_id == other.pk]
    assert all(receipts.display(e.receipt) in page for e in mine)
    assert not any(receipts.display(e.receipt) in page for e in theirs)
    assert "Как нас проверить" in client.get("/how-to-check/").content.decode()
    assert client.get("/transparency/verify_ledger.py").getvalue() == VERIFIER.read_bytes()


def test_an_entry_slipped_into_a_published_day_gets_no_proof(client, published_ledger):
    entry = published_ledger["entries"][3]
    with connection.cursor() as cursor:  # INSERT is what the append-only trigger lets through
        cursor.execute(
            "INSERT INTO engagement_ledgerentry (kind, target_type_id, target_id, amount, key, reason, created_at)"
            " SELECT kind, target_type_id, target_id, 100, 'slipped-in', '', created_at FROM engagement_ledgerentry"
            " WHERE id = %s",
            [entry.pk],
        )
    slipped = LedgerEntry.objects.get(key="slipped-in")
    body = client.get(f"/api/engagement/receipts/{slipped.receipt}/").json()
    assert body["status"] == "not_in_published_day" and body["proof"] is None
    assert "добавили после публикации" in client.get(f"/receipt/{slipped.receipt}/").content.decode()
    assert client.get(f"/api/engagement/receipts/{entry.receipt}/").json()["status"] == "published"
