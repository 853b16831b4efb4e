"""Notifications: what a person is told (`Notification`), its delivery on each channel (`Delivery`,
one row per notification and channel) with every try logged (`DeliveryAttempt`), what each person
wants (`Preference`, `Profile`), where VK and Telegram messages reach them (`ChannelLink`) and the
editors' announcements to a segment (`Announcement`).

A notification knows its subject only generically (content type + id), like the ledger and the
certificates. Idempotency is a database constraint: one notification per recipient, kind, subject
and `key` (the key tells apart repeated reminders of one subject: the first and third day).
"""

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Kind(models.TextChoices):
    CONSENT_PENDING = "consent_pending", "согласие родителя ещё не дано"
    WORK_APPROVED = "work_approved", "работа одобрена"
    WORK_REJECTED = "work_rejected", "работа отклонена"
    JURY_COMMENT = "jury_comment", "комментарий жюри"
    RESULTS = "results", "итоги конкурса"
    CERTIFICATE_READY = "certificate_ready", "сертификат готов"
    NEW_LESSON = "new_lesson", "новый урок"
    EVENT_REMINDER = "event_reminder", "напоминание о мероприятии"
    DEADLINE_REMINDER = "deadline_reminder", "скоро закроется приём работ"
    ANNOUNCEMENT = "announcement", "объявления редакции"


class Channel(models.TextChoices):
    SITE = "site", "в кабинете"
    EMAIL = "email", "email"
    VK = "vk", "ВКонтакте"
    TELEGRAM = "telegram", "Telegram"


# Channels that push a message to a device: quiet hours, throttling and retries apply to these.
PUSHED_CHANNELS = (Channel.EMAIL, Channel.VK, Channel.TELEGRAM)


class Notification(models.Model):
    """One thing one person is told. A recipient is an account, or only an email address (a guardian
    who has not confirmed consent yet has no account)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="получатель",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    email = models.EmailField("email без аккаунта", blank=True)
    kind = models.CharField("вид", max_length=24, choices=Kind)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    key = models.CharField("ключ повтора", max_length=32, blank=True, default="")
    title = models.CharField("заголовок", max_length=200)
    body = models.TextField("текст")
    url = models.CharField("ссылка", max_length=500, blank=True)
    child = models.BooleanField(
        "получатель — ребёнок", default=False, help_text="Тихие часы 22:00–08:00 по времени региона."
    )
    time_zone = models.CharField("часовой пояс получателя", max_length=40, blank=True)
    created_at = models.DateTimeField("создано", default=timezone.now, db_index=True)
    read_at = models.DateTimeField("прочитано", null=True, blank=True)

    class Meta:
        verbose_name = "уведомление"
        verbose_name_plural = "уведомления"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "target_type", "target_id", "key"],
                condition=Q(recipient__isnull=False),
                name="one_notification_per_recipient_kind_target",
            ),
            models.UniqueConstraint(
                fields=["email", "kind", "target_type", "target_id", "key"],
                condition=Q(recipient__isnull=True),
                name="one_notification_per_email_kind_target",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(email=""), name="notification_has_recipient"
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"], name="unread_notifications_idx", condition=Q(read_at__isnull=True)
            ),
        ]

    def __str__(self):
        return self.title


class Delivery(models.Model):
    """A notification on one channel: waiting (until `next_try_at`; a worker sending it holds it
    until `lease_until`), sent, or failed for good. Fallbacks to email are deliveries of their own
    (`fallback_of`)."""

    class Status(models.TextChoices):
        PENDING = "pending", "ждёт отправки"
        SENT = "sent", "доставлено"
        FAILED = "failed", "не доставлено"
        DIGEST = "digest", "ждёт еженедельной сводки"

    notification = models.ForeignKey(
        Notification, verbose_name="уведомление", on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField("канал", max_length=12, choices=Channel)
    status = models.CharField("состояние", max_length=12, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("попыток", default=0)
    next_try_at = models.DateTimeField("следующая попытка", default=timezone.now)
    lease_until = models.DateTimeField("занято до", null=True, blank=True)
    sent_at = models.DateTimeField("доставлено", null=True, blank=True)
    last_error = models.TextField("последняя ошибка", blank=True)
    fallback_of = models.ForeignKey(
        "self", verbose_name="замена доставки", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "доставка"
        verbose_name_plural = "доставки"
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="one_delivery_per_notification_channel"),
        ]
        indexes = [
            models.Index(fields=["next_try_at"], name="due_deliveries_idx", condition=Q(status="pending")),
        ]

    def __str__(self):
        return f"{self.notification} → {self.get_channel_display()}"


class DeliveryAttempt(models.Model):
    """One try of one delivery, kept for staff: what the channel answered."""

    class Status(models.TextChoices):
        SENT = "sent", "доставлено"
        RETRY = "retry", "ошибка, будет повтор"
        FAILED = "failed", "ошибка, без повтора"

    delivery = models.ForeignKey(Delivery, verbose_name="доставка", on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveSmallIntegerField("попытка №")
    channel = models.CharField("канал", max_length=12, choices=Channel)
    status = models.CharField("итог", max_length=8, choices=Status)
    error = models.TextField("ошибка", blank=True)
    next_try_at = models.DateTimeField("следующая попытка", null=True, blank=True)
    created_at = models.DateTimeField("когда", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "попытка доставки"
        verbose_name_plural = "попытки доставки"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="one_attempt_per_delivery_number"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} №{self.number}: {self.get_status_display()}"


class Preference(models.Model):
    """A person's choice for one kind on one channel; without a row the channel's default holds
    (see `services.preferences.default_enabled`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField("вид", max_length=24, choices=Kind)
    channel = models.CharField("канал", max_length=12, choices=Channel)
    enabled = models.BooleanField("включено")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "настройка уведомлений"
        verbose_name_plural = "настройки уведомлений"
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="one_preference_per_user_kind_channel"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.get_channel_display()}: {'да' if self.enabled else 'нет'}"


class EmailOptOut(models.Model):
    """An address without an account unsubscribed from one kind by the link in a letter."""

    email = models.EmailField()
    kind = models.CharField("вид", max_length=24, choices=Kind)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "отписка адреса"
        verbose_name_plural = "отписки адресов"
        constraints = [models.UniqueConstraint(fields=["email", "kind"], name="one_opt_out_per_email_kind")]

    def __str__(self):
        return f"{self.email}: {self.get_kind_display()}"


class Profile(models.Model):
    """A person's settings that are not per kind."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    weekly_digest = models.BooleanField(
        "письма раз в неделю", default=False, help_text="Вместо отдельных писем — одна сводка по понедельникам."
    )

    class Meta:
        verbose_name = "профиль уведомлений"
        verbose_name_plural = "профили уведомлений"

    def __str__(self):
        return f"профиль уведомлений #{self.user_id}"


def new_link_token():
    return secrets.token_urlsafe(24)


class ChannelLink(models.Model):
    """Where VK or Telegram messages reach a person. VK: the VK user id, and whether that person
    allowed messages from the community (VK's `message_allow` / `message_deny` callbacks). Telegram:
    the chat id, learned when the person opens the bot by the deep link carrying `token`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_links")
    channel = models.CharField("канал", max_length=12, choices=Channel)
    address = models.CharField("id в VK или чат Telegram", max_length=32, blank=True)
    allowed = models.BooleanField("сообщения разрешены", default=False)
    token = models.CharField(max_length=64, unique=True, default=new_link_token, editable=False)
    linked_at = models.DateTimeField("подключено", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "подключённый мессенджер"
        verbose_name_plural = "подключённые мессенджеры"
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="one_link_per_user_channel"),
            models.UniqueConstraint(
                fields=["channel", "address"], condition=~Q(address=""), name="one_account_per_messenger_address"
            ),
            models.CheckConstraint(condition=Q(channel__in=["vk", "telegram"]), name="channel_link_is_messenger"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.address}"

    @property
    def usable(self):
        return bool(self.address) and self.allowed


class Announcement(models.Model):
    """An editors' message to a segment, sent by the worker at a throttled pace with its progress."""

    class Status(models.TextChoices):
        DRAFT = "draft", "черновик"
        QUEUED = "queued", "в очереди"
        SENDING = "sending", "рассылается"
        DONE = "done", "разослано"

    class Audience(models.TextChoices):
        STUDENTS = "students", "ученики"
        GUARDIANS = "guardians", "родители"

    title = models.CharField("заголовок", max_length=200)
    body = models.TextField("текст")
    url = models.CharField("ссылка", max_length=500, blank=True)
    audience = models.CharField("кому", max_length=12, choices=Audience, default=Audience.STUDENTS)
    direction = models.ForeignKey(
        "cms.DirectionPage",
        verbose_name="направление",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Участники, отправившие работу в этом направлении.",
    )
    season = models.ForeignKey(
        "cms.Season",
        verbose_name="сезон",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Участники, отправившие работу в этом сезоне.",
    )
    region = models.ForeignKey(
        "cms.Region", verbose_name="регион", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField("состояние", max_length=8, choices=Status, default=Status.DRAFT)
    total = models.PositiveIntegerField("получателей", default=0)
    done = models.PositiveIntegerField("обработано", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("создано", default=timezone.now)
    started_at = models.DateTimeField("начато", null=True, blank=True)
    finished_at = models.DateTimeField("завершено", null=True, blank=True)

    class Meta:
        verbose_name = "объявление"
        verbose_name_plural = "объявления"
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else (100 if self.status == "done" else 0)
