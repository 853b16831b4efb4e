"""Daily digests: each finished UTC day's entries hashed and chained to the day before, published so
anyone can check that history was not rewritten; a digested day is closed to new entries and its
totals are rolled up for reports."""

import hashlib
from datetime import UTC, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, DateField, Max, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import ngettext

from engagement.models import DailyDigest, LedgerDayTotal, LedgerEntry, LedgerRecentTotal, LedgerTally
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


def _totals(entries):
    """{(day, campaign_id, month, kind): [amount, entries, compensations]} of `entries`."""
    rows = (
        entries.annotate(
            day=TruncDate("created_at", tzinfo=UTC),
            month=TruncMonth("created_at", tzinfo=timezone.get_default_timezone(), output_field=DateField()),
        )
        .values("day", "campaign_id", "month", "kind")
        .annotate(amount=Sum("amount"), entries=Count("pk"), compensations=Count("reverses"))
        .order_by()
    )
    return {
        (row["day"], row["campaign_id"], row["month"], row["kind"]): [
            row["amount"],
            row["entries"],
            row["compensations"],
        ]
        for row in rows
    }


def first_open_day():
    """The first UTC day without a published digest (None: nothing is digested yet) and its start."""
    last = DailyDigest.objects.order_by("-day").values_list("day", flat=True).first()
    if last is None:
        return None, None
    day = last + timedelta(days=1)
    return day, datetime.combine(day, time.min, tzinfo=UTC)


def tally_recent_days(now=None, restart=False):
    """Bring the running totals of the days not yet digested (LedgerRecentTotal) forward to `now`
    less the digests' grace, reading only the entries that arrived since the last run (a few
    minutes of them); returns how many entries were added. Periodic (settings.SCHEDULE).

    The totals hold the entries created before the mark's time with an id up to the mark's id (see
    LedgerTally). A run adds those created between the old and the new time, and those created
    before the old time with an id between the old and the new id (imports dated earlier), both
    by an index; it drops the days digested since. Imports hold the lock shared, so none is in
    flight while the highest id is read: every later entry gets a higher id. `restart` recounts
    the open days from their entries (a repair: verify_report_rollups --rebuild)."""
    now = now or timezone.now()
    with transaction.atomic():
        sql.lock(sql.TALLY_LOCK)
        from_day, start = first_open_day()
        mark = LedgerTally.objects.select_for_update().first()
        through_id = LedgerEntry.objects.aggregate(last=Max("pk"))["last"] or 0
        through_time = now - DIGEST_GRACE
        entries = LedgerEntry.objects.filter(campaign__isnull=False, pk__lte=through_id)
        if start is not None:
            entries = entries.filter(created_at__gte=start)
        stale = mark is not None and mark.from_day is not None and (from_day is None or mark.from_day > from_day)
        if mark is None or stale or restart:  # never tallied, tallied against digests since gone, or asked to
            LedgerTally.objects.all().delete()
            LedgerRecentTotal.objects.all().delete()
            mark = LedgerTally(pk=1, through_time=through_time, through_id=through_id)
            added = [entries.filter(created_at__lt=through_time)]
        else:
            through_time, through_id = max(through_time, mark.through_time), max(through_id, mark.through_id)
            added = [
                entries.filter(created_at__gte=mark.through_time, created_at__lt=through_time),
                entries.filter(created_at__lt=mark.through_time, pk__gt=mark.through_id),
            ]
        totals = {}
        for part in added:
            for key, (amount, count, compensations) in _totals(part).items():
                total = totals.setdefault(key, [0, 0, 0])
                total[0], total[1], total[2] = total[0] + amount, total[1] + count, total[2] + compensations
        if from_day is not None:
            LedgerRecentTotal.objects.filter(day__lt=from_day).delete()
        stored = {
            (row.day, row.campaign_id, row.month, row.kind): row
            for row in LedgerRecentTotal.objects.filter(day__in={day for day, *_ in totals})
        }
        changed = []
        for (day, campaign_id, month, kind), (amount, count, compensations) in totals.items():
            row = stored.get((day, campaign_id, month, kind)) or LedgerRecentTotal(
                day=day, campaign_id=campaign_id, month=month, kind=kind, amount=0, entries=0, compensations=0
            )
            row.amount, row.entries, row.compensations = (
                row.amount + amount,
                row.entries + count,
                row.compensations + compensations,
            )
            changed.append(row)
        LedgerRecentTotal.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["campaign", "day", "month", "kind"],
            update_fields=["amount", "entries", "compensations"],
        )
        mark.from_day, mark.through_time, mark.through_id = from_day, through_time, through_id
        mark.save()
    return sum(count for _, count, _ in totals.values())


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
