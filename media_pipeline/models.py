"""Video assets: an upload and everything the pipeline makes of it (HLS ladder, poster, thumbnails)."""

import uuid

from django.conf import settings
from django.db import models


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
    source = models.FileField("исходный файл", upload_to="video/sources/", max_length=500, blank=True)
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
