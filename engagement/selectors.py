"""Reads of the engagement app: the counter, what an account raised, transparency, monthly ledger
totals, reconciliation, and which foundation's records a coordinator may see. Other apps and the
engagement views read engagement's tables only through these functions."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, DateField, F, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from engagement.actors import actor_identity
from engagement.models import (
    ActionKind,
    Beneficiary,
    Campaign,
    CounterSlot,
    DailyDigest,
    LedgerDayTotal,
    LedgerEntry,
    LedgerRecentTotal,
    LedgerTally,
    Transfer,
    VkInboxEvent,
    WarmingLike,
)


def coordinated_foundation_id(user):
    """The foundation a coordinator keeps; None for everyone else (editors, superusers see all)."""
    link = getattr(user, "coordinator", None) if user and user.is_authenticated else None
    return link.foundation_id if link else None


def own_foundation(queryset, user):
    """Beneficiaries or transfers `user` may see: a coordinator's own foundation's, all of them for
    editors (who may see the coordinators) and superusers, none for anyone else."""
    foundation_id = coordinated_foundation_id(user)
    if foundation_id is not None:
        return queryset.filter(foundation_id=foundation_id)
    if user.is_superuser or user.has_perm("engagement.view_foundationcoordinator"):
        return queryset
    return queryset.none()


# --- campaigns and the counter ------------------------------------------------------------------


def oldest_waiting_vk_event():
    """When the oldest VK event still waiting in the inbox for its drain arrived (None: none waits)."""
    return VkInboxEvent.objects.order_by("received_at").values_list("received_at", flat=True).first()


def campaign_at(moment):
    """The campaign running at `moment` (the latest started one if two overlap), or None."""
    return Campaign.objects.filter(starts_at__lte=moment, ends_at__gt=moment).order_by("-starts_at").first()


def current_campaign():
    """The running campaign, else the most recent one that has started, else the next one."""
    now = timezone.now()
    return (
        campaign_at(now)
        or Campaign.objects.filter(starts_at__lte=now).order_by("-starts_at").first()
        or Campaign.objects.order_by("starts_at").first()
    )


def season_campaign(season):
    """The campaign of a season (cms.Season), or None."""
    return Campaign.objects.filter(season=season).first()


def _raised():
    """A campaign's raised kopecks and counted actions: the sums of its counter slots."""
    return {"raised": Sum("amount"), "actions": Sum("actions")}


def _transferred():
    """Kopecks paid through foundations, and «children helped»: the distinct beneficiaries who
    received a transfer. The one definition: the counter, transparency and reports all use it."""
    return {"transferred": Sum("amount"), "children": Count("beneficiary", distinct=True)}


def campaign_totals(campaign):
    """Raised kopecks and counted actions of a campaign, from its slots (O(1))."""
    totals = CounterSlot.objects.filter(campaign=campaign).aggregate(**_raised())
    return totals["raised"] or 0, totals["actions"] or 0


def transfer_totals(campaign):
    """Kopecks transferred through foundations for a campaign, and the children helped."""
    totals = Transfer.objects.filter(campaign=campaign).aggregate(**_transferred())
    return totals["transferred"] or 0, totals["children"] or 0


def children_helped(campaign):
    """Children who received money from this campaign (foundations' transfers)."""
    return transfer_totals(campaign)[1]


def transfers_by_month(campaign):
    """{first day of the month: {"amount": kopecks, "children": children helped}} of a campaign's
    transfers, by the day they were made."""
    rows = (
        Transfer.objects.filter(campaign=campaign)
        .annotate(month=TruncMonth("transferred_on"))
        .values("month")
        .annotate(**_transferred())
    )
    return {row["month"]: {"amount": row["transferred"], "children": row["children"]} for row in rows}


def counter(campaign=None):
    """The donation counter's figures for `campaign` (default: the current one)."""
    campaign = campaign or current_campaign()
    if campaign is None:
        return {
            "campaign": None,
            "raised_kopecks": 0,
            "raised_roubles": 0,
            "actions": 0,
            "cap_kopecks": 0,
            "percent_of_cap": 0,
            "goal_reached": False,
            "children_helped": 0,
            "updated_at": timezone.now().isoformat(),
        }
    raised, actions = campaign_totals(campaign)
    return {
        "campaign": {"id": campaign.pk, "name": campaign.name},
        "raised_kopecks": raised,
        "raised_roubles": raised // 100,
        "actions": actions,
        "cap_kopecks": campaign.cap,
        "percent_of_cap": round(100 * raised / campaign.cap, 2) if campaign.cap else 0,
        "goal_reached": raised + min(campaign.rate_work_approved, campaign.rate_like, campaign.rate_repost)
        > campaign.cap,
        "children_helped": children_helped(campaign),
        "updated_at": timezone.now().isoformat(),
    }


# --- an account's actions -----------------------------------------------------------------------


def raised_by(user):
    """What this account's own actions raised, in kopecks (compensations included)."""
    return LedgerEntry.objects.filter(actor_user=user).aggregate(total=Sum("amount"))["total"] or 0


def like_stands(actor, target):
    """Whether `actor` has a counted-or-recorded like standing on `target`."""
    actor_fields, label = actor_identity(actor)
    if label is None:
        return False
    return LedgerEntry.objects.filter(
        **actor_fields,
        kind=ActionKind.LIKE,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        reverses__isnull=True,
        reversal__isnull=True,
    ).exists()


@dataclass(frozen=True)
class LikeWorth:
    """What a standing like earns: `state` is "warming" (its rouble comes at `counts_from`),
    "rouble" (`amount` kopecks recorded), "over_cap" (recorded with 0: the account's daily cap
    was reached), "unpaid" (recorded with 0: no campaign running, or its budget is spent) or
    "none" (no like stands)."""

    state: str
    amount: int = 0
    counts_from: datetime | None = None


def like_worth(actor, target):
    """What `actor`'s like of `target` earns now (LikeWorth), for the honest message after a like."""
    actor_fields, label = actor_identity(actor)
    if label is None:
        return LikeWorth("none")
    target_type = ContentType.objects.get_for_model(target)
    if actor_fields["actor_user_id"] is not None:
        warming = WarmingLike.objects.filter(
            actor_user_id=actor_fields["actor_user_id"], target_type=target_type, target_id=target.pk
        ).first()
        if warming is not None:
            return LikeWorth("warming", counts_from=warming.counts_from)
    entry = (
        LedgerEntry.objects.filter(
            **actor_fields,
            kind=ActionKind.LIKE,
            target_type=target_type,
            target_id=target.pk,
            reverses__isnull=True,
            reversal__isnull=True,
        )
        .order_by("-pk")
        .first()
    )
    if entry is None:
        return LikeWorth("none")
    if entry.amount > 0:
        return LikeWorth("rouble", amount=entry.amount)
    if entry.campaign_id is None:
        return LikeWorth("unpaid")
    start = datetime.combine(entry.created_at.astimezone(UTC).date(), time.min, tzinfo=UTC)
    counted = LedgerEntry.objects.filter(
        **actor_fields,
        created_at__gte=start,
        created_at__lt=start + timedelta(days=1),
        reverses__isnull=True,
        amount__gt=0,
    ).count()
    return LikeWorth("over_cap" if counted >= settings.ENGAGEMENT_DAILY_ACTION_CAP else "unpaid")


# --- transparency and reports -------------------------------------------------------------------


def published_digests():
    """The published daily digests of the ledger, newest first (without their Merkle blocks)."""
    return DailyDigest.objects.order_by("-day").defer("chunk_first_ids", "chunk_roots")


def transparency():
    """Per campaign (season): raised, transferred, children helped and the public beneficiaries
    (consented and verified) with what they received. Only public fields leave this function."""
    campaigns = list(Campaign.objects.select_related("season").order_by("-starts_at"))
    raised = dict(CounterSlot.objects.values("campaign").annotate(**_raised()).values_list("campaign", "raised"))
    transferred = {row["campaign"]: row for row in Transfer.objects.values("campaign").annotate(**_transferred())}
    received = {
        (row["campaign"], row["beneficiary"]): row["total"]
        for row in Transfer.objects.values("campaign", "beneficiary").annotate(total=Sum("amount"))
    }
    public = {
        beneficiary.pk: beneficiary
        for beneficiary in Beneficiary.objects.filter(
            consent_to_publish=True, verified_on__isnull=False
        ).select_related("region", "foundation")
    }
    seasons = []
    for campaign in campaigns:
        row = transferred.get(campaign.pk, {})
        seasons.append(
            {
                "campaign": campaign.name,
                "season": campaign.season.name if campaign.season else None,
                "starts_at": campaign.starts_at.isoformat(),
                "ends_at": campaign.ends_at.isoformat(),
                "raised_kopecks": raised.get(campaign.pk) or 0,
                "transferred_kopecks": row.get("transferred") or 0,
                "children_helped": row.get("children") or 0,
                "beneficiaries": [
                    {
                        "first_name": beneficiary.first_name,
                        "age": beneficiary.age,
                        "region": beneficiary.region.name,
                        "diagnosis": beneficiary.diagnosis,
                        "foundation": beneficiary.foundation.title,
                        "amount_needed_kopecks": beneficiary.amount_needed,
                        "received_kopecks": total,
                    }
                    for (campaign_id, beneficiary_id), total in sorted(received.items())
                    if campaign_id == campaign.pk and (beneficiary := public.get(beneficiary_id))
                ],
            }
        )
    return seasons


def ledger_by_month(campaign):
    """The campaign's ledger per Moscow month, oldest first: [{month, amount, actions, reposts}],
    where `actions` and `reposts` are net (a compensation cancels the action it reverses).

    Exactly the sum of the entries, read cheaply: digested days from their stored totals, the days
    after the last digest from their running totals (LedgerRecentTotal, brought forward every few
    minutes), and only the entries past the tally's mark (the last minutes, and imports dated
    earlier) from the entries themselves, by the time and id indexes. The tally's shared lock keeps
    its totals and mark as they are while they are read."""
    from engagement.services import sql  # noqa: PLC0415 (here: the services package imports this module)

    moscow = timezone.get_default_timezone()  # months are Moscow months (TIME_ZONE)
    repost = Q(kind=ActionKind.REPOST)
    # No savepoint: inside a caller's transaction the lock holds until it ends, which is enough.
    with transaction.atomic(savepoint=False):
        sql.lock_shared(sql.TALLY_LOCK)
        last = DailyDigest.objects.order_by("-day").values_list("day", flat=True).first()
        mark = LedgerTally.objects.first()
        entries = LedgerEntry.objects.filter(campaign=campaign)
        rolled_up = LedgerDayTotal.objects.none()
        recent = LedgerRecentTotal.objects.none()
        if last is not None:
            # Totals only up to `last` as read above: a digest published meanwhile leaves its day in
            # the later parts, so no day is counted twice.
            start = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
            entries = entries.filter(created_at__gte=start)
            rolled_up = LedgerDayTotal.objects.filter(campaign=campaign, day__lte=last)
        if mark is not None and (mark.from_day is None or (last is not None and mark.from_day <= last + timedelta(1))):
            recent = LedgerRecentTotal.objects.filter(campaign=campaign)
            if last is not None:
                recent = recent.filter(day__gt=last)
            # The tally holds the entries created before its time with an id up to its id: the rest
            # are those created since (time index), and those created before with a higher id (id
            # index; PostgreSQL ORs the two bitmaps).
            entries = entries.filter(
                Q(created_at__gte=mark.through_time) | Q(created_at__lt=mark.through_time, pk__gt=mark.through_id)
            )
        # One pass without grouping by kind (a FILTER for reposts is cheaper when there are many entries);
        # the three parts in one UNION ALL.
        parts = [
            entries.annotate(month=TruncMonth("created_at", tzinfo=moscow, output_field=DateField()))
            .values("month")
            .annotate(
                kopecks=Sum("amount"),
                originals=Count("pk") - Count("reverses"),
                reversals=Count("reverses"),
                repost_originals=Count("pk", filter=repost) - Count("reverses", filter=repost),
                repost_reversals=Count("reverses", filter=repost),
            )
            .order_by()
        ] + [
            totals.values("month")
            .annotate(
                kopecks=Sum("amount"),
                originals=Sum(F("entries") - F("compensations")),
                reversals=Sum("compensations"),
                repost_originals=Sum(F("entries") - F("compensations"), filter=repost, default=0),
                repost_reversals=Sum("compensations", filter=repost, default=0),
            )
            .order_by()
            for totals in (rolled_up, recent)
        ]
        months = {}
        for row in parts[0].union(*parts[1:], all=True).order_by():
            month = months.setdefault(row["month"], {"month": row["month"], "amount": 0, "actions": 0, "reposts": 0})
            # A compensation cancels one counted action: net = originals - compensations.
            month["amount"] += int(row["kopecks"])
            month["actions"] += int(row["originals"] - row["reversals"])
            month["reposts"] += int(row["repost_originals"] - row["repost_reversals"])
    return [months[month] for month in sorted(months)]


def recent_total_problems():
    """Differences between the running totals of the days not yet digested (LedgerRecentTotal)
    and a recount of the entries their mark stands for: ["LedgerRecentTotal (day, campaign, month,
    kind): в итогах (amount, entries, compensations) | по записям (…)"]. Empty when they are exact
    or nothing is tallied yet. Only the open days are compared (digested days' rows are dropped)."""
    mark = LedgerTally.objects.first()
    if mark is None:
        return []
    last = DailyDigest.objects.order_by("-day").values_list("day", flat=True).first()
    entries = LedgerEntry.objects.filter(
        campaign__isnull=False, created_at__lt=mark.through_time, pk__lte=mark.through_id
    )
    stored = LedgerRecentTotal.objects.filter(entries__gt=0)
    if last is not None:
        entries = entries.filter(created_at__gte=datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC))
        stored = stored.filter(day__gt=last)
    recounted = {
        (row["day"], row["campaign_id"], row["month"], row["kind"]): (
            row["amount"],
            row["entries"],
            row["compensations"],
        )
        for row in entries.annotate(
            day=TruncDate("created_at", tzinfo=UTC),
            month=TruncMonth("created_at", tzinfo=timezone.get_default_timezone(), output_field=DateField()),
        )
        .values("day", "campaign_id", "month", "kind")
        .annotate(amount=Sum("amount"), entries=Count("pk"), compensations=Count("reverses"))
        .order_by()
    }
    kept = {
        (row.day, row.campaign_id, row.month, row.kind): (row.amount, row.entries, row.compensations) for row in stored
    }
    return [
        f"LedgerRecentTotal {key}: в итогах {kept.get(key)} | по записям {recounted.get(key)}"
        for key in sorted(set(kept) | set(recounted), key=str)
        if kept.get(key) != recounted.get(key)
    ]


# --- reconciliation -----------------------------------------------------------------------------


@dataclass
class CampaignBalance:
    campaign_id: int
    name: str
    entries_amount: int
    slots_amount: int
    entries_actions: int
    slots_actions: int

    @property
    def balanced(self):
        return self.entries_amount == self.slots_amount and self.entries_actions == self.slots_actions


def reconcile():
    """Per campaign: the sum of entries against the sum of slots (amount and actions)."""
    entries = {
        row["campaign"]: row
        for row in LedgerEntry.objects.filter(campaign__isnull=False)
        .values("campaign")
        .annotate(
            amount=Sum("amount"),
            originals=Count("id", filter=Q(reverses__isnull=True)),
            reversals=Count("id", filter=Q(reverses__isnull=False)),
        )
    }
    slots = {
        row["campaign"]: row
        for row in CounterSlot.objects.values("campaign").annotate(amount=Sum("amount"), actions=Sum("actions"))
    }
    balances = []
    for campaign in Campaign.objects.order_by("pk"):
        entry, slot = entries.get(campaign.pk, {}), slots.get(campaign.pk, {})
        balances.append(
            CampaignBalance(
                campaign_id=campaign.pk,
                name=campaign.name,
                entries_amount=entry.get("amount") or 0,
                slots_amount=slot.get("amount") or 0,
                entries_actions=(entry.get("originals") or 0) - (entry.get("reversals") or 0),
                slots_actions=slot.get("actions") or 0,
            )
        )
    return balances
