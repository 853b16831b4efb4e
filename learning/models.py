"""Students and consent, lesson progress, contest assignments and works, moderation, jury, winners.

Personal data stays in `Student`; everything public is derived from `Student.public_name` (first
name, surname initial), `Student.age` and the region, and nothing a student uploads is public before a
moderator approves it.
"""

import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.models import Orderable

from cms.age_bands import AgeBand, age_band_for
from media_pipeline.storage import private_storage

AGE_BANDS = AgeBand.choices  # kept for learning/api.py; the bands themselves live in cms/age_bands.py
MIN_AGE = 6
MAX_AGE = 18
GUARDIAN_CONSENT_BELOW_AGE = 14
JURY_GROUP = "Jury"
APPEAL_DAYS = 7  # the appeal window's default length after the results


def age_on(birth_date, day):
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class Student(models.Model):
    """A child's account: one-to-one with the auth user. Surname, birth date, town are private."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="пользователь", on_delete=models.CASCADE, related_name="student"
    )
    first_name = models.CharField("имя", max_length=100)
    surname = models.CharField("фамилия", max_length=100, help_text="Не публикуется.")
    birth_date = models.DateField("дата рождения", null=True, blank=True)
    region = models.ForeignKey(
        "cms.Region", verbose_name="регион", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    town = models.CharField("населённый пункт", max_length=150, blank=True)
    town_population = models.PositiveIntegerField("население пункта", null=True, blank=True)
    guardian_email = models.EmailField("email родителя", blank=True)
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="родитель (аккаунт)",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    created_at = models.DateTimeField("зарегистрирован", auto_now_add=True)
    deleted_at = models.DateTimeField("аккаунт удалён", null=True, blank=True)

    class Meta:
        verbose_name = "ученик"
        verbose_name_plural = "ученики"
        ordering = ["-created_at"]

    def __str__(self):
        return self.public_name or f"Удалённый аккаунт #{self.pk}"

    @property
    def age(self):
        return age_on(self.birth_date, timezone.localdate()) if self.birth_date else None

    @property
    def age_band(self):
        return age_band_for(self.age)

    @property
    def public_name(self):
        """First name and the initial of the surname: all a public page may show of a name."""
        if not self.first_name:
            return ""
        initial = f" {self.surname[:1].upper()}." if self.surname else ""
        return f"{self.first_name}{initial}"

    @property
    def needs_guardian_consent(self):
        return self.age is not None and self.age < GUARDIAN_CONSENT_BELOW_AGE

    @property
    def is_deleted(self):
        return self.deleted_at is not None


class Consent(models.Model):
    """Consent to personal data processing, kept as its own record apart from the account."""

    class Kind(models.TextChoices):
        GUARDIAN = "guardian", "согласие родителя"
        OWN = "own", "собственное согласие (14+)"
        TOWN_IN_STORY = "town_in_story", "согласие родителя назвать населённый пункт в истории победителя"

    student = models.ForeignKey(
        Student, verbose_name="ученик", null=True, on_delete=models.SET_NULL, related_name="consents"
    )
    kind = models.CharField("вид", max_length=16, choices=Kind)
    text_version = models.CharField("версия текста согласия", max_length=32)
    email = models.EmailField("email давшего согласие")
    ip = models.GenericIPAddressField("IP-адрес", null=True, blank=True)
    given_at = models.DateTimeField("дано", default=timezone.now)
    withdrawn_at = models.DateTimeField("отозвано", null=True, blank=True)

    class Meta:
        verbose_name = "согласие на обработку данных"
        verbose_name_plural = "согласия на обработку данных"
        ordering = ["-given_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.text_version} от {self.given_at:%d.%m.%Y}"


class LessonProgress(models.Model):
    """Where a student is in one lesson: resume position and the merged intervals actually watched."""

    student = models.ForeignKey(Student, verbose_name="ученик", on_delete=models.CASCADE, related_name="progress")
    lesson = models.ForeignKey(
        "cms.LessonPage", verbose_name="урок", on_delete=models.CASCADE, related_name="student_progress"
    )
    position = models.FloatField("позиция, с", default=0)
    duration = models.FloatField("длительность, с", null=True, blank=True)
    watched = models.JSONField("просмотренные интервалы", default=list, blank=True)
    watched_seconds = models.FloatField("просмотрено, с", default=0)
    completed_at = models.DateTimeField("пройден", null=True, blank=True)
    updated_at = models.DateTimeField("обновлено", auto_now=True)

    class Meta:
        verbose_name = "прогресс урока"
        verbose_name_plural = "прогресс уроков"
        constraints = [
            models.UniqueConstraint(fields=["student", "lesson"], name="one_progress_per_student_lesson"),
        ]

    def __str__(self):
        return f"{self.student} — {self.lesson}"

    @property
    def percent(self):
        if not self.duration:
            return 0
        return min(100, round(100 * self.watched_seconds / self.duration))


class Assignment(ClusterableModel):
    """A contest task of one direction in one season, linked to its masterclass."""

    class Kind(models.TextChoices):
        IMAGE = "image", "изображение"
        VIDEO = "video", "видео"
        AUDIO = "audio", "аудио"
        DOCUMENT = "document", "документ"
        TEXT = "text", "текст"

    title = models.CharField("название", max_length=255)
    direction = models.ForeignKey(
        "cms.DirectionPage", verbose_name="направление", on_delete=models.PROTECT, related_name="assignments"
    )
    season = models.ForeignKey("cms.Season", verbose_name="сезон", on_delete=models.PROTECT, related_name="+")
    masterclass = models.ForeignKey(
        "cms.MasterclassPage",
        verbose_name="мастер-класс",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
    )
    task = models.TextField("задание")
    opens_at = models.DateTimeField("приём работ открывается")
    closes_at = models.DateTimeField("приём работ закрывается")
    age_bands = models.JSONField("возрастные группы", default=list, help_text='Например ["6-9", "10-13", "14-18"].')
    allowed_kinds = models.JSONField("допустимые виды работ", default=list, help_text='Например ["image", "video"].')
    max_files = models.PositiveSmallIntegerField("файлов в работе, не больше", default=3)
    max_image_mb = models.PositiveIntegerField("лимит изображения, МБ", default=15)
    max_video_mb = models.PositiveIntegerField("лимит видео, МБ", default=500)
    max_audio_mb = models.PositiveIntegerField("лимит аудио, МБ", default=50)
    max_document_mb = models.PositiveIntegerField("лимит документа, МБ", default=20)
    jurors_per_work = models.PositiveSmallIntegerField("оценок жюри на работу, не меньше", default=3)
    winner_opportunity = models.CharField(
        "творческий лифт победителя", max_length=255, help_text="Что получит победитель: сцена, выставка, стажировка…"
    )
    appeals_open_at = models.DateTimeField(
        "приём апелляций открывается",
        null=True,
        blank=True,
        help_text="Пусто — с подведения итогов.",
    )
    appeals_close_at = models.DateTimeField(
        "приём апелляций закрывается",
        null=True,
        blank=True,
        help_text=f"Пусто — через {APPEAL_DAYS} дней после подведения итогов.",
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("direction"),
        FieldPanel("season"),
        FieldPanel("masterclass"),
        FieldPanel("task"),
        MultiFieldPanel([FieldPanel("opens_at"), FieldPanel("closes_at")], heading="Сроки"),
        MultiFieldPanel(
            [
                FieldPanel("age_bands"),
                FieldPanel("allowed_kinds"),
                FieldPanel("max_files"),
                FieldPanel("max_image_mb"),
                FieldPanel("max_video_mb"),
                FieldPanel("max_audio_mb"),
                FieldPanel("max_document_mb"),
            ],
            heading="Что принимается",
        ),
        FieldPanel("jurors_per_work"),
        FieldPanel("winner_opportunity"),
        MultiFieldPanel([FieldPanel("appeals_open_at"), FieldPanel("appeals_close_at")], heading="Апелляции"),
        InlinePanel("criteria", label="Критерии оценки", min_num=1),
    ]

    class Meta:
        verbose_name = "конкурсное задание"
        verbose_name_plural = "конкурсные задания"
        ordering = ["-opens_at"]
        permissions = [("run_contest", "Ведёт конкурс: задания, жюри и итоги всех заданий")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="assignment_closes_after_opening"
            ),
        ]

    def __str__(self):
        return self.title

    def size_limit_bytes(self, kind):
        megabytes = {
            self.Kind.IMAGE: self.max_image_mb,
            self.Kind.VIDEO: self.max_video_mb,
            self.Kind.AUDIO: self.max_audio_mb,
            self.Kind.DOCUMENT: self.max_document_mb,
        }[kind]
        return megabytes * 1024 * 1024

    def is_open(self, now=None):
        now = now or timezone.now()
        return self.opens_at <= now <= self.closes_at


class RubricCriterion(Orderable):
    assignment = ParentalKey(Assignment, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField("критерий", max_length=150)
    max_points = models.PositiveSmallIntegerField("максимум баллов", default=10)

    panels = [FieldPanel("name"), FieldPanel("max_points")]

    class Meta(Orderable.Meta):
        verbose_name = "критерий оценки"
        verbose_name_plural = "критерии оценки"

    def __str__(self):
        return f"{self.name} (до {self.max_points})"


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", "на модерации"
    APPROVED = "approved", "опубликована"
    REJECTED = "rejected", "отклонена"
    SHORTLISTED = "shortlisted", "в шорт-листе"
    WINNER = "winner", "победитель"
    FINALIST = "finalist", "финалист"


# The one definition of which works are public: these statuses, not hidden, not withdrawn.
# PUBLIC_WORKS is also the partial indexes' condition (hence defined before Submission's Meta needs
# it); learning.services.public_works() filters exactly so, the report and certificates count by it.
PUBLIC_STATUSES = (
    SubmissionStatus.APPROVED,
    SubmissionStatus.SHORTLISTED,
    SubmissionStatus.WINNER,
    SubmissionStatus.FINALIST,
)
PUBLIC_WORKS = Q(status__in=list(PUBLIC_STATUSES), hidden=False, withdrawn_at__isnull=True)


class Submission(models.Model):
    """A contest work: one per student and assignment (a database constraint)."""

    Status = SubmissionStatus
    PUBLIC_STATUSES = PUBLIC_STATUSES

    uid = models.UUIDField("идентификатор", default=uuid.uuid4, unique=True, editable=False)
    assignment = models.ForeignKey(
        Assignment, verbose_name="задание", on_delete=models.PROTECT, related_name="submissions"
    )
    student = models.ForeignKey(Student, verbose_name="ученик", on_delete=models.PROTECT, related_name="submissions")
    title = models.CharField("название", max_length=200)
    description = models.TextField("описание", blank=True)
    text = models.TextField("текст работы", blank=True)
    status = models.CharField("статус", max_length=16, choices=Status, default=Status.PENDING, db_index=True)
    rejection_reason = models.TextField("причина отклонения", blank=True)
    age = models.PositiveSmallIntegerField("возраст при подаче")
    age_band = models.CharField("возрастная группа", max_length=8, choices=AGE_BANDS, db_index=True)
    like_count = models.PositiveIntegerField("лайки", default=0)
    hidden = models.BooleanField("скрыта по жалобам", default=False)
    needs_review = models.BooleanField("есть новые жалобы", default=False)
    ledger_round = models.PositiveSmallIntegerField("номер зачёта в реестре", default=0)
    counted = models.BooleanField("учтена в реестре", default=False)
    created_at = models.DateTimeField("отправлена", auto_now_add=True)
    updated_at = models.DateTimeField("изменена", auto_now=True)
    submitted_at = models.DateTimeField("в очереди с", default=timezone.now)
    approved_at = models.DateTimeField("одобрена", null=True, blank=True)
    withdrawn_at = models.DateTimeField("снята", null=True, blank=True)
    jury_code = models.CharField(
        "код для жюри",
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="Под этим случайным кодом работу видит жюри: он не связан ни с номером работы, ни с её файлами.",
    )
    winner_story = models.ForeignKey(
        "cms.WinnerStoryPage",
        verbose_name="история победителя",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "конкурсная работа"
        verbose_name_plural = "конкурсные работы"
        ordering = ["-created_at"]
        permissions = [("moderate_submission", "Модерирует работы учеников")]
        constraints = [
            models.UniqueConstraint(fields=["student", "assignment"], name="one_submission_per_student_assignment"),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(rejection_reason=""),
                name="rejected_submission_has_reason",
            ),
        ]
        # The public works' two orderings (gallery, home, API) as partial indexes of the public
        # works only: a page of them is an index scan, however many works there are.
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="submission_queue_idx"),
            models.Index(
                F("approved_at").desc(),
                F("id").desc(),
                name="public_works_newest_idx",
                condition=PUBLIC_WORKS,
            ),
            models.Index(
                F("like_count").desc(),
                F("approved_at").desc(),
                F("id").desc(),
                name="public_works_popular_idx",
                condition=PUBLIC_WORKS,
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_public(self):
        return self.status in self.PUBLIC_STATUSES and not self.hidden and self.withdrawn_at is None

    @property
    def kinds(self):
        kinds = {f.kind for f in self.files.all()}
        if self.text:
            kinds.add(Assignment.Kind.TEXT)
        return sorted(kinds)


def work_storage():
    """Works live in the private storage (never served under /media/); the work-file view, which
    checks who may see a work, serves them before and after approval."""
    return private_storage


def submission_file_path(instance, filename):
    # Unguessable names: files are served only through a view that checks who may see them.
    return f"works/{uuid.uuid4().hex}/{filename}"


class SubmissionFile(models.Model):
    uid = models.UUIDField("идентификатор", default=uuid.uuid4, unique=True, editable=False)
    submission = models.ForeignKey(Submission, verbose_name="работа", on_delete=models.CASCADE, related_name="files")
    kind = models.CharField("вид", max_length=16, choices=Assignment.Kind)
    file = models.FileField("файл", upload_to=submission_file_path, storage=work_storage, max_length=300, blank=True)
    video = models.ForeignKey(
        "media_pipeline.VideoAsset", verbose_name="видео", null=True, blank=True, on_delete=models.SET_NULL
    )
    content_type = models.CharField("тип содержимого", max_length=100)
    size = models.PositiveBigIntegerField("размер, байт")
    width = models.PositiveIntegerField("ширина", null=True, blank=True)
    height = models.PositiveIntegerField("высота", null=True, blank=True)
    position = models.PositiveSmallIntegerField("порядок", default=0)

    class Meta:
        verbose_name = "файл работы"
        verbose_name_plural = "файлы работ"
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.uid}"


class Like(models.Model):
    """Who likes a work now. The money side of a like is the engagement ledger's."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_likes")
    created_at = models.DateTimeField(auto_now_add=True)
    # Personal data, kept only for the «Подозрительная активность» screen: shown to nobody else and
    # forgotten after settings.ENGAGEMENT_LIKE_IP_RETENTION_DAYS (learning.tasks.forget_like_addresses).
    ip = models.GenericIPAddressField("IP-адрес", null=True, blank=True)
    network = models.CharField("подсеть (/24 или /64)", max_length=50, blank=True)

    class Meta:
        verbose_name = "лайк"
        verbose_name_plural = "лайки"
        constraints = [models.UniqueConstraint(fields=["submission", "user"], name="one_like_per_user_work")]
        indexes = [
            models.Index(fields=["created_at"], name="like_created_at"),
            models.Index(fields=["submission", "network"], name="like_submission_network", condition=~Q(network="")),
        ]

    def __str__(self):
        return f"{self.user} ♥ {self.submission}"


class LikeClusterVoid(models.Model):
    """A moderator voided a cluster of suspicious likes (engagement's `void_account` for each of its
    accounts): who, when, why and which accounts, kept for good."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="модератор", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("когда", auto_now_add=True)
    reason = models.CharField("причина", max_length=150)
    description = models.CharField("группа", max_length=300)
    accounts = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="аккаунты", related_name="+")
    compensations = models.PositiveIntegerField("компенсаций записано", default=0)

    class Meta:
        verbose_name = "аннулированная группа лайков"
        verbose_name_plural = "аннулированные группы лайков"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M}: {self.description}"


class Report(models.Model):
    """A visitor's complaint about a public work; open reports put it back in the moderation queue."""

    submission = models.ForeignKey(Submission, verbose_name="работа", on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="кто пожаловался", null=True, blank=True, on_delete=models.SET_NULL
    )
    ip = models.GenericIPAddressField("IP-адрес", null=True, blank=True)
    reason = models.TextField("причина")
    created_at = models.DateTimeField("получена", auto_now_add=True)
    resolved_at = models.DateTimeField("рассмотрена", null=True, blank=True)

    class Meta:
        verbose_name = "жалоба"
        verbose_name_plural = "жалобы"
        ordering = ["-created_at"]

    def __str__(self):
        return self.reason[:60]


class RejectionReason(models.Model):
    """An editable template moderators pick when rejecting a work."""

    title = models.CharField("кратко", max_length=100)
    text = models.TextField("текст для ученика")
    sort_order = models.PositiveSmallIntegerField("порядок", default=0)

    panels = [FieldPanel("title"), FieldPanel("text"), FieldPanel("sort_order")]

    class Meta:
        verbose_name = "шаблон причины отклонения"
        verbose_name_plural = "шаблоны причин отклонения"
        ordering = ["sort_order", "title"]

    def __str__(self):
        return self.title


class ModerationDecision(models.Model):
    """The log of every decision on a work: who, when, what and why."""

    class Action(models.TextChoices):
        APPROVE = "approve", "одобрена"
        REJECT = "reject", "отклонена"
        SHORTLIST = "shortlist", "в шорт-лист"
        HIDE = "hide", "скрыта по жалобам"
        KEEP = "keep", "жалобы отклонены"
        WINNER = "winner", "победитель"
        FINALIST = "finalist", "финалист"

    submission = models.ForeignKey(
        Submission, verbose_name="работа", on_delete=models.CASCADE, related_name="decisions"
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="кто решил", null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField("решение", max_length=16, choices=Action)
    reason = models.TextField("причина", blank=True)
    created_at = models.DateTimeField("когда", default=timezone.now)

    class Meta:
        verbose_name = "решение модерации"
        verbose_name_plural = "журнал модерации"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_action_display()}: {self.submission}"


class JuryMember(models.Model):
    """A juror or the direction's mentor, assigned to judge one direction in one season."""

    class Role(models.TextChoices):
        JUROR = "juror", "член жюри"
        MENTOR = "mentor", "наставник"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="пользователь", on_delete=models.CASCADE, related_name="jury_seats"
    )
    direction = models.ForeignKey(
        "cms.DirectionPage", verbose_name="направление", on_delete=models.CASCADE, related_name="+"
    )
    season = models.ForeignKey("cms.Season", verbose_name="сезон", on_delete=models.CASCADE, related_name="+")
    role = models.CharField("роль", max_length=16, choices=Role, default=Role.JUROR)

    panels = [FieldPanel("user"), FieldPanel("direction"), FieldPanel("season"), FieldPanel("role")]

    class Meta:
        verbose_name = "член жюри"
        verbose_name_plural = "жюри"
        constraints = [
            models.UniqueConstraint(fields=["user", "direction", "season"], name="one_jury_seat_per_direction_season"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}"

    def save(self, *args, **kwargs):
        """A seat opens the admin's jury screen: the member joins the Jury group (admin access only)."""
        super().save(*args, **kwargs)
        group = Group.objects.filter(name=JURY_GROUP).first()
        if group is not None:
            self.user.groups.add(group)

    def clean(self):
        if self.user_id and Student.objects.filter(user_id=self.user_id).exists():
            raise ValidationError({"user": "Это аккаунт ученика: в жюри могут быть только взрослые."})


class Conflict(models.Model):
    """A juror's declared conflict of interest: the work is not shown to them."""

    juror = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jury_conflicts")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="conflicts")
    note = models.TextField("пояснение", blank=True)
    declared_at = models.DateTimeField("заявлен", auto_now_add=True)

    class Meta:
        verbose_name = "конфликт интересов"
        verbose_name_plural = "конфликты интересов"
        constraints = [models.UniqueConstraint(fields=["juror", "submission"], name="one_conflict_per_juror_work")]

    def __str__(self):
        return f"{self.juror}: конфликт с #{self.submission_id}"


class ConflictDeclaration(models.Model):
    """A juror's own declaration before scoring an assignment's works: no conflict of interest, or
    conflicts with named works (each kept as a `Conflict`, which hides that work from the juror)."""

    juror = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="член жюри",
        on_delete=models.CASCADE,
        related_name="conflict_declarations",
    )
    assignment = models.ForeignKey(
        Assignment, verbose_name="задание", on_delete=models.CASCADE, related_name="conflict_declarations"
    )
    has_conflicts = models.BooleanField("есть конфликт интересов", default=False)
    declared_at = models.DateTimeField("заявлено", default=timezone.now)

    class Meta:
        verbose_name = "декларация о конфликте интересов"
        verbose_name_plural = "декларации о конфликте интересов"
        constraints = [
            models.UniqueConstraint(fields=["juror", "assignment"], name="one_declaration_per_juror_assignment")
        ]

    def __str__(self):
        return f"{self.juror}: {'есть конфликт' if self.has_conflicts else 'нет конфликта'} — {self.assignment}"


class Score(models.Model):
    """One juror's rubric score of one shortlisted work."""

    juror = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jury_scores")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="scores")
    points = models.JSONField("баллы по критериям", default=dict)
    total = models.PositiveIntegerField("сумма баллов")
    comment = models.TextField("комментарий")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "оценка жюри"
        verbose_name_plural = "оценки жюри"
        constraints = [models.UniqueConstraint(fields=["juror", "submission"], name="one_score_per_juror_work")]

    def __str__(self):
        return f"{self.juror}: {self.total} за #{self.submission_id}"


class Appeal(models.Model):
    """A child's (or guardian's) appeal against the jury's results for one work, filed in the
    assignment's appeal window and decided by an editor with a reason the appellant sees."""

    class Status(models.TextChoices):
        OPEN = "open", "на рассмотрении"
        UPHELD = "upheld", "удовлетворена"
        REJECTED = "rejected", "отклонена"

    submission = models.ForeignKey(Submission, verbose_name="работа", on_delete=models.CASCADE, related_name="appeals")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто подал",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals",
    )
    text = models.TextField("текст апелляции")
    status = models.CharField("статус", max_length=16, choices=Status, default=Status.OPEN, db_index=True)
    decision_reason = models.TextField("причина решения", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто решил",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("подана", default=timezone.now)
    decided_at = models.DateTimeField("решение", null=True, blank=True)

    class Meta:
        verbose_name = "апелляция"
        verbose_name_plural = "апелляции"
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["submission"], condition=Q(status="open"), name="one_open_appeal_per_work"),
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(decision_reason=""), name="decided_appeal_has_reason"
            ),
        ]

    def __str__(self):
        return f"Апелляция #{self.pk}: {self.submission} ({self.get_status_display()})"


@register_setting(icon="warning")
class ContestSettings(BaseGenericSetting):
    report_hide_threshold = models.PositiveSmallIntegerField(
        "скрывать работу после жалоб",
        default=3,
        help_text="Столько открытых жалоб скрывают работу до решения модератора.",
    )

    class Meta:
        verbose_name = "настройки конкурса"
