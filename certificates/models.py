"""Certificates and their design.

A certificate knows its holder (an account) and its subject only generically (content type + id:
a contest work, a masterclass), so this app serves whoever calls `services.issue_certificate()`.
What it prints is a snapshot taken when it was issued (or re-issued): a certificate is a document.
"""

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.models import Orderable, PreviewableMixin

from media_pipeline import storage as media_storage

# Crockford's base32 without I, L, O, U: a code read off paper and typed back stays unambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 random bits: codes cannot be guessed to list the holders


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text):
    """What a person typed (any case, dashes, spaces, O for 0, I/L for 1) as a stored code; "" when
    it cannot be one (wrong length or a character no code has)."""
    cleaned = "".join((text or "").split()).replace("-", "").upper()[: CODE_LENGTH * 2]
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(cleaned) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in cleaned):
        return ""
    return cleaned


def hours_text(hours):
    """Hours as a Russian reader writes them: 12, 4,5."""
    text = f"{hours:.1f}".replace(".", ",")
    return text.removesuffix(",0")


def private_storage():
    return media_storage.private_storage


def pdf_path(instance, filename):
    return f"certificates/{instance.season_id}/{instance.code}.pdf"


class Kind(models.TextChoices):
    PARTICIPANT = "participant", "участник конкурса"
    FINALIST = "finalist", "финалист конкурса"
    WINNER = "winner", "победитель конкурса"
    COMPLETION = "completion", "прохождение мастер-класса"
    VOLUNTEER = "volunteer", "волонтёрские часы"


class Certificate(models.Model):
    """One certificate of one holder for one subject and kind (a database constraint), numbered
    within its season (another constraint)."""

    Kind = Kind

    code = models.CharField("код проверки", max_length=CODE_LENGTH, unique=True, default=new_code, editable=False)
    season = models.ForeignKey("cms.Season", verbose_name="сезон", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField("номер в сезоне", editable=False)
    kind = models.CharField("вид", max_length=16, choices=Kind)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="владелец", on_delete=models.CASCADE, related_name="certificates"
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    direction = models.ForeignKey(
        "cms.DirectionPage",
        verbose_name="направление",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # As printed: a snapshot taken at issue and refreshed by a re-issue.
    first_name = models.CharField("имя", max_length=100, blank=True)
    surname = models.CharField("фамилия", max_length=100, blank=True)
    direction_name = models.CharField("направление", max_length=255, blank=True, help_text="Как напечатано.")
    title = models.CharField("задание или мастер-класс", max_length=255, blank=True)
    mentor_name = models.CharField("наставник", max_length=255, blank=True)
    hours = models.DecimalField(
        "часов волонтёрства",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Подтверждённые координаторами часы за сезон (только у сертификата волонтёра).",
    )
    issued_at = models.DateTimeField("выдан", default=timezone.now)
    reissued_at = models.DateTimeField("перевыпущен", null=True, blank=True)
    pdf = models.FileField("PDF", upload_to=pdf_path, storage=private_storage, max_length=200, blank=True)
    revoked_at = models.DateTimeField("отозван", null=True, blank=True)
    revoked_reason = models.TextField("причина отзыва", blank=True, help_text="Её видит любой, кто проверяет код.")
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто отозвал",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "сертификат"
        verbose_name_plural = "сертификаты"
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["season", "number"], name="certificate_number_unique_per_season"),
            models.UniqueConstraint(
                fields=["holder", "kind", "subject_type", "subject_id"], name="one_certificate_per_holder_kind_subject"
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, revoked_reason="")
                | (models.Q(revoked_at__isnull=False) & ~models.Q(revoked_reason="")),
                name="revoked_certificate_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="certificate_subject_idx")]
        permissions = [
            ("revoke_certificate", "Может отзывать сертификаты"),
            ("issue_certificates", "Может выпускать сертификаты сезона"),
        ]

    def __str__(self):
        return f"№ {self.display_number} — {self.get_kind_display()}"

    @property
    def display_number(self):
        """The number as printed: the season's years and the number within it, e.g. 2025/26-00042."""
        season = self.season
        return f"{season.starts_on.year}/{season.ends_on.year % 100:02d}-{self.number:05d}"

    display_number.fget.short_description = "номер"

    @property
    def is_valid(self):
        return self.revoked_at is None

    def validity(self):
        return "действителен" if self.is_valid else f"отозван {self.revoked_at:%d.%m.%Y}"

    validity.short_description = "состояние"

    @property
    def holder_name(self):
        return " ".join(part for part in (self.first_name, self.surname) if part)

    holder_name.fget.short_description = "кому"

    @property
    def public_name(self):
        """First name and surname initial: all the public verification page shows of the holder."""
        initial = f" {self.surname[:1].upper()}." if self.surname else ""
        return f"{self.first_name}{initial}" if self.first_name else ""

    @property
    def hours_display(self):
        return hours_text(self.hours) if self.hours is not None else ""

    @property
    def verify_path(self):
        return reverse("certificates:verify", args=[self.code])

    @property
    def verify_url(self):
        return settings.SITE_URL + self.verify_path


class SeasonNumbering(models.Model):
    """The last number given in a season. Issuing takes numbers by raising it under a row lock;
    the unique (season, number) constraint stands behind it."""

    season = models.OneToOneField("cms.Season", primary_key=True, on_delete=models.CASCADE, related_name="+")
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "нумерация сертификатов"
        verbose_name_plural = "нумерация сертификатов"

    def __str__(self):
        return f"{self.season}: {self.last_number}"


class CertificateBatch(models.Model):
    """An editor's issue (or re-issue) of a whole season's certificates, run by the task worker."""

    class Mode(models.TextChoices):
        ISSUE = "issue", "выпустить недостающие"
        REISSUE = "reissue", "перевыпустить все (новые тексты и оформление)"

    class Status(models.TextChoices):
        QUEUED = "queued", "в очереди"
        RUNNING = "running", "выполняется"
        DONE = "done", "готово"
        FAILED = "failed", "ошибка"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    season = models.ForeignKey("cms.Season", verbose_name="сезон", on_delete=models.CASCADE, related_name="+")
    mode = models.CharField("что сделать", max_length=8, choices=Mode, default=Mode.ISSUE)
    status = models.CharField("состояние", max_length=8, choices=Status, default=Status.QUEUED)
    total = models.PositiveIntegerField("всего", default=0)
    done = models.PositiveIntegerField("обработано", default=0)
    issued = models.PositiveIntegerField("выпущено новых", default=0)
    reissued = models.PositiveIntegerField("перевыпущено", default=0)
    error = models.TextField("ошибка", blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="кто запустил", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("создан", auto_now_add=True)
    finished_at = models.DateTimeField("завершён", null=True, blank=True)

    class Meta:
        verbose_name = "выпуск сертификатов"
        verbose_name_plural = "выпуски сертификатов"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["season"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_batch_per_season",
            ),
            models.CheckConstraint(condition=models.Q(done__lte=models.F("total")), name="batch_done_within_total"),
        ]

    def __str__(self):
        return f"{self.season}: {self.get_mode_display()}"

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else (100 if self.status == "done" else 0)


class DesignPartner(Orderable):
    design = ParentalKey("certificates.CertificateDesign", related_name="partners", on_delete=models.CASCADE)
    partner = models.ForeignKey("cms.PartnerPage", verbose_name="партнёр", on_delete=models.CASCADE, related_name="+")

    panels = [PageChooserPanel("partner", "cms.PartnerPage")]

    class Meta(Orderable.Meta):
        verbose_name = "логотип партнёра"
        verbose_name_plural = "логотипы партнёров"


DEFAULT_TEXTS = {
    Kind.PARTICIPANT: ("Сертификат участника", "участник творческого конкурса проекта «Поколение М»"),
    Kind.FINALIST: ("Диплом финалиста", "финалист творческого конкурса: работа вошла в шорт-лист жюри"),
    Kind.WINNER: ("Диплом победителя", "победитель творческого конкурса проекта «Поколение М»"),
    Kind.COMPLETION: (
        "Сертификат о прохождении мастер-класса",
        "мастер-класс пройден полностью: просмотрены все уроки",
    ),
    Kind.VOLUNTEER: (
        "Сертификат волонтёра",
        "волонтёр офлайн-мероприятий проекта «Поколение М»; часы подтверждены координаторами",
    ),
}


class CertificateDesign(PreviewableMixin, ClusterableModel):
    """How a season's certificates look, for one direction or (without one) for all of them:
    the texts of each kind, who signs and their signature, the partners whose logos are printed.
    Preview shows a sample PDF."""

    season = models.ForeignKey("cms.Season", verbose_name="сезон", on_delete=models.CASCADE, related_name="+")
    direction = models.ForeignKey(
        "cms.DirectionPage",
        verbose_name="направление",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Пусто — оформление для всех направлений сезона, у которых нет своего.",
    )
    participant_heading = models.CharField("заголовок", max_length=80, default=DEFAULT_TEXTS[Kind.PARTICIPANT][0])
    participant_text = models.CharField("текст", max_length=200, default=DEFAULT_TEXTS[Kind.PARTICIPANT][1])
    finalist_heading = models.CharField("заголовок", max_length=80, default=DEFAULT_TEXTS[Kind.FINALIST][0])
    finalist_text = models.CharField("текст", max_length=200, default=DEFAULT_TEXTS[Kind.FINALIST][1])
    winner_heading = models.CharField("заголовок", max_length=80, default=DEFAULT_TEXTS[Kind.WINNER][0])
    winner_text = models.CharField("текст", max_length=200, default=DEFAULT_TEXTS[Kind.WINNER][1])
    completion_heading = models.CharField("заголовок", max_length=80, default=DEFAULT_TEXTS[Kind.COMPLETION][0])
    completion_text = models.CharField("текст", max_length=200, default=DEFAULT_TEXTS[Kind.COMPLETION][1])
    volunteer_heading = models.CharField("заголовок", max_length=80, default=DEFAULT_TEXTS[Kind.VOLUNTEER][0])
    volunteer_text = models.CharField("текст", max_length=200, default=DEFAULT_TEXTS[Kind.VOLUNTEER][1])
    signatory_name = models.CharField(
        "подписывает",
        max_length=120,
        blank=True,
        help_text="Пусто — наставник мастер-класса или куратор направления.",
    )
    signatory_role = models.CharField("должность подписывающего", max_length=120, default="наставник направления")
    signature = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name="подпись",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Скан подписи на белом или прозрачном фоне (PNG).",
    )
    footer = models.CharField("мелкий текст внизу", max_length=300, blank=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    panels = [
        FieldPanel("season"),
        FieldPanel("direction"),
        MultiFieldPanel([FieldPanel("participant_heading"), FieldPanel("participant_text")], heading="Участник"),
        MultiFieldPanel([FieldPanel("finalist_heading"), FieldPanel("finalist_text")], heading="Финалист"),
        MultiFieldPanel([FieldPanel("winner_heading"), FieldPanel("winner_text")], heading="Победитель"),
        MultiFieldPanel(
            [FieldPanel("completion_heading"), FieldPanel("completion_text")], heading="Прохождение мастер-класса"
        ),
        MultiFieldPanel([FieldPanel("volunteer_heading"), FieldPanel("volunteer_text")], heading="Волонтёр"),
        MultiFieldPanel(
            [FieldPanel("signatory_name"), FieldPanel("signatory_role"), FieldPanel("signature")], heading="Подпись"
        ),
        InlinePanel("partners", label="Логотипы партнёров", max_num=6),
        FieldPanel("footer"),
    ]

    class Meta:
        verbose_name = "оформление сертификатов"
        verbose_name_plural = "оформление сертификатов"
        constraints = [
            models.UniqueConstraint(fields=["season", "direction"], name="one_design_per_season_direction"),
            models.UniqueConstraint(
                fields=["season"], condition=models.Q(direction__isnull=True), name="one_default_design_per_season"
            ),
        ]

    def __str__(self):
        return f"{self.season} — {self.direction.title if self.direction_id else 'все направления'}"

    def texts(self, kind):
        """(heading, text) printed on a certificate of this kind."""
        return getattr(self, f"{kind}_heading"), getattr(self, f"{kind}_text")

    preview_modes = [(kind.value, kind.label.capitalize()) for kind in Kind]

    def serve_preview(self, request, mode_name):
        """The editor sees a sample certificate of the chosen kind as a PDF, drawn as issued ones are."""
        from certificates import pdf  # noqa: PLC0415 — certificates.pdf imports these models (DEFAULT_TEXTS, Kind)

        document = pdf.render(pdf.sample_sheet(self, mode_name or Kind.PARTICIPANT))
        return HttpResponse(document, content_type="application/pdf")
