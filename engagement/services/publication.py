"""The public ledger: each day's Merkle root, signed; day files anyone can download; receipts with
their inclusion proofs.

A day published under rule 2 (DailyDigest.Rule.MERKLE_SIGNED) commits to:
- the Merkle root (engagement/merkle.py) over the day's entries in id order, each leaf the hash of
  the entry's public line: id, receipt, kind, amount, campaign, the actor as a pseudonym and the
  reversed entry, never the account, the idempotency key or the reason;
- the root of the foundations' transfers recorded that day (their public line: payment order,
  amount, beneficiary's number, the report's SHA-256);
- the previous day's digest, the day's entry count and amount.
The digest over those is signed with the platform's Ed25519 key. A day file is exactly the day's
public lines, one JSON object per line, built from the database on every download: if an entry were
changed after publication, its day's file would no longer lead to the signed root.

Pseudonyms are HMAC-SHA256(LEDGER_PSEUDONYM_KEY, "<day>:user:<id>") cut to 16 hex digits: stable
within a day (the daily cap can be checked), unrelated across days, irreversible without the key.
"""

import functools
import hashlib
import hmac
import json
import struct
from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db.models import Sum

from config.errors import ServiceError
from config.text import quoted
from engagement import merkle
from engagement.models import ActionKind, Campaign, DailyDigest, LedgerDayTotal, LedgerEntry, Transfer
from engagement.receipts import display
from engagement.selectors import campaign_totals

# Leaves per stored block root: a proof rereads at most this many entries; the tree over a day's
# block roots (4 k of them for a million entries) is built once per process and kept (_top_tree).
CHUNK = 256
ROW_BATCH = 5000
_ENTRY_FIELDS = (
    "pk",
    "receipt",
    "kind",
    "amount",
    "campaign_id",
    "actor_user_id",
    "actor_vk_id",
    "reverses_id",
    "created_at",
)
_ID = struct.Struct(">q")


# --- keys ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _private_key(secret):
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(secret.encode()).digest())


def signing_key():
    return _private_key(settings.LEDGER_SIGNING_KEY)


def public_key_pem():
    """The public key that checks every signed root (served at /.well-known/ledger-key.pem)."""
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def signed_message(day, digest):
    return f"pokolenie-m ledger v2 {day.isoformat()} {digest}".encode()


# --- public lines -------------------------------------------------------------------------------


def day_bounds(day):
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def entries_of_day(day):
    start, end = day_bounds(day)
    return LedgerEntry.objects.filter(created_at__gte=start, created_at__lt=end).order_by("pk")


class PublicLines:
    """Turns a day's entry rows (values of _ENTRY_FIELDS) into their public lines (bytes)."""

    def __init__(self, day):
        self.day = day.isoformat()
        self._mac = hmac.new(settings.LEDGER_PSEUDONYM_KEY.encode(), digestmod=hashlib.sha256)

    def pseudonym(self, user_id, vk_id):
        if user_id is not None:
            subject = f"{self.day}:user:{user_id}"
        elif vk_id is not None:
            subject = f"{self.day}:vk:{vk_id}"
        else:
            return None
        mac = self._mac.copy()
        mac.update(subject.encode())
        return mac.hexdigest()[:16]

    def line(self, row):
        entry_id, receipt, kind, amount, campaign_id, user_id, vk_id, reverses_id, created_at = row
        actor = self.pseudonym(user_id, vk_id)
        return (
            f'{{"id":{entry_id},"receipt":"{receipt}","kind":"{kind}","amount":{amount},'
            f'"campaign":{"null" if campaign_id is None else campaign_id},'
            f'"actor":{"null" if actor is None else chr(34) + actor + chr(34)},'
            f'"reverses":{"null" if reverses_id is None else reverses_id},"t":{int(created_at.timestamp())}}}'
        ).encode()


def transfers_of_day(day):
    start, end = day_bounds(day)
    return (
        Transfer.objects.filter(created_at__gte=start, created_at__lt=end).select_related("foundation").order_by("pk")
    )


def transfer_line(transfer):
    return json.dumps(
        {
            "transfer": transfer.pk,
            "campaign": transfer.campaign_id,
            "foundation": transfer.foundation_id,
            "beneficiary": transfer.beneficiary_id,
            "amount": transfer.amount,
            "transferred_on": transfer.transferred_on.isoformat(),
            "payment_order": transfer.payment_reference,
            "report_sha256": transfer.report_sha256,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def day_file(day):
    """The day's public lines (entries, then transfers), newline-terminated, in batches of bytes;
    memory stays flat however many entries the day has (a server-side cursor on PostgreSQL)."""
    lines = PublicLines(day)
    batch = []
    for row in entries_of_day(day).values_list(*_ENTRY_FIELDS).iterator(chunk_size=ROW_BATCH):
        batch.append(lines.line(row))
        if len(batch) == ROW_BATCH:
            yield b"\n".join(batch) + b"\n"
            batch = []
    batch.extend(transfer_line(transfer) for transfer in transfers_of_day(day))
    if batch:
        yield b"\n".join(batch) + b"\n"


# --- roots and digests --------------------------------------------------------------------------


class DayTree:
    """One pass over a day: the Merkle root, the block roots a proof needs, count and amount."""

    def __init__(self, day):
        self.day = day
        lines = PublicLines(day)
        tree = merkle.StreamingRoot(CHUNK)
        first_ids = []
        count = amount = 0
        leaf_hash, add, line = merkle.leaf_hash, tree.add, lines.line
        for row in entries_of_day(day).values_list(*_ENTRY_FIELDS).iterator(chunk_size=ROW_BATCH):
            if count % CHUNK == 0:
                first_ids.append(row[0])
            add(leaf_hash(line(row)))
            count += 1
            amount += row[3]
        self.count, self.amount = count, amount
        self.root = tree.root()
        self.chunk_roots = list(tree.chunk_roots)
        if (last := tree.last_chunk_root()) is not None:
            self.chunk_roots.append(last)
        self.first_ids = first_ids
        self.transfers_root = merkle.root_of(
            [merkle.leaf_hash(transfer_line(transfer)) for transfer in transfers_of_day(day)]
        )


def digest_v2(previous, day, count, amount, root, transfers_root):
    text = f"pokolenie-m ledger v2\n{previous}\n{day.isoformat()}\n{count}\n{amount}\n{root}\n{transfers_root}\n"
    return hashlib.sha256(text.encode()).hexdigest()


def day_digest(day, previous):
    """(digest, entries, amount) of `day` under rule 2, recomputed from the database."""
    tree = DayTree(day)
    digest = digest_v2(previous, day, tree.count, tree.amount, tree.root.hex(), tree.transfers_root.hex())
    return digest, tree.count, tree.amount


def publish_day(day, previous):
    """Write `day`'s DailyDigest under rule 2: root, block roots, digest and signature. The caller
    (services.publish_digests) holds the digests' lock and the transaction."""
    tree = DayTree(day)
    root, transfers_root = tree.root.hex(), tree.transfers_root.hex()
    digest = digest_v2(previous, day, tree.count, tree.amount, root, transfers_root)
    row = DailyDigest(
        day=day,
        entries_count=tree.count,
        amount=tree.amount,
        previous=previous,
        digest=digest,
        version=DailyDigest.Rule.MERKLE_SIGNED,
        root=root,
        transfers_root=transfers_root,
        signature=signing_key().sign(signed_message(day, digest)).hex(),
        chunk_size=CHUNK,
        chunk_first_ids=b"".join(_ID.pack(first) for first in tree.first_ids),
        chunk_roots=b"".join(tree.chunk_roots),
    )
    row.save()
    return row


# --- receipts -----------------------------------------------------------------------------------


def _not_found(code):
    return ServiceError(
        f"Чека {display(code)} нет в журнале. Проверьте код: он напечатан в «Моих действиях» личного кабинета.",
        code="receipt_not_found",
        field="code",
        status=404,
    )


def receipt(code):
    """What anyone may know about the entry with this receipt code: kind, amount, day, campaign,
    whether it was cancelled, and, once its day is published, its public line with the inclusion
    proof up to the day's signed root. Never who acted."""
    # One query: the entry, its campaign's name, the entry it cancels or the one cancelling it.
    # order_by(): no ORDER BY id, which could lead the planner away from the receipt's index.
    found = LedgerEntry.objects.filter(receipt=code).order_by()
    columns = (*_ENTRY_FIELDS, "campaign__name", "reverses__receipt", "reversal__receipt")
    row = next(iter(found.values_list(*columns)), None)
    if row is None:
        raise _not_found(code)
    entry_id, code, kind, amount, campaign_id, *_, reverses_id, created_at, campaign_name, reversed_code, other = row
    day = created_at.astimezone(UTC).date()
    campaign = {"id": campaign_id, "name": campaign_name} if campaign_id else None
    other = reversed_code if reverses_id else other
    answer = {
        "receipt": display(code),
        "code": code,
        "kind": kind,
        "kind_display": ActionKind(kind).label,
        "amount_kopecks": amount,
        "day": day.isoformat(),
        "campaign": campaign,
        "compensates": display(other) if reverses_id else None,
        "cancelled_by": display(other) if not reverses_id and other else None,
        "status": "pending",
        "proof": None,
    }
    published = DailyDigest.objects.filter(day=day).defer("chunk_first_ids", "chunk_roots").first()
    if published is None:
        return answer
    if published.version < DailyDigest.Rule.MERKLE_SIGNED:
        answer["status"] = "published_without_tree"
        return answer
    answer["proof"] = _proof(published, entry_id)
    # An entry of a published day that is not in its tree was written behind the ledger's back.
    answer["status"] = "published" if answer["proof"] else "not_in_published_day"
    return answer


_TOP_TREES = {}  # (day's row, digest, block size) -> (first ids, levels); a published day never changes
_TOP_TREES_KEPT = 16


def _top_tree(published):
    """(first entry id of each block, every level of the tree over the block roots) of one
    published day, read and built once per process."""
    key = (published.pk, published.digest, published.chunk_size)
    kept = _TOP_TREES.get(key)
    if kept is None:
        first_ids, roots = DailyDigest.objects.filter(pk=published.pk).values_list("chunk_first_ids", "chunk_roots")[0]
        first_ids, roots = bytes(first_ids), bytes(roots)
        kept = (
            [value for (value,) in _ID.iter_unpack(first_ids)],
            merkle.levels([roots[i : i + 32] for i in range(0, len(roots), 32)]),
        )
        if len(_TOP_TREES) >= _TOP_TREES_KEPT:
            _TOP_TREES.pop(next(iter(_TOP_TREES)))
        _TOP_TREES[key] = kept
    return kept


def _proof(published, entry_id):
    first_ids, top = _top_tree(published)
    block = bisect_right(first_ids, entry_id) - 1
    if block < 0:
        return None
    rows = entries_of_day(published.day).filter(pk__gte=first_ids[block])
    if block + 1 < len(first_ids):
        rows = rows.filter(pk__lt=first_ids[block + 1])
    lines = PublicLines(published.day)
    ids, leaves, own_line = [], [], None
    for row in rows.values_list(*_ENTRY_FIELDS):
        line = lines.line(row)
        if row[0] == entry_id:
            own_line = line
        ids.append(row[0])
        leaves.append(merkle.leaf_hash(line))
    # The block as published holds this many leaves: anything after them came later.
    size = min(published.chunk_size, published.entries_count - block * published.chunk_size)
    ids, leaves = ids[:size], leaves[:size]
    if own_line is None or entry_id not in ids:
        return None
    position = ids.index(entry_id)
    path = merkle.path(position, leaves) + merkle.path(block, tree=top)
    return {
        "line": own_line.decode(),
        "leaf_index": block * published.chunk_size + position,
        "tree_size": published.entries_count,
        "path": [node.hex() for node in path],
        "root": published.root,
        "digest": published.digest,
        "signature": published.signature,
    }


def parse_day(text):
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ServiceError(
            "День пишется как ГГГГ-ММ-ДД, например 2026-12-05.", code="day_invalid", field="day", status=400
        ) from None


def published_day(text):
    """The DailyDigest of a published day, or a 404 a person understands."""
    day = parse_day(text)
    published = DailyDigest.objects.filter(day=day).first()
    if published is None:
        raise ServiceError(
            f"День {day:%d.%m.%Y} ещё не опубликован: файл дня появляется после полуночи по UTC.",
            code="day_not_published",
            field="day",
            status=404,
        )
    return published


def ledger_summary():
    """Per campaign: what the published days add up to, what came after the last one, and the
    counter's figure; a verifier checks the first against the day files and the sum against the
    counter."""
    last = DailyDigest.objects.order_by("-day").values_list("day", flat=True).first()
    # Published days' totals as stored when each day was published (append-only, like the ledger).
    digested = dict(
        LedgerDayTotal.objects.values("campaign").annotate(total=Sum("amount")).values_list("campaign", "total")
    )
    after = LedgerEntry.objects.filter(created_at__gte=day_bounds(last)[1]) if last else LedgerEntry.objects.all()
    undigested = dict(
        after.filter(campaign__isnull=False)
        .values("campaign")
        .annotate(total=Sum("amount"))
        .values_list("campaign", "total")
    )
    campaigns = []
    for campaign in Campaign.objects.order_by("pk"):
        campaigns.append(
            {
                "id": campaign.pk,
                "name": campaign.name,
                "published_kopecks": digested.get(campaign.pk) or 0,
                "after_last_day_kopecks": undigested.get(campaign.pk) or 0,
                "counter_kopecks": campaign_totals(campaign)[0],
            }
        )
    return {"last_published_day": last.isoformat() if last else None, "campaigns": campaigns}


# --- transfers ----------------------------------------------------------------------------------

# What a transfer's public line holds: once its day is published, none of it may change.
CHAINED_TRANSFER_FIELDS = (
    "campaign_id",
    "foundation_id",
    "beneficiary_id",
    "amount",
    "transferred_on",
    "payment_reference",
    "report_document",
)


def _last_published_day():
    return DailyDigest.objects.order_by("-day").values_list("day", flat=True).first()


def chained_transfer_problem(transfer):
    """Why an edit of this transfer is refused (a Russian message), or None: a transfer whose day is
    published is part of the signed chain, so its public line must stay as it was."""
    if transfer.pk is None:
        return None
    before = Transfer.objects.filter(pk=transfer.pk).values("created_at", *CHAINED_TRANSFER_FIELDS).first()
    last = _last_published_day()
    if before is None or last is None or before["created_at"].astimezone(UTC).date() > last:
        return None
    changed = [name for name in CHAINED_TRANSFER_FIELDS if before[name] != getattr(transfer, name)]
    if name := next(iter(changed), None):
        label = Transfer._meta.get_field(name.removesuffix("_id")).verbose_name
        return (
            f"Перевод уже вошёл в опубликованную цепочку журнала за {before['created_at']:%d.%m.%Y}: "
            f"поле {quoted(label)} менять нельзя. Если в переводе ошибка, внесите исправляющий перевод."
        )
    return None


def seal_transfer(transfer):
    """Set the report's public SHA-256 from the private file (read in chunks)."""
    if not transfer.report_document:
        transfer.report_sha256 = ""
        return
    sha = hashlib.sha256()
    for chunk in transfer.report_document.chunks():
        sha.update(chunk)
    transfer.report_sha256 = sha.hexdigest()


def public_transfers():
    """Every transfer with its payment order, the report's SHA-256 and its day in the chain (None
    until that day is published); the beneficiary only when consented and verified, and then only
    the public fields."""
    last = _last_published_day()
    transfers = (
        Transfer.objects.select_related("campaign", "foundation", "beneficiary__region")
        .prefetch_related("beneficiary__updates")
        .order_by("-transferred_on", "-pk")
    )
    rows = []
    for transfer in transfers:
        beneficiary = transfer.beneficiary
        day = transfer.created_at.astimezone(UTC).date()
        rows.append(
            {
                "id": transfer.pk,
                "campaign": transfer.campaign.name,
                "foundation": transfer.foundation.title,
                "amount_kopecks": transfer.amount,
                "transferred_on": transfer.transferred_on.isoformat(),
                "payment_order": transfer.payment_reference,
                "report_sha256": transfer.report_sha256 or None,
                "chain_day": day.isoformat() if last is not None and day <= last else None,
                "beneficiary": {
                    "id": beneficiary.pk,
                    "first_name": beneficiary.first_name,
                    "age": beneficiary.age,
                    "region": beneficiary.region.name,
                    "diagnosis": beneficiary.diagnosis,
                    "updates": [
                        {"published_on": update.published_on.isoformat(), "text": update.text}
                        for update in beneficiary.updates.all()
                    ],
                }
                if beneficiary.is_public
                else None,
            }
        )
    return rows


def helped_children_updates(transfers):
    """«Что было дальше» of each public child among `transfers` (public_transfers()), once each."""
    children = {}
    for transfer in transfers:
        child = transfer["beneficiary"]
        if child and child["updates"]:
            children.setdefault(child["id"], child)
    return list(children.values())
