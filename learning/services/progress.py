"""Lesson progress: the player's reported intervals, merged per student and lesson, and when a
lesson counts as complete."""

from django.db import transaction
from django.utils import timezone

from cms.models import LessonPage
from config.errors import ServiceError
from learning.models import LessonProgress
from learning.signals import lesson_completed

# A lesson counts as complete when this share of it was actually watched.
COMPLETE_SHARE = 0.95
# The player reports every ~10 s; at 2x speed that is 20 s of video. Longer intervals are refused,
# so a forged "I watched all of it" cannot complete a lesson.
MAX_REPORTED_INTERVAL = 30.0


def merge_intervals(intervals, new=None):
    """Sorted, non-overlapping [start, end] intervals covering the given ones."""
    items = sorted([list(i) for i in intervals] + ([list(new)] if new else []))
    merged = []
    for start, end in items:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def record_progress(student, lesson, *, position, start, end, duration=None):
    """Keep the resume position and add the interval the player reports as watched (one row per
    student and lesson). Complete when at least 95 % of the lesson was actually watched."""
    video = getattr(lesson, "video", None)
    known = getattr(video, "duration", None) if video else None
    for value, name in ((position, "position"), (start, "start"), (end, "end")):
        if value is None or value < 0:
            raise ServiceError(
                "Позиция и интервал просмотра должны быть неотрицательными числами.",
                code="negative_position",
                field=name,
            )
    if end < start:
        raise ServiceError("Конец просмотренного интервала раньше его начала.", code="interval_reversed", field="end")
    if end - start > MAX_REPORTED_INTERVAL:
        raise ServiceError(
            f"Интервал длиннее {int(MAX_REPORTED_INTERVAL)} с: плеер присылает просмотренное каждые ~10 с.",
            code="interval_too_long",
            field="end",
        )
    with transaction.atomic():
        progress, _ = LessonProgress.objects.get_or_create(student=student, lesson=lesson)
        progress = LessonProgress.objects.select_for_update().get(pk=progress.pk)
        total = known or progress.duration or duration
        if not total or total <= 0:
            raise ServiceError(
                "Длительность урока ещё неизвестна: передайте duration.", code="duration_unknown", field="duration"
            )
        progress.duration = total
        start, end = min(start, total), min(end, total)
        progress.position = min(position, total)
        if end > start:
            progress.watched = merge_intervals(progress.watched, [start, end])
        progress.watched_seconds = round(sum(e - s for s, e in progress.watched), 3)
        completes = progress.completed_at is None and progress.watched_seconds >= COMPLETE_SHARE * total
        if completes:
            progress.completed_at = timezone.now()
        progress.save()
        if completes:
            lesson_completed.send(sender=LessonProgress, student=student, lesson=lesson)
    return progress


def masterclass_progress(student, masterclass):
    """Completed lessons of all live lessons of a masterclass."""
    lessons = LessonPage.objects.live().child_of(masterclass)
    total = lessons.count()
    completed = LessonProgress.objects.filter(student=student, lesson__in=lessons, completed_at__isnull=False).count()
    return {"completed": completed, "total": total, "percent": round(100 * completed / total) if total else 0}
