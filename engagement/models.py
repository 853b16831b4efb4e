"""The engagement ledger: campaigns, append-only entries, counter slots, VK events, digests.

Money is integer kopecks everywhere. Entries are never changed or deleted (a PostgreSQL trigger
refuses it, and so do the models); a correction is a new compensating entry.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

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
    """A season's promise: so many kopecks per action, up to the sponsor's budget (the cap)."""

    name = models.CharField("название", max_length=200)
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

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from engagement.services import distribute_cap

        distribute_cap(self)

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
    )
    actor_vk_id = models.BigIntegerField("пользователь ВКонтакте", null=True, blank=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.BigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    amount = models.BigIntegerField("сумма, коп.")
    campaign = models.ForeignKey(
        Campaign, verbose_name="кампания", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
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
    created_at = models.DateTimeField("время", db_index=True)

    class Meta:
        verbose_name = "запись журнала"
        verbose_name_plural = "журнал действий"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["actor_user", "created_at"], name="ledger_actor_user_day"),
            models.Index(fields=["actor_vk_id", "created_at"], name="ledger_actor_vk_day"),
            models.Index(fields=["target_type", "target_id"], name="ledger_target"),
            models.Index(fields=["campaign", "amount"], name="ledger_campaign"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(actor_user__isnull=True) | Q(actor_vk_id__isnull=True), name="ledger_one_actor"
            ),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, amount__gte=0) | Q(reverses__isnull=False, amount__lte=0),
                name="ledger_sign_matches_role",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount / 100:.2f} ₽ ({self.key})"


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


class DailyDigest(AppendOnlyModel):
    """SHA-256 over one UTC day's entries and the previous day's digest: published history."""

    day = models.DateField("день (UTC)", unique=True)
    entries_count = models.PositiveIntegerField("записей")
    amount = models.BigIntegerField("сумма за день, коп.")
    previous = models.CharField("предыдущий хеш", max_length=64)
    digest = models.CharField("хеш", max_length=64)
    created_at = models.DateTimeField("опубликован", auto_now_add=True)

    class Meta:
        verbose_name = "ежедневный хеш журнала"
        verbose_name_plural = "ежедневные хеши журнала"
        ordering = ["day"]

    def __str__(self):
        return f"{self.day}: {self.digest}"
