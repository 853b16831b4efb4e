"""Daily digests: each finished UTC day's entries hashed and chained to the day before, published so
anyone can check that history was not rewritten; a digested day is closed to new entries and its
totals are rolled up for reports."""

import hashlib
from datetime import UTC, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, DateField, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import ngettext

from engagement.models import DailyDigest, LedgerDayTotal, LedgerEntry
from engagement.services import publication, sql

GENESIS_DIGEST = "0" * 64
# A day is digested only once it has been over for this long, so no late commit can land in it.
DIGEST_GRACE = timedelta(minutes=10)


def _entry_line(entry):
    created = entry.created_at.astimezone(UTC).isoformat(timespec="microseconds")
    fields = [
        entry.pk,
        entry.key,
        entry.kind,
        entry.actor_user_id,
        entry.actor_vk_id,
        entry.target_type_id,
        entry.target_id,
        entry.amount,
        entry.campaign_id,
        entry.reverses_id,
        created,
    ]
    return "|".join("" if value is None else str(value) for value in fields)


def day_digest(day, previous):
    """(digest, entries, amount) of one UTC day under rule 1 (days published before Merkle trees):
    SHA-256 over the previous digest, the day and each of the day's entries in id order."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    sha = hashlib.sha256(f"{previous}\n{day.isoformat()}\n".encode())
    count = amount = 0
    entries = LedgerEntry.objects.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1)).order_by("pk")
    for entry in entries.iterator(chunk_size=5000):
        sha.update(_entry_line(entry).encode() + b"\n")
        count += 1
        amount += entry.amount
    return sha.hexdigest(), count, amount


def publish_digests(now=None):
    """Publish the digest of every finished UTC day not yet published, chained to the previous
    one. Returns the new digests."""
    now = now or timezone.now()
    last_day = (now - DIGEST_GRACE).astimezone(UTC).date() - timedelta(days=1)
    published = []
    with transaction.atomic():
        sql.lock("engagement:digests")
        last = DailyDigest.objects.order_by("-day").first()
        if last is not None:
            day, previous = last.day + timedelta(days=1), last.digest
        else:
            first = LedgerEntry.objects.order_by("created_at").values_list("created_at", flat=True).first()
            if first is None:
                return []
            day, previous = first.astimezone(UTC).date(), GENESIS_DIGEST
        while day <= last_day:
            digest_row = publication.publish_day(day, previous)  # a Merkle root, signed (rule 2)
            _roll_up_day(day)
            published.append(digest_row)
            day, previous = day + timedelta(days=1), digest_row.digest
    return published


def _roll_up_day(day):
    """Store a just-digested day's totals per (campaign, Moscow month, kind): the day is closed, so
    they are final."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    totals = (
        LedgerEntry.objects.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))
        .filter(campaign__isnull=False)
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_default_timezone(), output_field=DateField()))
        .values("campaign_id", "month", "kind")
        .annotate(amount=Sum("amount"), entries=Count("pk"), compensations=Count("reverses"))
        .order_by()
    )
    LedgerDayTotal.objects.bulk_create([LedgerDayTotal(day=day, **row) for row in totals])


def verify_digests():
    """Recompute the whole chain from the entries; return a list of problems (empty: history intact)."""
    problems = []
    previous = GENESIS_DIGEST
    expected_day = None
    digests = list(DailyDigest.objects.order_by("day"))
    if digests:
        earlier = LedgerEntry.objects.filter(
            created_at__lt=datetime.combine(digests[0].day, time.min, tzinfo=UTC)
        ).count()
        if earlier:
            message = ngettext(
                "%(count)s entry is older than the first published day %(day)s.",
                "%(count)s entries are older than the first published day %(day)s.",
                earlier,
            )
            problems.append(message % {"count": earlier, "day": digests[0].day})
    for published in digests:
        if expected_day is not None and published.day != expected_day:
            problems.append(f"Пропущен день {expected_day} перед {published.day}.")
        if published.previous != previous:
            problems.append(f"{published.day}: ссылка на предыдущий хеш не совпадает с цепочкой.")
        recompute = publication.day_digest if published.version == DailyDigest.Rule.MERKLE_SIGNED else day_digest
        digest, count, amount = recompute(published.day, previous)
        if digest != published.digest:
            problems.append(
                f"{published.day}: хеш не совпадает (опубликовано записей: {published.entries_count} на "
                f"{published.amount} коп., сейчас: {count} на {amount} коп.)."
            )
        previous, expected_day = published.digest, published.day + timedelta(days=1)
    return problems
