"""Video assets: an upload and everything the pipeline makes of it (HLS ladder, poster, thumbnails)."""

import uuid

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.validators import RegexValidator
from django.db import models
from django.utils.text import get_valid_filename

from media_pipeline.storage import private_storage


def source_upload_to(asset, filename):
    """Everything of one video lives under video/<uid>/, so deleting the prefix deletes it all."""
    return f"{asset.source_prefix}{safe_filename(filename)}"


def source_storage():
    """A video's source stays in the private storage whatever the video's state: only the HLS
    ladder is ever published (a phone's recording carries where it was shot)."""
    return private_storage


def safe_filename(filename):
    name = get_valid_filename(str(filename).rsplit("/", 1)[-1]) if filename else ""
    return (name or "video")[-120:]


# Invisible characters that reorder the text around them: "\u202egpj.exe" displays as "exe.jpg".
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def strip_bidi_controls(text):
    """`text` without bidirectional control characters, so a title reads as it is stored."""
    return str(text or "").translate(BIDI_CONTROLS)


def video_title(text, max_length=255):
    """A video's title (often made from a file name): no bidi controls, trimmed, cut to fit."""
    text = strip_bidi_controls(text).strip()
    return text if len(text) <= max_length else text[: max_length - 1].rstrip() + "…"


def public_url(name):
    """URL of a stored file, through the CDN when MEDIA_CDN_URL is set."""
    if settings.MEDIA_CDN_URL:
        return f"{settings.MEDIA_CDN_URL}/{name}"
    return default_storage.url(name)


class VideoAsset(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", "загружено"
        PROBING = "probing", "проверка"
        TRANSCODING = "transcoding", "перекодирование"
        READY = "ready", "готово"
        FAILED = "failed", "ошибка"

    uid = models.UUIDField("идентификатор", default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField("название", max_length=255)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="владелец", null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.FileField(
        "исходный файл", upload_to=source_upload_to, storage=source_storage, max_length=500, blank=True
    )
    source_size = models.BigIntegerField("размер исходника, байт", null=True, blank=True)
    checksum = models.CharField("SHA-256 исходника", max_length=64, blank=True)
    status = models.CharField("статус", max_length=16, choices=Status, default=Status.UPLOADED, db_index=True)
    progress = models.PositiveSmallIntegerField("прогресс, %", default=0)
    failure_reason = models.TextField("причина ошибки", blank=True)
    attempts = models.PositiveSmallIntegerField("попытки", default=0)
    duration = models.FloatField("длительность, с", null=True, blank=True)
    width = models.PositiveIntegerField("ширина", null=True, blank=True)
    height = models.PositiveIntegerField("высота", null=True, blank=True)
    frame_rate = models.FloatField("частота кадров", null=True, blank=True)
    renditions = models.JSONField("варианты качества", default=list, blank=True)
    master_playlist = models.CharField("мастер-плейлист", max_length=500, blank=True)
    poster = models.CharField("постер", max_length=500, blank=True)
    thumbnails_sprite = models.CharField("спрайт миниатюр", max_length=500, blank=True)
    thumbnails_vtt = models.CharField("WebVTT миниатюр", max_length=500, blank=True)
    has_audio = models.BooleanField("есть звук", default=False)
    # [{"kind": "video"|"audio", "file": path under hls/, "size": bytes, …}] (media_pipeline/downloads.py)
    downloads = models.JSONField("файлы для скачивания", default=list, blank=True)
    video_codec = models.CharField("видеокодек исходника", max_length=32, blank=True)
    audio_codec = models.CharField("аудиокодек исходника", max_length=32, blank=True)
    stream_start = models.FloatField("начало потока HLS, с", default=0)
    private = models.BooleanField(
        "не опубликовано",
        default=False,
        help_text="Файлы лежат в закрытом хранилище и не имеют публичных адресов, пока видео не опубликуют.",
    )
    job_token = models.UUIDField("текущая задача", null=True, blank=True, editable=False)
    heartbeat_at = models.DateTimeField("последний сигнал обработчика", null=True, blank=True)
    created_at = models.DateTimeField("создано", auto_now_add=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "видео"
        verbose_name_plural = "видео"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="video_progress_at_most_100"),
        ]

    def __str__(self):
        return self.title

    @property
    def storage_prefix(self):
        return f"video/{self.uid}/"

    @property
    def source_prefix(self):
        return f"{self.storage_prefix}source/"

    @property
    def hls_prefix(self):
        return f"{self.storage_prefix}hls/"

    @property
    def is_ready(self):
        return self.status == self.Status.READY

    @property
    def is_public(self):
        """Ready and published: only then do the URL properties below answer."""
        return self.is_ready and not self.private

    @property
    def playlist_url(self):
        return public_url(self.master_playlist) if self.is_public and self.master_playlist else None

    @property
    def poster_url(self):
        return public_url(self.poster) if self.is_public and self.poster else None

    @property
    def thumbnails_url(self):
        """URL of the WebVTT that maps playback time to regions of the thumbnail sprite."""
        return public_url(self.thumbnails_vtt) if self.is_public and self.thumbnails_vtt else None


class VideoCaption(models.Model):
    """Subtitles of a video (stored as WebVTT), offered by players as a SUBTITLES rendition."""

    video = models.ForeignKey(VideoAsset, verbose_name="видео", related_name="captions", on_delete=models.CASCADE)
    language = models.CharField(
        "язык",
        max_length=16,
        validators=[RegexValidator(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", "Код языка вида ru, en или tt-RU.")],
        help_text="Код языка: ru, en, tt…",
    )
    label = models.CharField("название", max_length=64, help_text="Как дорожка называется в плеере: «Русский».")
    file = models.CharField("файл WebVTT", max_length=500)
    created_at = models.DateTimeField("добавлено", auto_now_add=True)

    class Meta:
        verbose_name = "субтитры"
        verbose_name_plural = "субтитры"
        ordering = ["language"]
        constraints = [models.UniqueConstraint(fields=["video", "language"], name="one_caption_per_language")]

    def __str__(self):
        return f"{self.video} — {self.label}"

    @property
    def url(self):
        return public_url(self.file)


class VideoUpload(models.Model):
    """A resumable upload in progress: chunks through the platform, or parts straight to S3."""

    class Mode(models.TextChoices):
        LOCAL = "local", "по частям через платформу"
        S3 = "s3", "напрямую в S3"

    class Status(models.TextChoices):
        OPEN = "open", "идёт загрузка"
        COMPLETED = "completed", "завершена"
        ABORTED = "aborted", "отменена"

    uid = models.UUIDField("идентификатор", default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="владелец", on_delete=models.CASCADE)
    title = models.CharField("название", max_length=255)
    filename = models.CharField("имя файла", max_length=255)
    size = models.BigIntegerField("размер, байт")
    mode = models.CharField("способ", max_length=8, choices=Mode)
    chunk_size = models.PositiveIntegerField("размер части, байт")
    received = models.BigIntegerField("получено, байт", default=0)
    chunk_digests = models.JSONField("SHA-256 частей", default=list, blank=True)
    s3_key = models.CharField("ключ в S3", max_length=500, blank=True)
    s3_upload_id = models.CharField("идентификатор multipart-загрузки", max_length=255, blank=True)
    status = models.CharField("статус", max_length=16, choices=Status, default=Status.OPEN)
    # A student's contest video: the parts and the finished video stay in the private storage.
    private = models.BooleanField("закрытая (работа ученика)", default=False)
    video = models.OneToOneField(
        VideoAsset, verbose_name="видео", null=True, blank=True, related_name="upload", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("создано", auto_now_add=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "загрузка видео"
        verbose_name_plural = "загрузки видео"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="video_upload_size_positive"),
            models.CheckConstraint(
                condition=models.Q(received__gte=0, received__lte=models.F("size")),
                name="video_upload_received_within_size",
            ),
        ]

    def __str__(self):
        return f"{self.filename} ({self.received}/{self.size})"

    @property
    def parts_count(self):
        return -(-self.size // self.chunk_size)
