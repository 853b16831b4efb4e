"""The engagement ledger: campaigns, append-only entries, counter slots, VK events, digests.

Money is integer kopecks everywhere. Entries are never changed or deleted (a PostgreSQL trigger
refuses it, and so do the models); a correction is a new compensating entry.
"""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.text import get_valid_filename
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import BaseLogEntry
from wagtail.models.audit_log import ModelLogEntryManager

from engagement.forms import roubles_label
from engagement.receipts import ReceiptCode
from media_pipeline.storage import private_storage

SLOT_COUNT = 32


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an append-only record."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__}: записи журнала нельзя изменять.")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__}: записи журнала нельзя удалять.")


class AppendOnlyModel(models.Model):
    """Saves only once; refuses update and delete (the database refuses them too)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__}: записи журнала нельзя изменять.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__}: записи журнала нельзя удалять.")


class ActionKind(models.TextChoices):
    WORK_APPROVED = "work_approved", "работа принята"
    LIKE = "like", "лайк"
    REPOST = "repost", "репост ВКонтакте"


class Campaign(models.Model):
    """A season's promise: so many kopecks per action, up to the sponsor's budget (the cap). Saving
    one shares the cap among its counter slots (engagement.receivers)."""

    name = models.CharField("название", max_length=200)
    season = models.OneToOneField(
        "cms.Season", verbose_name="сезон", null=True, blank=True, on_delete=models.PROTECT, related_name="campaign"
    )
    starts_at = models.DateTimeField("начало")
    ends_at = models.DateTimeField("окончание")
    rate_work_approved = models.PositiveIntegerField("за принятую работу, коп.", default=100)
    rate_like = models.PositiveIntegerField("за лайк, коп.", default=100)
    rate_repost = models.PositiveIntegerField("за репост, коп.", default=100)
    cap = models.PositiveBigIntegerField("бюджет спонсора (предел), коп.")

    class Meta:
        verbose_name = "кампания"
        verbose_name_plural = "кампании"
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="campaign_ends_after_start"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "Окончание кампании должно быть позже начала."})

    def rate_for(self, kind):
        return {
            ActionKind.WORK_APPROVED: self.rate_work_approved,
            ActionKind.LIKE: self.rate_like,
            ActionKind.REPOST: self.rate_repost,
        }[kind]


class CounterSlot(models.Model):
    """One of a campaign's SLOT_COUNT running totals; writers pick one at random, so no row is hot.

    Each slot also holds a share of the cap (`budget`); a slot never goes past its budget and the
    budgets always add up to the cap, so the cap holds without a global lock.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="slots")
    number = models.PositiveSmallIntegerField()
    amount = models.BigIntegerField(default=0)
    actions = models.BigIntegerField(default=0)
    budget = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "ячейка счётчика"
        verbose_name_plural = "ячейки счётчика"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="counter_slot_unique_number"),
            models.CheckConstraint(condition=Q(amount__lte=models.F("budget")), name="counter_slot_within_budget"),
        ]

    def __str__(self):
        return f"{self.campaign_id}/{self.number}: {self.amount} из {self.budget}"


class VkPost(models.Model):
    """A post on one of the project's VKontakte community walls: the target of VK likes and reposts."""

    group_id = models.BigIntegerField("сообщество")
    post_id = models.BigIntegerField("запись")

    class Meta:
        verbose_name = "запись ВКонтакте"
        verbose_name_plural = "записи ВКонтакте"
        constraints = [models.UniqueConstraint(fields=["group_id", "post_id"], name="vk_post_unique")]

    def __str__(self):
        return f"https://vk.com/wall-{self.group_id}_{self.post_id}"


class LedgerEntry(AppendOnlyModel):
    """One counted action (or its compensation). Amount in kopecks; negative for compensations."""

    kind = models.CharField("действие", max_length=20, choices=ActionKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="аккаунт",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_index=False,  # covered by ledger_actor_user_day
    )
    actor_vk_id = models.BigIntegerField("пользователь ВКонтакте", null=True, blank=True)
    # No database FK: content types are never deleted, and a per-row check would slow bulk ingestion.
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    target_id = models.BigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    amount = models.BigIntegerField("сумма, коп.")
    # No index of its own: only reconciliation (a full scan anyway) reads entries by campaign. No
    # database FK either: its per-row check locks the campaign row (FOR KEY SHARE) on every insert,
    # a hot row in disguise; campaigns are never deleted (PROTECT in the ORM).
    campaign = models.ForeignKey(
        Campaign,
        verbose_name="кампания",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
        db_constraint=False,
    )
    key = models.CharField("ключ идемпотентности", max_length=200, unique=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name="компенсирует",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
    )
    reason = models.CharField("причина компенсации", max_length=200, blank=True)
    # Indexed by migration 0006: BRIN on PostgreSQL (entries arrive in time order), B-tree elsewhere.
    created_at = models.DateTimeField("время")
    # Computed by the database from the id on every insert, however the row is written (receipts.py).
    receipt = models.GeneratedField(
        verbose_name="код чека",
        expression=ReceiptCode("id"),
        output_field=models.CharField(max_length=8),
        db_persist=True,
    )

    class Meta:
        verbose_name = "запись журнала"
        verbose_name_plural = "журнал действий"
        ordering = ["id"]
        permissions = [("void_account", "Может аннулировать все действия аккаунта")]
        indexes = [
            # Partial: most rows have only one kind of actor, so each index stays small and cheap.
            models.Index(
                fields=["actor_user", "created_at"],
                name="ledger_actor_user_day",
                condition=Q(actor_user__isnull=False),
            ),
            models.Index(
                fields=["actor_vk_id", "created_at"], name="ledger_actor_vk_day", condition=Q(actor_vk_id__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(actor_user__isnull=True) | Q(actor_vk_id__isnull=True), name="ledger_one_actor"
            ),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, amount__gte=0) | Q(reverses__isnull=False, amount__lte=0),
                name="ledger_sign_matches_role",
            ),
            # A constraint rather than unique=True: no second (LIKE) index to keep on every insert.
            models.UniqueConstraint(fields=["receipt"], name="ledger_receipt_unique"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount / 100:.2f} ₽ ({self.key})"


class WarmingLike(models.Model):
    """A like of an account still in its warm-up (settings.ENGAGEMENT_LIKE_WARMUP_HOURS after it was
    created). The like shows at once; its rouble enters the ledger, under `key`, when
    `count_warmed_up_likes` runs after `counts_from`. Withdrawn before that, the row is deleted and
    the like earns nothing. Not part of the ledger: rows are deleted once counted or withdrawn."""

    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="аккаунт", on_delete=models.CASCADE, related_name="+"
    )
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.BigIntegerField()
    key = models.CharField("ключ идемпотентности", max_length=200, unique=True)
    liked_at = models.DateTimeField("лайк поставлен")
    counts_from = models.DateTimeField("засчитывается с", db_index=True)

    class Meta:
        verbose_name = "лайк нового аккаунта"
        verbose_name_plural = "лайки новых аккаунтов"
        constraints = [
            models.UniqueConstraint(fields=["actor_user", "target_type", "target_id"], name="warming_like_unique"),
        ]

    def __str__(self):
        return f"{self.key} (с {self.counts_from:%Y-%m-%d %H:%M})"


class VkEvent(models.Model):
    """A delivered VKontakte callback event; the unique pair makes redelivery harmless."""

    group_id = models.BigIntegerField()
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=50)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "событие ВКонтакте"
        verbose_name_plural = "события ВКонтакте"
        constraints = [models.UniqueConstraint(fields=["group_id", "event_id"], name="vk_event_unique")]

    def __str__(self):
        return f"{self.group_id}/{self.event_id} ({self.type})"


class VkInboxEvent(models.Model):
    """A like or repost event VKontakte delivered and was answered "ok" for, waiting to become
    ledger entries: the callback only stores its parsed fields here (one insert, the pair as the
    key: a redelivery meanwhile adds nothing), and drain_vk_inbox turns the waiting events into
    entries a batch at a time, in the order they arrived (engagement/services/vk.py)."""

    pk = models.CompositePrimaryKey("group_id", "event_id")
    group_id = models.BigIntegerField("сообщество")
    event_id = models.CharField("событие", max_length=100)
    type = models.CharField("тип", max_length=50)
    op = models.CharField("действие", max_length=10)
    vk_id = models.BigIntegerField("пользователь ВКонтакте")
    post_id = models.BigIntegerField("запись")
    received_at = models.DateTimeField("получено")

    class Meta:
        verbose_name = "событие ВКонтакте в очереди"
        verbose_name_plural = "события ВКонтакте в очереди"
        # The drain takes the oldest first through this index: it reads only the waiting rows, however
        # many removed ones the table holds until it is vacuumed.
        indexes = [models.Index(fields=["received_at"], name="vk_inbox_received_at")]

    def __str__(self):
        return f"{self.group_id}/{self.event_id} ({self.type})"


class DailyDigest(AppendOnlyModel):
    """One UTC day's published digest, chained to the previous day's.

    Rule 1 (days published before Merkle trees): SHA-256 over the previous digest and the day's
    entries. Rule 2: SHA-256 over the previous digest, the day, its totals, the Merkle root of the
    day's public lines and the root of the transfers recorded that day, signed with the platform's
    Ed25519 key (engagement/services/publication.py). A day keeps the rule it was published under."""

    class Rule(models.IntegerChoices):
        PLAIN_CHAIN = 1, "цепочка SHA-256"
        MERKLE_SIGNED = 2, "дерево Меркла, подпись Ed25519"

    day = models.DateField("день (UTC)", unique=True)
    entries_count = models.PositiveIntegerField("записей")
    amount = models.BigIntegerField("сумма за день, коп.")
    previous = models.CharField("предыдущий хеш", max_length=64)
    digest = models.CharField("хеш", max_length=64)
    created_at = models.DateTimeField("опубликован", auto_now_add=True)
    version = models.PositiveSmallIntegerField("правило", choices=Rule.choices, default=Rule.PLAIN_CHAIN)
    root = models.CharField("корень дерева Меркла", max_length=64, blank=True)
    transfers_root = models.CharField("корень переводов дня", max_length=64, blank=True)
    signature = models.CharField("подпись Ed25519 (hex)", max_length=128, blank=True)
    # What a receipt's proof needs without rereading the day: the first entry id of each block of
    # chunk_size leaves (8 bytes each) and each block's root (32 bytes each).
    chunk_size = models.PositiveIntegerField("записей в блоке", default=0, editable=False)
    chunk_first_ids = models.BinaryField("первые записи блоков", default=b"", editable=False)
    chunk_roots = models.BinaryField("корни блоков", default=b"", editable=False)

    class Meta:
        verbose_name = "ежедневный хеш журнала"
        verbose_name_plural = "ежедневные хеши журнала"
        ordering = ["day"]

    def __str__(self):
        return f"{self.day}: {self.digest}"


class LedgerDaySums(models.Model):
    """A UTC day's entries of one campaign, one kind and one Moscow month, summed: the columns the
    digested days' totals (LedgerDayTotal) and the running ones (LedgerRecentTotal) share."""

    day = models.DateField("день (UTC)")
    campaign = models.ForeignKey(
        Campaign, verbose_name="кампания", on_delete=models.PROTECT, related_name="+", db_index=False
    )  # led by the unique constraint
    month = models.DateField("месяц (по Москве)")
    kind = models.CharField("действие", max_length=20, choices=ActionKind.choices)
    amount = models.BigIntegerField("сумма, коп.")
    entries = models.PositiveIntegerField("записей")
    compensations = models.PositiveIntegerField("из них компенсаций")

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.day} {self.campaign_id} {self.month:%Y-%m} {self.kind}: {self.amount}"


class LedgerDayTotal(LedgerDaySums, AppendOnlyModel):
    """A digested UTC day's entries of one campaign, one kind and one Moscow month, summed.

    Written with the day's DailyDigest, in the same transaction: once a day is digested no entry may
    enter it, so its totals never change and reports add these few rows up instead of the entries.
    A UTC day straddles two Moscow dates (21:00 UTC is midnight in Moscow), so on a month's last day
    it has rows for two months."""

    class Meta:
        verbose_name = "итог дня журнала"
        verbose_name_plural = "итоги дней журнала"
        ordering = ["day", "campaign", "month", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "day", "month", "kind"], name="ledger_day_total_unique"),
        ]


class LedgerTally(models.Model):
    """How far the running totals of the days not yet digested (LedgerRecentTotal) reach. One row.

    They hold exactly the entries with a campaign from `from_day` (the first day not digested when
    tallied; None: every day) that were created before `through_time` and have an id up to
    `through_id`: a set the entries' own columns define, so a reader adds to them only the entries
    created since `through_time`, and those created earlier with a higher id (an import of an
    earlier hour), both found by an index. `through_time` lags the clock by the digests' grace, so
    no late commit can land before it (the rule the daily digests keep); imports hold the tally's
    lock (shared) while they write, so none is in flight while the tally reads (see
    engagement.services.digests.tally_recent_days)."""

    from_day = models.DateField("с дня (UTC)", null=True)
    through_time = models.DateTimeField("записи созданные до")
    through_id = models.BigIntegerField("записи с номером до")

    class Meta:
        verbose_name = "граница текущих итогов журнала"
        verbose_name_plural = "граница текущих итогов журнала"

    def __str__(self):
        return f"{self.from_day}…{self.through_time:%Y-%m-%d %H:%M} (до №{self.through_id})"


class LedgerRecentTotal(LedgerDaySums):
    """A not yet digested UTC day's entries of one campaign, one kind and one Moscow month, summed up
    to the tally's mark (LedgerTally). Brought forward every few minutes by the periodic task
    tally_recent_ledger_days, so the report reads today from a few rows instead of the day's
    entries; the rows of a day are dropped once its digest (and its LedgerDayTotal) is published."""

    class Meta:
        verbose_name = "текущий итог дня журнала"
        verbose_name_plural = "текущие итоги дней журнала"
        ordering = ["day", "campaign", "month", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "day", "month", "kind"], name="ledger_recent_total_unique"),
        ]


FOUNDATION = {"kind": "foundation"}
FOUNDATION_DOCUMENT_EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "docx", "odt", "txt"]


def foundation_document_storage():
    """Foundations' documents (a child's verification, a transfer's report) live in the private
    storage, never under /media/ nor in Wagtail's documents: the admin serves them only to the
    foundation's coordinators and editors (admin_views.foundation_document)."""
    return private_storage


def foundation_document_path(instance, filename):
    return f"foundations/{uuid.uuid4().hex}/{get_valid_filename(filename)[-100:]}"


def foundation_document_field(verbose_name):
    return models.FileField(
        verbose_name,
        upload_to=foundation_document_path,
        storage=foundation_document_storage,
        max_length=300,
        blank=True,
        validators=[FileExtensionValidator(FOUNDATION_DOCUMENT_EXTENSIONS)],
        help_text="Закрытый файл: его видят только координаторы этого фонда и редакторы.",
    )


class FoundationCoordinator(models.Model):
    """Links an admin account to the one foundation whose beneficiaries and transfers it keeps."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="пользователь", on_delete=models.CASCADE, related_name="coordinator"
    )
    foundation = models.ForeignKey(
        "cms.PartnerPage",
        verbose_name="фонд",
        on_delete=models.CASCADE,
        limit_choices_to=FOUNDATION,
        related_name="coordinators",
    )

    class Meta:
        verbose_name = "координатор фонда"
        verbose_name_plural = "координаторы фондов"

    def __str__(self):
        return f"{self.user} — {self.foundation}"


class Beneficiary(ClusterableModel):
    """A child a foundation helps. Public only with consent and once verified; public fields are the
    first name, age, region, a short diagnosis and the amounts."""

    foundation = models.ForeignKey(
        "cms.PartnerPage",
        verbose_name="фонд",
        on_delete=models.PROTECT,
        limit_choices_to=FOUNDATION,
        related_name="beneficiaries",
    )
    first_name = models.CharField("имя ребёнка", max_length=50, help_text="Только имя, без фамилии.")
    age = models.PositiveSmallIntegerField("возраст", validators=[MaxValueValidator(18)])
    region = models.ForeignKey("cms.Region", verbose_name="регион", on_delete=models.PROTECT, related_name="+")
    diagnosis = models.CharField("кратко о диагнозе", max_length=200)
    amount_needed = models.PositiveBigIntegerField("нужно собрать, коп.")
    verified_on = models.DateField("проверено фондом", null=True, blank=True)
    verification_document = foundation_document_field("документ проверки")
    consent_to_publish = models.BooleanField("есть согласие на публикацию", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Wagtail builds «Добавить <verbose_name>», «<N> <plural>» and feminine messages («… создана»):
        # «запись о подопечном» reads right in all of them, where «подопечный» would not.
        verbose_name = "запись о подопечном"
        verbose_name_plural = "записи о подопечных"
        ordering = ["first_name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(age__lte=18), name="beneficiary_is_a_child"),
        ]

    def __str__(self):
        return f"{self.first_name}, {self.age} — {self.foundation}"

    def clean(self):
        if self.verified_on and not self.verification_document:
            raise ValidationError({"verification_document": "Приложите документ, которым фонд подтвердил проверку."})

    @property
    def is_public(self):
        return self.consent_to_publish and self.verified_on is not None


class BeneficiaryUpdate(models.Model):
    """«Что было дальше»: what a foundation tells the public about a helped child after the money
    arrived. Shown on the transparency page with the child's public fields, only while the child is
    public (consented and verified)."""

    beneficiary = ParentalKey(Beneficiary, verbose_name="подопечный", on_delete=models.CASCADE, related_name="updates")
    published_on = models.DateField("дата")
    text = models.TextField(
        "что было дальше",
        max_length=1500,
        help_text="Публикуется на странице «Куда идут деньги». Без фамилии, адреса, клиники и контактов.",
    )

    class Meta:
        verbose_name = "новость о подопечном"
        verbose_name_plural = "что было дальше"
        ordering = ["published_on", "pk"]

    def __str__(self):
        return f"{self.published_on}: {self.text[:50]}"


class Transfer(models.Model):
    """Money of a campaign paid through a foundation for one child. Transfers of a campaign never add
    up to more than it raised: services.save_transfer checks it, once, under a lock (the admin form
    saves through it and shows its refusal)."""

    campaign = models.ForeignKey(Campaign, verbose_name="кампания", on_delete=models.PROTECT, related_name="transfers")
    foundation = models.ForeignKey(
        "cms.PartnerPage",
        verbose_name="фонд",
        on_delete=models.PROTECT,
        limit_choices_to=FOUNDATION,
        related_name="transfers",
    )
    beneficiary = models.ForeignKey(
        Beneficiary, verbose_name="подопечный", on_delete=models.PROTECT, related_name="transfers"
    )
    amount = models.PositiveBigIntegerField("сумма, коп.")
    transferred_on = models.DateField("дата перевода")
    payment_reference = models.CharField("номер платёжного поручения", max_length=100)
    report_document = foundation_document_field("отчёт фонда")
    report_sha256 = models.CharField(
        "SHA-256 отчёта", max_length=64, blank=True, editable=False, help_text="Публикуется: по нему проверяют файл."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "перевод"
        verbose_name_plural = "переводы"
        ordering = ["-transferred_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
            models.UniqueConstraint(fields=["foundation", "payment_reference"], name="transfer_unique_reference"),
        ]

    def __str__(self):
        # «5 ₽ → Ксения, 6 декабря 2026», «5,50 ₽ → …»: as a Russian reads an amount and a date.
        when = date_format(self.transferred_on, "j E Y") if self.transferred_on else ""
        return f"{roubles_label(self.amount)} → {self.beneficiary.first_name}, {when}".rstrip(", ")


class FoundationLogManager(ModelLogEntryManager):
    def log_action(self, instance, action, **kwargs):
        kwargs["foundation_id"] = instance.foundation_id
        return super().log_action(instance, action, **kwargs)

    def viewable_by_user(self, user):
        """Entries of the records the user may see in the admin: a coordinator's own foundation's."""
        from engagement.selectors import own_foundation  # noqa: PLC0415 — engagement.selectors imports these models

        models_seen = [
            model for model in (Beneficiary, Transfer) if user.has_perm(f"engagement.view_{model._meta.model_name}")
        ]
        types = ContentType.objects.get_for_models(*models_seen).values()
        return own_foundation(self.filter(content_type__in=types), user)


class FoundationLogEntry(BaseLogEntry):
    """The admin's history of beneficiaries and transfers, kept apart from Wagtail's shared log so
    that history and the site history report show a coordinator only their own foundation's."""

    object_id = models.CharField(max_length=255, db_index=True)
    foundation = models.ForeignKey(
        "cms.PartnerPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = FoundationLogManager()

    class Meta(BaseLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        verbose_name = "запись истории фонда"
        verbose_name_plural = "история фондов"
