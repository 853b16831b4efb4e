"""Works' files through the platform: the original, a card's thumbnail and a video's HLS, to those
who may see the work (the public once it is approved); jurors get them by the work's jury code."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.views import APIView

from learning import selectors
from learning.api.permissions import IsJuror
from learning.models import SubmissionFile
from learning.services import roles, uploads
from media_pipeline import services as media_services
from media_pipeline import storage as media_storage


@extend_schema(
    responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    description="Файл работы: публичный после одобрения; до него — автору, родителю, модераторам и жюри.",
)
class WorkFileView(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request, uid):
        item = get_object_or_404(
            SubmissionFile.objects.select_related("submission__student", "submission__assignment", "video"), uid=uid
        )
        if not roles.can_see_work(request.user, item.submission):
            raise Http404
        cache = "private, max-age=300" if not item.submission.is_public else "public, max-age=3600"
        return work_file_response(item, cache)


@extend_schema(
    responses={(200, "image/webp"): OpenApiTypes.BINARY},
    description="Уменьшенное изображение работы (WebP, до 480 px) для карточек; видят те же, кто видит работу.",
)
class WorkThumbnailView(APIView):
    """A small WebP of a work's image for cards and lists (the original is only for the work's page)."""

    permission_classes = [permissions.AllowAny]

    def get(self, request, uid):
        item = get_object_or_404(
            SubmissionFile.objects.select_related("submission__student", "submission__assignment"), uid=uid
        )
        if not roles.can_see_work(request.user, item.submission):
            raise Http404
        name = uploads.work_thumbnail(item)
        if name is None:
            raise Http404
        response = FileResponse(item.file.storage.open(name, "rb"), content_type="image/webp")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, max-age=300" if not item.submission.is_public else "public, max-age=3600"
        return response


def work_file_response(item, cache_control):
    """A work's file (an image, a document, a video's source) from the private or public storage."""
    if item.file:
        stored = item.file.open("rb")
    else:
        stored = media_services.open_file(item.video, item.video.source.name) if item.video else None
    if not stored:
        raise Http404
    response = FileResponse(stored, content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache_control
    return response


def work_video_response(item, path):
    """A playlist or segment of a work's ready video, wherever it is stored."""
    if not item.video or not item.video.is_ready or ".." in path.split("/"):
        raise Http404
    stored = media_services.open_file(item.video, item.video.hls_prefix + path)
    if not stored:
        raise Http404
    response = FileResponse(stored, content_type=media_storage.content_type(path))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=60"
    return response


@extend_schema(
    responses={(200, "application/vnd.apple.mpegurl"): OpenApiTypes.BINARY},
    description="HLS-поток видео работы (плейлисты и сегменты), пока видео не опубликовано: "
    "тем же, кто видит работу (модераторам, автору, родителю, жюри).",
)
class WorkVideoView(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request, uid, path):
        item = get_object_or_404(
            SubmissionFile.objects.select_related("submission__student", "submission__assignment", "video"),
            uid=uid,
            video__isnull=False,
        )
        if not roles.can_see_work(request.user, item.submission):
            raise Http404
        return work_video_response(item, path)


def jury_file(user, code, number):
    """File `number` (1, 2…) of the work a juror knows by `code`; 404 outside the juror's shortlist."""
    work = get_object_or_404(selectors.blind_works_for(user), jury_code=code)
    files = list(work.files.all())
    if not 1 <= number <= len(files):
        raise Http404
    return files[number - 1]


@extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
class JuryFileView(APIView):
    """A file of a work under judging, by the work's jury code and the file's place in it."""

    permission_classes = [IsJuror]

    def get(self, request, code, number):
        return work_file_response(jury_file(request.user, code, number), "private, max-age=300")


@extend_schema(responses={(200, "application/vnd.apple.mpegurl"): OpenApiTypes.BINARY})
class JuryVideoView(APIView):
    """HLS of a video under judging: the master playlist, then what it names (relative paths)."""

    permission_classes = [IsJuror]

    def get(self, request, code, number, path):
        return work_video_response(jury_file(request.user, code, number), path)
