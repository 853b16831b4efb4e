"""Subtitles of a video: added (WebVTT, or SRT converted) or removed, and offered at once by a
ready video's master playlist."""

from django.core.exceptions import ValidationError
from django.db import transaction

from media_pipeline import storage, transcoding
from media_pipeline.errors import VideoRefused
from media_pipeline.models import VideoAsset, VideoCaption
from media_pipeline.services.processing import write_master


def add_caption(video, language, label, file):
    """Attach subtitles (WebVTT, or SRT converted to WebVTT) to a video; a ready video's master
    playlist offers them at once."""
    try:
        vtt = transcoding.captions_to_webvtt(file.read(), getattr(file, "name", ""))
    except transcoding.VideoRejected as rejected:
        raise VideoRefused(rejected.reason, code="captions_unreadable", field="file")
    caption = VideoCaption(video=video, language=language, label=label)
    try:
        caption.full_clean(exclude=["file"], validate_unique=False)
    except ValidationError as error:
        labels = {"language": "Язык", "label": "Название"}
        raise VideoRefused(
            "; ".join(f"{labels.get(field, field)}: {' '.join(texts)}" for field, texts in error.message_dict.items()),
            code="captions_invalid",
        )
    name = f"{video.storage_prefix}captions/{language}.vtt"
    with transaction.atomic():
        video = VideoAsset.objects.select_for_update().get(pk=video.pk)
        caption, _ = VideoCaption.objects.update_or_create(
            video=video, language=language, defaults={"label": label, "file": name}
        )
        with storage.selected(video.private):
            storage.put_text(vtt, name)
        if video.is_ready:
            write_master(video)
    return caption


def remove_caption(caption):
    with transaction.atomic():
        video = VideoAsset.objects.select_for_update().get(pk=caption.video_id)
        caption.delete()
        with storage.selected(video.private):
            storage.delete(caption.file)
        if video.is_ready:
            write_master(video)
