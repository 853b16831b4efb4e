"""Admin screens of the video pipeline: list with live status, upload form, one video with its
rungs and captions. The upload itself goes through the API (static/media_pipeline/upload.js)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from config.errors import ServiceError
from config.text import quoted
from media_pipeline import services
from media_pipeline.models import VideoAsset, VideoCaption
from media_pipeline.selectors import ADD_PERMISSION, MANAGE_ALL_PERMISSION, max_size_gb, sees_all_videos, videos_for

ACTIVE = [VideoAsset.Status.UPLOADED, VideoAsset.Status.PROBING, VideoAsset.Status.TRANSCODING]


def require_uploader(request):
    if not request.user.has_perm(ADD_PERMISSION):
        raise PermissionDenied


def video_for(request, pk):
    require_uploader(request)
    video = get_object_or_404(VideoAsset, pk=pk)
    if video.owner_id != request.user.pk and not sees_all_videos(request.user):
        raise PermissionDenied
    return video


def video_index(request):
    require_uploader(request)
    services.recover_stale_jobs()  # whoever watches the list also revives jobs whose worker died
    page = Paginator(videos_for(request.user).select_related("owner"), 30).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "media_pipeline/video_index.html",
        {"page": page, "active_statuses": ACTIVE, "max_size_gb": max_size_gb()},
    )


def video_detail(request, pk):
    video = video_for(request, pk)
    return TemplateResponse(request, "media_pipeline/video_detail.html", {"video": video, "active_statuses": ACTIVE})


@require_POST
def video_retry(request, pk):
    video = video_for(request, pk)
    try:
        services.retry_video(video)
        messages.success(request, f"{quoted(video.title)}: обработка запущена заново.")
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("media_pipeline_videos")


@require_POST
def video_delete(request, pk):
    video = video_for(request, pk)
    if not (video.owner_id == request.user.pk or request.user.has_perm(MANAGE_ALL_PERMISSION)):
        raise PermissionDenied
    video.delete()
    messages.success(request, f"Видео {quoted(video.title)} и все его файлы удалены.")
    return redirect("media_pipeline_videos")


@require_POST
def caption_add(request, pk):
    video = video_for(request, pk)
    file = request.FILES.get("file")
    if file is None:
        messages.error(request, "Приложите файл субтитров (.vtt или .srt).")
    else:
        try:
            services.add_caption(
                video, request.POST.get("language", "").strip(), request.POST.get("label", "").strip(), file
            )
            messages.success(request, "Субтитры добавлены.")
        except ServiceError as error:
            messages.error(request, error.message)
    return redirect("media_pipeline_video", pk=video.pk)


@require_POST
def caption_delete(request, pk, language):
    video = video_for(request, pk)
    services.remove_caption(get_object_or_404(VideoCaption, video=video, language=language))
    messages.success(request, "Субтитры удалены.")
    return redirect("media_pipeline_video", pk=video.pk)
