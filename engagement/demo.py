"""Demo data for the engagement ledger: a campaign per season, VKontakte likes and reposts on the
project's posts (last season's backdated, this season's through the callback ingestion path), a
foundation with its beneficiaries and transfers, and the published daily digests. All people and
organisations are invented. Idempotent: every action has a fixed key or VK event id."""

import datetime
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import ngettext

from cms.models import HomePage, PartnerIndexPage, PartnerPage, Region, Season
from engagement.actors import VkActor
from engagement.models import Beneficiary, Campaign, FoundationCoordinator, Transfer, VkPost
from engagement.selectors import counter, reconcile
from engagement.services.digests import publish_digests, verify_digests
from engagement.services.foundations import save_transfer
from engagement.services.ledger import record_action
from engagement.services.vk import ingest_vk_events

DEMO_GROUP_ID = 218_500_000
SEASONS = [
    ("Сезон 2025/26", datetime.date(2025, 9, 1), datetime.date(2026, 5, 31), 50_000_000),
    ("Сезон 2026/27", datetime.date(2026, 9, 1), datetime.date(2027, 5, 31), 100_000_000),
]
CHILDREN = [
    ("Алиса", 6, "66", "врождённый порок сердца, нужна операция", 45_000_000, True),
    ("Тимур", 11, "02", "реабилитация после лечения лейкоза", 30_000_000, True),
    ("Ксения", 9, "25", "слуховые аппараты и занятия с сурдологом", 12_000_000, False),
]


def _at(day):
    return datetime.datetime.combine(day, datetime.time(12, 0), tzinfo=timezone.get_default_timezone())


def ensure_campaigns(stdout):
    """The demo campaigns of both seasons (idempotent). Apps whose demo records actions before this
    one runs (learning's approved works) may call it first, so those actions are worth money."""
    campaigns = []
    for name, starts_on, ends_on, cap in SEASONS:
        season = Season.objects.filter(starts_on__lte=starts_on + datetime.timedelta(days=30), ends_on__gte=ends_on)
        season = (
            season.first()
            or Season.objects.get_or_create(name=name, defaults={"starts_on": starts_on, "ends_on": ends_on})[0]
        )
        campaign = Campaign.objects.filter(season=season).first()
        if campaign is None:
            campaign = Campaign.objects.create(
                name=f"Рубль за действие — {season.name}",
                season=season,
                starts_at=timezone.make_aware(datetime.datetime.combine(season.starts_on, datetime.time.min)),
                ends_at=timezone.make_aware(
                    datetime.datetime.combine(season.ends_on + datetime.timedelta(days=1), datetime.time.min)
                ),
                cap=cap,
            )
        campaigns.append(campaign)
        stdout.write(f"Кампания: {campaign} (предел {campaign.cap // 100} ₽)")
    return campaigns


def _last_season_actions(campaign):
    """Backdated VK likes and reposts of last season (fixed keys: a second run finds them)."""
    rng = random.Random(2025)
    post, _ = VkPost.objects.get_or_create(group_id=DEMO_GROUP_ID, post_id=1)
    start = campaign.starts_at.astimezone(timezone.get_default_timezone()).date()
    for number in range(150):
        day = start + datetime.timedelta(days=rng.randrange(0, 260))
        kind = "repost" if number % 5 == 0 else "like"
        record_action(kind, VkActor(700_000 + number), post, f"demo:2025:{kind}:{number}", occurred_at=_at(day))


def _this_season_vk_events():
    """This season's likes, an unlike and reposts, as VKontakte delivers them to the callback."""
    events = []
    for number in range(40):
        events.append(
            {
                "type": "like_add",
                "group_id": DEMO_GROUP_ID,
                "event_id": f"demo2026like{number:04d}",
                "v": "5.199",
                "object": {
                    "liker_id": 800_000 + number,
                    "object_type": "post",
                    "object_owner_id": -DEMO_GROUP_ID,
                    "object_id": 2 + number % 3,
                    "post_id": 0,
                },
            }
        )
    events.append(
        {
            "type": "like_remove",
            "group_id": DEMO_GROUP_ID,
            "event_id": "demo2026unlike0001",
            "v": "5.199",
            "object": {"liker_id": 800_000, "object_type": "post", "object_owner_id": -DEMO_GROUP_ID, "object_id": 2},
        }
    )
    for number in range(10):
        events.append(
            {
                "type": "wall_repost",
                "group_id": DEMO_GROUP_ID,
                "event_id": f"demo2026repost{number:04d}",
                "v": "5.199",
                "object": {
                    "id": 50 + number,
                    "from_id": 900_000 + number,
                    "owner_id": 900_000 + number,
                    "date": 1_790_000_000,
                    "post_type": "post",
                    "text": "",
                    "copy_history": [{"id": 2, "owner_id": -DEMO_GROUP_ID, "from_id": -DEMO_GROUP_ID}],
                },
            }
        )
    return ingest_vk_events(events)


def _foundation(stdout):
    foundation = PartnerPage.objects.filter(kind="foundation").order_by("pk").first()
    if foundation is None:
        home = HomePage.objects.first()
        partners = PartnerIndexPage.objects.first()
        if partners is None:
            partners = home.add_child(instance=PartnerIndexPage(title="Партнёры", slug="partners"))
            partners.save_revision().publish()
        foundation = partners.add_child(
            instance=PartnerPage(
                title="Благотворительный фонд «Тёплые ладони»",
                slug="teplye-ladoni",
                kind="foundation",
                description="<p>Фонд оплачивает лечение и реабилитацию детей с тяжёлыми заболеваниями.</p>",
            )
        )
        foundation.save_revision().publish()
    stdout.write(f"Фонд: {foundation.title}")
    return foundation


def _document(title, text):
    """A demo document for a foundation's private file field (stored when the record is saved)."""
    return ContentFile(text.encode(), name=f"{title}.txt")


def _coordinator(foundation):
    user, created = get_user_model().objects.get_or_create(
        username="koordinator", defaults={"first_name": "Ольга", "last_name": "Фондова", "is_staff": True}
    )
    if created:
        if settings.DEBUG:
            user.set_password("koordinator")
        else:
            user.set_unusable_password()
        user.save()
    user.groups.add(Group.objects.get(name="Foundation coordinators"))
    FoundationCoordinator.objects.get_or_create(user=user, defaults={"foundation": foundation})


def _beneficiaries_and_transfers(stdout, foundation, campaign):
    verification = ("Заключение фонда о проверке (демо)", "Документы подопечных проверены фондом. Демо.")
    children = []
    for first_name, age, region_code, diagnosis, needed, consent in CHILDREN:
        child, _ = Beneficiary.objects.get_or_create(
            foundation=foundation,
            first_name=first_name,
            defaults={
                "age": age,
                "region": Region.objects.filter(code=region_code).first() or Region.objects.order_by("code").first(),
                "diagnosis": diagnosis,
                "amount_needed": needed,
                "verified_on": datetime.date(2026, 3, 1),
                "verification_document": _document(*verification),
                "consent_to_publish": consent,
            },
        )
        children.append(child)
    for number, (child, amount) in enumerate(zip(children, [6_000, 4_000, 2_000], strict=True), start=1):
        reference = f"ДЕМО-{number:03d}"
        if not Transfer.objects.filter(foundation=foundation, payment_reference=reference).exists():
            save_transfer(
                Transfer(
                    campaign=campaign,
                    foundation=foundation,
                    beneficiary=child,
                    amount=amount,
                    transferred_on=datetime.date(2026, 6, 10 + number),
                    payment_reference=reference,
                    # Each transfer's own report, so each has its own SHA-256 on the transparency page.
                    report_document=_document(
                        f"Отчёт фонда о расходовании, {reference} (демо)",
                        f"Перевод {reference}: {amount / 100:.2f} ₽ направлены на лечение ({child.first_name}). Демо.",
                    ),
                )
            )
    stdout.write(
        f"Подопечных фонда: {len(children)}, переводов: {Transfer.objects.filter(foundation=foundation).count()}"
    )


def load(stdout):
    last_season, this_season = ensure_campaigns(stdout)
    _last_season_actions(last_season)
    _this_season_vk_events()
    foundation = _foundation(stdout)
    _coordinator(foundation)
    _beneficiaries_and_transfers(stdout, foundation, last_season)
    published = publish_digests()
    figures = counter(this_season)
    count = figures["actions"]
    line = ngettext(
        "Counter: %(roubles)s ₽ for %(count)s action; new ledger hashes published: %(published)s",
        "Counter: %(roubles)s ₽ for %(count)s actions; new ledger hashes published: %(published)s",
        count,
    )
    stdout.write(line % {"roubles": figures["raised_roubles"], "count": count, "published": len(published)})
    if not all(balance.balanced for balance in reconcile()) or verify_digests():
        raise RuntimeError("Демо-данные журнала не сходятся: reconcile_ledger или verify_ledger_digests.")
