"""Video API under /api/media/: resumable uploads (chunks through the platform or presigned S3
parts), video status for live progress, captions. Thin: each view calls one service; a service's
refusal (`media_pipeline.errors.VideoRefused`, a `config.errors.ServiceError`) reaches the client
through the project's DRF exception handler as `{"code", "detail", "field"}`."""

from django.shortcuts import get_object_or_404
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from config.errors import ServiceError
from media_pipeline import services
from media_pipeline.models import VideoAsset, VideoCaption, VideoUpload
from media_pipeline.selectors import ADD_PERMISSION, uploaded_parts, videos_for


class CanUploadVideo(permissions.BasePermission):
    message = "Загружать видео могут только наставники и редакторы."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_perm(ADD_PERMISSION))


def json_object(request, example):
    """The request's JSON body, which must be an object; anything else (null, a string, a list) is a 400."""
    if not isinstance(request.data, dict):
        raise ServiceError(f"Тело запроса должно быть JSON-объектом, например {example}.", code="body_not_json_object")
    return request.data


class CaptionSerializer(serializers.ModelSerializer):
    url = serializers.CharField(read_only=True)

    class Meta:
        model = VideoCaption
        fields = ["language", "label", "url"]


class VideoSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    playlist_url = serializers.CharField(read_only=True, allow_null=True)
    poster_url = serializers.CharField(read_only=True, allow_null=True)
    thumbnails_url = serializers.CharField(read_only=True, allow_null=True)
    captions = CaptionSerializer(many=True, read_only=True)

    class Meta:
        model = VideoAsset
        fields = [
            "id",
            "uid",
            "title",
            "status",
            "status_display",
            "progress",
            "failure_reason",
            "duration",
            "width",
            "height",
            "frame_rate",
            "renditions",
            "playlist_url",
            "poster_url",
            "thumbnails_url",
            "captions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class VideoViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Videos of the current user (all of them for editors); `?ids=1,2` narrows the list for the
    admin's live progress."""

    serializer_class = VideoSerializer
    permission_classes = [CanUploadVideo]
    lookup_field = "uid"
    queryset = VideoAsset.objects.none()  # for the schema; get_queryset() decides per user

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        queryset = videos_for(self.request.user)
        ids = [int(i) for i in self.request.query_params.get("ids", "").split(",") if i.strip().isdigit()]
        if ids:
            queryset = queryset.filter(pk__in=ids)
        if status_filter := self.request.query_params.get("status"):
            queryset = queryset.filter(status=status_filter)
        return queryset

    @action(detail=True, methods=["post"])
    def retry(self, request, uid=None):
        video = self.get_object()
        services.retry_video(video)
        video.refresh_from_db()
        return Response(VideoSerializer(video).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def captions(self, request, uid=None):
        """Attach subtitles: multipart `language`, `label`, `file` (.vtt or .srt)."""
        video = self.get_object()
        file = request.FILES.get("file")
        if file is None:
            raise ValidationError({"file": "Приложите файл субтитров (.vtt или .srt)."})
        caption = services.add_caption(
            video, request.data.get("language", "").strip(), request.data.get("label", "").strip(), file
        )
        return Response(CaptionSerializer(caption).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["delete"], url_path=r"captions/(?P<language>[A-Za-z0-9-]+)")
    def remove_caption(self, request, uid=None, language=None):
        video = self.get_object()
        services.remove_caption(get_object_or_404(VideoCaption, video=video, language=language))
        return Response(status=status.HTTP_204_NO_CONTENT)


class UploadStartSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    filename = serializers.CharField(max_length=255)
    size = serializers.IntegerField(min_value=1)


class UploadSerializer(serializers.ModelSerializer):
    parts_count = serializers.IntegerField(read_only=True)
    video = VideoSerializer(read_only=True, allow_null=True)

    class Meta:
        model = VideoUpload
        fields = [
            "uid",
            "title",
            "filename",
            "size",
            "mode",
            "chunk_size",
            "parts_count",
            "received",
            "status",
            "video",
        ]
        read_only_fields = fields


class UploadViewSet(viewsets.GenericViewSet):
    """Resumable uploads under `/api/media/uploads/`.

    - `POST /api/media/uploads/` {title, filename, size} → an upload in mode `local` or `s3`
      (mentors and editors; a student's contest video starts at
      `/api/assignments/{id}/video-upload/` and goes on here like any other).
    - local: `PUT /api/media/uploads/{uid}/chunk/` raw bytes, headers `Upload-Offset` and
      `Chunk-Sha256`; `GET /api/media/uploads/{uid}/` tells where to resume (`received`).
    - s3: `POST /api/media/uploads/{uid}/parts/` {part_numbers} → presigned PUT URLs; the browser
      sends the parts straight to the bucket; `GET` lists the parts already there.
    - `POST /api/media/uploads/{uid}/complete/` {sha256 | parts} verifies and starts processing;
      `DELETE /api/media/uploads/{uid}/` cancels.
    """

    serializer_class = UploadSerializer
    permission_classes = [CanUploadVideo]
    lookup_field = "uid"
    parser_classes = [JSONParser]

    def get_permissions(self):
        # Starting an upload needs the right to add videos (students start theirs through learning's
        # assignment endpoint); an upload once started is carried on by its owner only.
        if self.action == "create":
            return [CanUploadVideo()]
        return [permissions.IsAuthenticated()]

    queryset = VideoUpload.objects.none()  # for the schema; get_queryset() keeps each user's own

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return VideoUpload.objects.filter(owner=self.request.user).select_related("video")

    def create(self, request):
        data = UploadStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = services.start_upload(request.user, **data.validated_data)
        return Response(UploadSerializer(upload).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, uid=None):
        upload = self.get_object()
        answer = UploadSerializer(upload).data
        answer["parts"] = uploaded_parts(upload)
        return Response(answer)

    def destroy(self, request, uid=None):
        services.abort_upload(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["put"])
    def chunk(self, request, uid=None):
        upload = self.get_object()
        offset = request.headers.get("Upload-Offset", "")
        if not offset.isdigit():
            raise ServiceError(
                "Укажите заголовок Upload-Offset: с какого байта эта часть.", code="upload_offset_missing"
            )
        length = request.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > upload.chunk_size:
            raise ServiceError(f"Часть файла должна быть не больше {upload.chunk_size} байт.", code="chunk_too_large")
        data = request.stream.read() if request.stream else b""  # raw body; never parsed
        # A chunk out of order is a 409 that tells where the upload stands (`received`).
        upload = services.receive_chunk(upload, int(offset), data, request.headers.get("Chunk-Sha256", ""))
        return Response(UploadSerializer(upload).data)

    @action(detail=True, methods=["post"])
    def parts(self, request, uid=None):
        upload = self.get_object()
        numbers = json_object(request, '{"part_numbers": [1, 2, 3]}').get("part_numbers") or []
        if not isinstance(numbers, list) or not all(isinstance(n, int) for n in numbers):
            raise ValidationError({"part_numbers": "Передайте список номеров частей, например [1, 2, 3]."})
        urls = services.presign_parts(upload, numbers)
        return Response({"urls": {str(n): url for n, url in urls.items()}})

    @action(detail=True, methods=["post"])
    def complete(self, request, uid=None):
        upload = self.get_object()
        data = json_object(request, '{"sha256": "…"} или {"parts": [{"part_number": 1, "etag": "…"}]}')
        parts = data.get("parts") or []
        if not isinstance(parts, list) or not all(
            isinstance(p, dict) and isinstance(p.get("part_number"), int) and isinstance(p.get("etag"), str)
            for p in parts
        ):
            raise ValidationError({"parts": "Передайте список частей [{part_number, etag}]."})
        video = services.complete_upload(upload, parts=parts, sha256=str(data.get("sha256", "")))
        return Response(VideoSerializer(video).data, status=status.HTTP_201_CREATED)
