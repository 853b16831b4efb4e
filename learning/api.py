"""The learning API under /api/: serializers and views stay thin; every change goes through services."""

import django_filters
from django.conf import settings
from django.contrib.auth import login, logout
from django.db.models import Exists, OuterRef, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle
from rest_framework.views import APIView

from cms.models import Region
from config.http import client_ip
from config.pagination import CachedCountPageNumberPagination
from learning import services
from learning.models import (
    AGE_BANDS,
    Assignment,
    LessonProgress,
    RubricCriterion,
    Score,
    Student,
    Submission,
    SubmissionFile,
)
from media_pipeline import services as media_services
from media_pipeline import storage as media_storage
from media_pipeline.api import UploadSerializer


class ServiceRefused(exceptions.APIException):
    """A LearningError as an HTTP answer: the Russian message and the field it is about."""

    def __init__(self, error):
        self.status_code = error.status
        detail = {"detail": error.message}
        if error.field:
            detail["field"] = error.field
        super().__init__(detail)


def call(service, *args, **kwargs):
    try:
        return service(*args, **kwargs)
    except services.LearningError as error:
        raise ServiceRefused(error)


# Routes take numeric ids only: anything else is a 404 before a query is tried.
NUMERIC_ID = r"\d+"


# --- Permissions ----------------------------------------------------------------------------------


class IsStudent(permissions.BasePermission):
    message = "Это доступно только ученику с активным аккаунтом."

    def has_permission(self, request, view):
        student = services.student_of(request.user)
        return bool(student and request.user.is_active)


class IsModerator(permissions.BasePermission):
    message = "Это доступно только модераторам."

    def has_permission(self, request, view):
        return services.is_moderator(request.user)


class IsJuror(permissions.BasePermission):
    message = "Это доступно только членам жюри."

    def has_permission(self, request, view):
        return bool(request.user.is_authenticated and request.user.jury_seats.exists())


# --- Throttles ------------------------------------------------------------------------------------


class ReportThrottle(SimpleRateThrottle):
    """Reports share the per-address like rate: one address cannot flood the moderation queue."""

    scope = "like_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": "report", "ident": self.get_ident(request)}


# --- Serializers ----------------------------------------------------------------------------------


class RegionCodeField(serializers.SlugRelatedField):
    """A federal subject by its two-digit code; anything but digits is not looked up at all."""

    def to_internal_value(self, data):
        if not str(data).isdigit():
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data).replace("\x00", ""))
        return super().to_internal_value(str(data))


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    first_name = serializers.CharField(max_length=100)
    surname = serializers.CharField(max_length=100, help_text="Не публикуется.")
    birth_date = serializers.DateField()
    region = RegionCodeField(
        slug_field="code", queryset=Region.objects.all(), help_text="Код субъекта РФ (например, 77)."
    )
    town = serializers.CharField(max_length=150)
    town_population = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    guardian_email = serializers.EmailField(required=False, allow_blank=True, help_text="Обязателен до 14 лет.")
    consent = serializers.BooleanField(required=False, default=False, help_text="Собственное согласие (с 14 лет).")


class LoginSerializer(serializers.Serializer):
    email = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class GuardianConsentSerializer(serializers.Serializer):
    token = serializers.CharField()
    password = serializers.CharField(
        required=False, allow_blank=True, help_text="Пароль для аккаунта родителя (необязательно)."
    )


class ConsentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    text_version = serializers.CharField()
    email = serializers.EmailField()
    given_at = serializers.DateTimeField()


class StudentSerializer(serializers.ModelSerializer):
    """Private profile: only the student and their guardian ever get it."""

    email = serializers.EmailField(source="user.email", read_only=True)
    is_active = serializers.BooleanField(source="user.is_active", read_only=True)
    age = serializers.IntegerField(read_only=True)
    region = serializers.CharField(source="region.name", read_only=True, default=None)
    consents = ConsentSerializer(many=True, read_only=True)
    raised_kopecks = serializers.SerializerMethodField(help_text="Сколько собрали действия ученика, копеек.")

    class Meta:
        model = Student
        fields = [
            "id",
            "email",
            "is_active",
            "first_name",
            "surname",
            "birth_date",
            "age",
            "region",
            "town",
            "town_population",
            "guardian_email",
            "consents",
            "raised_kopecks",
        ]

    def get_raised_kopecks(self, student) -> int:
        return services.raised_by(student.user)


class PublicAuthorSerializer(serializers.Serializer):
    first_name = serializers.CharField(source="student.first_name")
    surname_initial = serializers.SerializerMethodField()
    age = serializers.IntegerField()
    region = serializers.CharField(source="student.region.name", default=None)

    def get_surname_initial(self, submission) -> str:
        return submission.student.surname[:1].upper()


class WorkFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    video_status = serializers.CharField(source="video.status", default=None)
    playlist_url = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField()
    preview_playlist_url = serializers.SerializerMethodField(
        help_text="HLS of a ready video not yet public, for those who may see the work (moderators, author)."
    )

    class Meta:
        model = SubmissionFile
        fields = [
            *["uid", "kind", "content_type", "size", "width", "height"],
            *["url", "thumbnail_url", "video_status", "playlist_url", "poster_url", "preview_playlist_url"],
        ]

    def get_url(self, item) -> str:
        return f"{settings.SITE_URL}/api/works/files/{item.uid}/"

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="A small WebP for lists (images only)."))
    def get_thumbnail_url(self, item):
        return f"{settings.SITE_URL}/api/works/files/{item.uid}/thumbnail/" if item.kind == "image" else None

    def get_playlist_url(self, item) -> str | None:
        return getattr(item.video, "playlist_url", None) if item.video else None

    def get_poster_url(self, item) -> str | None:
        return getattr(item.video, "poster_url", None) if item.video else None

    def get_preview_playlist_url(self, item) -> str | None:
        if not item.video or not item.video.is_ready or not item.video.private:
            return None
        return f"{settings.SITE_URL}/api/works/files/{item.uid}/hls/master.m3u8"


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RubricCriterion
        fields = ["id", "name", "max_points"]


class AssignmentSerializer(serializers.ModelSerializer):
    direction = serializers.CharField(source="direction.slug")
    direction_title = serializers.CharField(source="direction.title")
    season = serializers.CharField(source="season.name")
    masterclass = serializers.IntegerField(source="masterclass_id", allow_null=True)
    criteria = CriterionSerializer(many=True)
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "title",
            "direction",
            "direction_title",
            "season",
            "masterclass",
            "task",
            "opens_at",
            "closes_at",
            "is_open",
            "age_bands",
            "allowed_kinds",
            "max_files",
            "max_image_mb",
            "max_video_mb",
            "max_audio_mb",
            "max_document_mb",
            "winner_opportunity",
            "criteria",
        ]

    def get_is_open(self, assignment) -> bool:
        return assignment.is_open()


class SubmissionSerializer(serializers.ModelSerializer):
    """A work as its author (or guardian) sees it: status and the moderator's reason included."""

    files = WorkFileSerializer(many=True, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "assignment",
            "title",
            "description",
            "text",
            "status",
            "status_display",
            "rejection_reason",
            "age_band",
            "like_count",
            "files",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SubmitWorkSerializer(serializers.Serializer):
    assignment = serializers.PrimaryKeyRelatedField(queryset=Assignment.objects.all())
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    text = serializers.CharField(required=False, allow_blank=True, default="")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    videos = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        help_text="Большие видео, загруженные по частям: uid завершённых загрузок из /video-upload/.",
    )


class VideoUploadStartSerializer(serializers.Serializer):
    filename = serializers.CharField(max_length=255)
    size = serializers.IntegerField(min_value=1)


class EditWorkSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    text = serializers.CharField(required=False, allow_blank=True)
    files = serializers.ListField(child=serializers.FileField(), required=False, help_text="Заменяют прежние файлы.")
    videos = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        help_text="Загруженные по частям видео; вместе с files заменяют прежние.",
    )


class GallerySerializer(serializers.ModelSerializer):
    """A public work: the author only as first name, surname initial, age and region."""

    author = serializers.SerializerMethodField(
        help_text="Имя, первая буква фамилии, возраст и регион; null, пока работу оценивает жюри."
    )
    status = serializers.CharField(read_only=True, help_text="approved, shortlisted, winner или finalist.")
    age_band = serializers.SerializerMethodField(help_text="null, пока работу оценивает жюри.")
    direction = serializers.CharField(source="assignment.direction.slug")
    direction_title = serializers.CharField(source="assignment.direction.title")
    season = serializers.CharField(source="assignment.season.name")
    files = WorkFileSerializer(many=True)
    liked = serializers.SerializerMethodField()
    share_url = serializers.SerializerMethodField(help_text="Поделиться во ВКонтакте.")
    published_at = serializers.DateTimeField(source="approved_at")

    class Meta:
        model = Submission
        fields = [
            "id",
            "title",
            "description",
            "text",
            "status",
            "direction",
            "direction_title",
            "season",
            "age_band",
            "author",
            "files",
            "like_count",
            "liked",
            "share_url",
            "published_at",
        ]

    @extend_schema_field(PublicAuthorSerializer(allow_null=True))
    def get_author(self, submission):
        # The jury judges blind: until the results are confirmed the gallery does not name the author.
        return None if submission.under_judging else PublicAuthorSerializer(submission).data

    def get_age_band(self, submission) -> str | None:
        return None if submission.under_judging else submission.age_band

    def get_liked(self, submission) -> bool:
        return bool(getattr(submission, "liked", False))

    def get_share_url(self, submission) -> str:
        return services.vk_share_url(submission)


class LikeResultSerializer(serializers.Serializer):
    liked = serializers.BooleanField()
    like_count = serializers.IntegerField()


class ReportSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ModerationItemSerializer(serializers.ModelSerializer):
    direction = serializers.CharField(source="assignment.direction.slug")
    files = WorkFileSerializer(many=True)
    open_reports = serializers.IntegerField(read_only=True)
    status = serializers.CharField(read_only=True, help_text="pending — новая; иначе опубликована и обжалована.")

    class Meta:
        model = Submission
        fields = [
            "id",
            "title",
            "description",
            "text",
            "status",
            "direction",
            "age_band",
            "files",
            "hidden",
            "needs_review",
            "open_reports",
            "submitted_at",
        ]


class ProgressSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    completed = serializers.SerializerMethodField()

    class Meta:
        model = LessonProgress
        fields = [
            *["lesson", "position", "duration", "watched", "watched_seconds"],
            *["percent", "completed", "completed_at"],
        ]

    def get_completed(self, progress) -> bool:
        return progress.completed_at is not None


class ProgressReportSerializer(serializers.Serializer):
    lesson = serializers.IntegerField(help_text="id урока (LessonPage).")
    position = serializers.FloatField(help_text="Текущая позиция, с.")
    start = serializers.FloatField(help_text="Начало просмотренного с прошлого отчёта интервала, с.")
    end = serializers.FloatField(help_text="Конец интервала, с.")
    duration = serializers.FloatField(required=False, help_text="Длительность, если видео ещё не обработано.")


class MasterclassProgressSerializer(serializers.Serializer):
    completed = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()


class MyScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Score
        fields = ["points", "total", "comment", "updated_at"]


class BlindFileSerializer(serializers.Serializer):
    """A file of a work under judging, addressed by the work's jury code and the file's place in it:
    no uid, name or size that the gallery also shows."""

    number = serializers.IntegerField()
    kind = serializers.CharField()
    content_type = serializers.CharField()
    url = serializers.CharField()
    playlist_url = serializers.CharField(allow_null=True, help_text="HLS готового видео.")


def jury_file_url(work, number, path=""):
    return f"{settings.SITE_URL}/api/jury/works/{work.jury_code}/files/{number}/{path}"


class BlindWorkSerializer(serializers.ModelSerializer):
    """What a juror sees: the work and the rubric under the work's random jury code. Nothing in it
    (no id, uid, title, file name or size) finds the work in the gallery."""

    code = serializers.CharField(source="jury_code")
    title = serializers.SerializerMethodField(help_text="Название работы скрыто от жюри: «Работа <код>».")
    assignment = serializers.CharField(source="assignment.title")
    criteria = CriterionSerializer(source="assignment.criteria", many=True)
    files = serializers.SerializerMethodField()
    my_score = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = ["code", "title", "assignment", "description", "text", "files", "criteria", "my_score"]

    def get_title(self, submission) -> str:
        return services.jury_label(submission)

    @extend_schema_field(BlindFileSerializer(many=True))
    def get_files(self, submission):
        rows = []
        for number, item in enumerate(submission.files.all(), start=1):
            ready = bool(item.video and item.video.is_ready)
            rows.append(
                {
                    "number": number,
                    "kind": item.kind,
                    "content_type": item.content_type,
                    "url": jury_file_url(submission, number),
                    "playlist_url": jury_file_url(submission, number, "hls/master.m3u8") if ready else None,
                }
            )
        return BlindFileSerializer(rows, many=True).data

    def get_my_score(self, submission) -> dict | None:
        mine = getattr(submission, "my_scores", [])
        return MyScoreSerializer(mine[0]).data if mine else None


class ScoreInputSerializer(serializers.Serializer):
    points = serializers.DictField(child=serializers.IntegerField(), help_text="{id критерия: балл}")
    comment = serializers.CharField(max_length=5000)


class ConflictInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RankingRowSerializer(serializers.Serializer):
    place = serializers.IntegerField()
    submission = serializers.IntegerField(source="submission.pk")
    title = serializers.CharField(source="submission.title")
    status = serializers.CharField(source="submission.status")
    score = serializers.FloatField(help_text="Средняя z-оценка жюри.")
    mean_total = serializers.FloatField()
    jurors = serializers.IntegerField()
    enough_scores = serializers.BooleanField()


class AudienceRowSerializer(serializers.Serializer):
    submission = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    like_count = serializers.IntegerField()


class RankingSerializer(serializers.Serializer):
    age_band = serializers.CharField()
    jury = RankingRowSerializer(many=True)
    audience = AudienceRowSerializer(many=True)


class WinnersInputSerializer(serializers.Serializer):
    winners = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    finalists = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


# --- Accounts -------------------------------------------------------------------------------------


class RegisterView(GenericAPIView):
    """Register a student (6–18). Under 14 the guardian gets an email to confirm consent."""

    serializer_class = RegisterSerializer
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(responses={201: StudentSerializer})
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        student = call(services.register_student, **data.validated_data, ip=client_ip(request))
        return Response(StudentSerializer(student).data, status=status.HTTP_201_CREATED)


class LoginView(GenericAPIView):
    serializer_class = LoginSerializer
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(responses={200: inline_serializer("LoginResult", {"id": serializers.IntegerField()})})
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = call(services.check_login, data.validated_data["email"], data.validated_data["password"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return Response({"id": user.pk})


class ResendGuardianConsentView(GenericAPIView):
    """A child whose account waits for the guardian's consent has the link emailed again (at most once
    in 10 minutes); the child's email and password prove who asks."""

    serializer_class = LoginSerializer
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(responses={202: inline_serializer("ConsentResent", {"detail": serializers.CharField()})})
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        student = call(
            services.resend_guardian_consent_by_login, data.validated_data["email"], data.validated_data["password"]
        )
        detail = f"Письмо со ссылкой для согласия отправлено ещё раз на {student.guardian_email}."
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class LogoutView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GuardianConsentView(GenericAPIView):
    """The guardian confirms consent with the token from the email (optionally creating an account)."""

    serializer_class = GuardianConsentSerializer
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(responses={201: ConsentSerializer})
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        consent = call(
            services.confirm_guardian_consent,
            data.validated_data["token"],
            ip=client_ip(request),
            password=data.validated_data.get("password", ""),
        )
        return Response(ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)


class TownConsentSerializer(serializers.Serializer):
    token = serializers.CharField()


class TownConsentView(GenericAPIView):
    """The guardian agrees to naming the child's town in the winner story (token from the email)."""

    serializer_class = TownConsentSerializer
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(responses={201: ConsentSerializer})
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        consent = call(services.record_town_consent, data.validated_data["token"], ip=client_ip(request))
        return Response(ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)


class StudentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The student's own profile (and, for a guardian, their children): view, download, delete."""

    lookup_value_regex = NUMERIC_ID

    serializer_class = StudentSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Student.objects.none()
        user = self.request.user
        return (
            Student.objects.filter(deleted_at__isnull=True)
            .filter(pk__in=Student.objects.filter(user=user).values("pk").union(user.children.values("pk")))
            .select_related("user", "region")
            .prefetch_related("consents")
        )

    def perform_destroy(self, student):
        call(services.delete_student_account, student, by=self.request.user)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """All data kept about the student, as a JSON download."""
        student = self.get_object()
        response = Response(services.export_student_data(student))
        response["Content-Disposition"] = f'attachment; filename="pokolenie-m-{student.pk}.json"'
        return response


# --- Lessons --------------------------------------------------------------------------------------


class ProgressViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The player reports position and the watched interval every ~10 s; one row per lesson."""

    serializer_class = ProgressSerializer
    permission_classes = [IsStudent]
    filterset_fields = ["lesson"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LessonProgress.objects.none()
        return LessonProgress.objects.filter(student=services.student_of(self.request.user)).order_by("-updated_at")

    @extend_schema(request=ProgressReportSerializer, responses={200: ProgressSerializer})
    def create(self, request):
        from cms.models import LessonPage

        data = ProgressReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        lesson = LessonPage.objects.live().filter(pk=values.pop("lesson")).select_related("video").first()
        if lesson is None:
            raise exceptions.NotFound("Урок не найден.")
        progress = call(services.record_progress, services.student_of(request.user), lesson, **values)
        return Response(ProgressSerializer(progress).data)


class MasterclassProgressView(APIView):
    permission_classes = [IsStudent]

    @extend_schema(responses={200: MasterclassProgressSerializer})
    def get(self, request, pk):
        from cms.models import MasterclassPage

        masterclass = get_object_or_404(MasterclassPage.objects.live(), pk=pk)
        return Response(services.masterclass_progress(services.student_of(request.user), masterclass))


# --- Assignments and works ------------------------------------------------------------------------


class AssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = NUMERIC_ID
    serializer_class = AssignmentSerializer
    permission_classes = [permissions.AllowAny]
    queryset = (
        Assignment.objects.select_related("direction", "season").prefetch_related("criteria").order_by("closes_at")
    )
    filterset_fields = {"direction__slug": ["exact"], "season": ["exact"]}

    @extend_schema(request=VideoUploadStartSerializer, responses={201: UploadSerializer})
    @action(detail=True, methods=["post"], url_path="video-upload", permission_classes=[IsStudent])
    def video_upload(self, request, pk=None):
        """Start a resumable upload of a large contest video for this assignment; send the chunks
        to /api/media/uploads/{uid}/, then pass the uid in `videos` when submitting the work."""
        data = VideoUploadStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        student = services.student_of(request.user)
        upload = call(services.start_video_upload, student, self.get_object(), **data.validated_data)
        return Response(UploadSerializer(upload).data, status=status.HTTP_201_CREATED)


class SubmissionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """A student's own works (a guardian sees the children's): submit, follow the status, edit."""

    lookup_value_regex = NUMERIC_ID

    serializer_class = SubmissionSerializer
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Submission.objects.none()
        user = self.request.user
        return (
            Submission.objects.filter(withdrawn_at__isnull=True)
            .filter(
                pk__in=Submission.objects.filter(student__user=user)
                .values("pk")
                .union(Submission.objects.filter(student__guardian=user).values("pk"))
            )
            .prefetch_related("files__video")
            .order_by("-created_at")
        )

    @extend_schema(request={"multipart/form-data": SubmitWorkSerializer}, responses={201: SubmissionSerializer})
    def create(self, request):
        student = services.student_of(request.user)
        if student is None:
            raise exceptions.PermissionDenied("Работы отправляют ученики.")
        data = SubmitWorkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        submission = call(services.submit_work, student, values.pop("assignment"), **values)
        return Response(SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": EditWorkSerializer}, responses={200: SubmissionSerializer})
    def partial_update(self, request, pk=None):
        submission = self.get_object()
        if submission.student.user_id != request.user.pk:
            raise exceptions.PermissionDenied("Изменить работу может только её автор.")
        data = EditWorkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "files" in values and not request.FILES:
            values.pop("files")
        submission = call(services.edit_work, submission, **values)
        return Response(SubmissionSerializer(submission).data)

    @extend_schema(request=None, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def shortlist(self, request, pk=None):
        """Moderators and the direction's mentor put a public work on the jury's shortlist."""
        submission = get_object_or_404(Submission.objects.select_related("assignment"), pk=pk)
        submission = call(services.shortlist_submission, submission, request.user)
        return Response(SubmissionSerializer(submission).data)


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
        if not services.can_see_work(request.user, item.submission):
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
        if not services.can_see_work(request.user, item.submission):
            raise Http404
        name = services.work_thumbnail(item)
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
        if not services.can_see_work(request.user, item.submission):
            raise Http404
        return work_video_response(item, path)


# --- Gallery --------------------------------------------------------------------------------------


class GalleryFilter(django_filters.FilterSet):
    direction = django_filters.CharFilter(field_name="assignment__direction__slug", label="направление (slug)")
    season = django_filters.NumberFilter(field_name="assignment__season_id", label="сезон (id)")
    region = django_filters.CharFilter(method="by_author", label="регион (код)")
    age_band = django_filters.ChoiceFilter(choices=AGE_BANDS, method="by_author", label="возрастная группа")
    ordering = django_filters.ChoiceFilter(
        choices=[("newest", "сначала новые"), ("popular", "больше лайков")], method="order", label="порядок"
    )
    AUTHOR_LOOKUPS = {"region": "student__region__code", "age_band": "age_band"}

    class Meta:
        model = Submission
        fields = ["direction", "season", "region", "age_band", "ordering"]

    def by_author(self, queryset, name, value):
        return services.by_author(queryset, **{self.AUTHOR_LOOKUPS[name]: value})

    def order(self, queryset, name, value):
        if value == "popular":
            return queryset.order_by("-like_count", "-approved_at", "-pk")
        return queryset.order_by("-approved_at", "-pk")


class GalleryViewSet(viewsets.ReadOnlyModelViewSet):
    """Approved works, public fields only; likes and reports."""

    lookup_value_regex = NUMERIC_ID

    serializer_class = GallerySerializer
    permission_classes = [permissions.AllowAny]
    filterset_class = GalleryFilter
    pagination_class = CachedCountPageNumberPagination

    def get_queryset(self):
        queryset = (
            services.public_works()
            .select_related("student__region", "assignment__direction", "assignment__season")
            .prefetch_related("files__video")
        )
        user = self.request.user
        if user.is_authenticated:
            from learning.models import Like

            queryset = queryset.annotate(liked=Exists(Like.objects.filter(submission=OuterRef("pk"), user=user)))
        return queryset.order_by("-approved_at", "-pk")

    @extend_schema(request=None, responses={200: LikeResultSerializer}, methods=["POST", "DELETE"])
    @action(
        detail=True,
        methods=["post", "delete"],
        permission_classes=[permissions.IsAuthenticated],
    )
    def like(self, request, pk=None):
        """POST likes, DELETE unlikes; the rouble follows through the engagement ledger."""
        submission = self.get_object()
        liked = request.method == "POST"
        count = call(services.set_like, request.user, submission, liked, ip=client_ip(request))
        return Response({"liked": liked, "like_count": count})

    @extend_schema(request=ReportSerializer, responses={201: None})
    @action(detail=True, methods=["post"], throttle_classes=[ReportThrottle])
    def report(self, request, pk=None):
        """Report a work to the moderators (with a reason)."""
        submission = self.get_object()
        data = ReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reporter = request.user if request.user.is_authenticated else None
        reason = data.validated_data["reason"]
        call(services.report_submission, submission, reason=reason, reporter=reporter, ip=client_ip(request))
        return Response(status=status.HTTP_201_CREATED)


# --- Moderation -----------------------------------------------------------------------------------


class ModerationFilter(django_filters.FilterSet):
    direction = django_filters.CharFilter(field_name="assignment__direction__slug", label="направление (slug)")
    kind = django_filters.ChoiceFilter(choices=Assignment.Kind.choices, method="by_kind", label="вид работы")

    class Meta:
        model = Submission
        fields = ["direction", "kind"]

    def by_kind(self, queryset, name, value):
        return services.filter_by_kind(queryset, value)


class ModerationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The moderation queue (also in the Wagtail admin): pending and reported works, oldest first."""

    lookup_value_regex = NUMERIC_ID

    serializer_class = ModerationItemSerializer
    permission_classes = [IsModerator]
    filterset_class = ModerationFilter

    def get_queryset(self):
        return services.moderation_queue_with_reports()

    def _decide(self, service, *args):
        submission = get_object_or_404(Submission, pk=self.kwargs["pk"])
        submission = call(service, submission, self.request.user, *args)
        return Response(SubmissionSerializer(submission).data)

    @extend_schema(request=None, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(services.approve_submission)

    @extend_schema(request=RejectSerializer, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._decide(services.reject_submission, data.validated_data["reason"])

    @extend_schema(request=None, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"])
    def keep(self, request, pk=None):
        """Reports were unfounded: the work stays public."""
        return self._decide(services.keep_submission)


# --- Jury -----------------------------------------------------------------------------------------


class JuryWorkViewSet(viewsets.ReadOnlyModelViewSet):
    """The blind view: shortlisted works of the juror's directions under their jury codes, without
    any trace of the author and nothing that finds them in the gallery."""

    serializer_class = BlindWorkSerializer
    permission_classes = [IsJuror]
    lookup_field = "jury_code"
    lookup_url_kwarg = "code"
    lookup_value_regex = "[0-9A-F]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Submission.objects.none()
        user = self.request.user
        return services.blind_works_for(user).prefetch_related(
            Prefetch("scores", queryset=Score.objects.filter(juror=user), to_attr="my_scores")
        )

    @extend_schema(request=ScoreInputSerializer, responses={200: MyScoreSerializer})
    @action(detail=True, methods=["post"])
    def score(self, request, code=None):
        submission = self.get_object()
        data = ScoreInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        score = call(services.score_submission, request.user, submission, **data.validated_data)
        return Response(MyScoreSerializer(score).data)

    @extend_schema(request=ConflictInputSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def conflict(self, request, code=None):
        """Declare a conflict of interest: the work disappears from this juror's list."""
        submission = self.get_object()
        data = ConflictInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call(services.declare_conflict, request.user, submission, data.validated_data["note"])
        return Response(status=status.HTTP_201_CREATED)


def jury_file(user, code, number):
    """File `number` (1, 2…) of the work a juror knows by `code`; 404 outside the juror's shortlist."""
    work = get_object_or_404(services.blind_works_for(user), jury_code=code)
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


class JuryAssignmentViewSet(viewsets.GenericViewSet):
    """Ranking and winners of one assignment: for the direction's mentor (and editors to read)."""

    lookup_value_regex = NUMERIC_ID

    queryset = Assignment.objects.select_related("direction", "season", "masterclass__mentor")
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = RankingSerializer

    def _check_mentor(self, assignment, allow_editors):
        user = self.request.user
        if services.is_mentor_of(user, assignment) or user.is_superuser:
            return
        if allow_editors and services.is_editor(user):
            return
        raise exceptions.PermissionDenied("Это доступно наставнику направления.")

    @extend_schema(responses={200: RankingSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def ranking(self, request, pk=None):
        """Jury ranking per age band (z-scores per juror, averaged) and, apart, the audience award."""
        assignment = self.get_object()
        self._check_mentor(assignment, allow_editors=True)
        jury = services.jury_ranking(assignment)
        audience = services.audience_award(assignment)
        bands = sorted(set(jury) | set(audience))
        rows = [{"age_band": band, "jury": jury.get(band, []), "audience": audience.get(band, [])} for band in bands]
        return Response(RankingSerializer(rows, many=True).data)

    @extend_schema(request=WinnersInputSerializer, responses={200: SubmissionSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def winners(self, request, pk=None):
        """The mentor confirms winners and finalists; winners get story drafts and emails."""
        assignment = self.get_object()
        self._check_mentor(assignment, allow_editors=False)
        data = WinnersInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data
        works = Submission.objects.filter(assignment=assignment)
        winners = list(works.filter(pk__in=ids["winners"]))
        finalists = list(works.filter(pk__in=ids["finalists"]))
        if len(winners) != len(set(ids["winners"])) or len(finalists) != len(set(ids["finalists"])):
            raise exceptions.ValidationError({"detail": "Некоторые работы не из этого задания.", "field": "winners"})
        confirmed = call(services.confirm_winners, request.user, assignment, winners=winners, finalists=finalists)
        return Response(SubmissionSerializer(confirmed, many=True).data)
