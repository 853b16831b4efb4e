"""The learning API under /api/: views stay thin; every change goes through services, and a refusal
(`config.errors.ServiceError`) reaches the client through the project's exception handler."""

from django.contrib.auth import login, logout
from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from cms.models import LessonPage, MasterclassPage
from config.http import client_ip
from config.pagination import CachedCountPageNumberPagination
from learning import selectors
from learning.api.filters import GalleryFilter, ModerationFilter
from learning.api.permissions import IsJuror, IsModerator, IsStudent, ReportThrottle
from learning.api.serializers import (
    AssignmentSerializer,
    BlindWorkSerializer,
    ConflictInputSerializer,
    ConsentSerializer,
    DeclarationInputSerializer,
    DeclarationSerializer,
    EditWorkSerializer,
    GallerySerializer,
    GuardianConsentSerializer,
    LikeResultSerializer,
    LoginSerializer,
    MasterclassProgressSerializer,
    ModerationItemSerializer,
    MyScoreSerializer,
    ProgressReportSerializer,
    ProgressSerializer,
    RankingSerializer,
    RegisterSerializer,
    RejectSerializer,
    ReportSerializer,
    ScoreInputSerializer,
    StudentSerializer,
    SubmissionSerializer,
    SubmitWorkSerializer,
    TownConsentSerializer,
    VideoUploadStartSerializer,
    WinnersInputSerializer,
)
from learning.models import Assignment, LessonProgress, Like, Score, Student, Submission
from learning.services import accounts, erasure, jury, likes, moderation, roles, submissions, uploads
from learning.services import progress as lesson_progress
from media_pipeline.api import UploadSerializer

# Routes take numeric ids only: anything else is a 404 before a query is tried.
NUMERIC_ID = r"\d+"


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
        student = accounts.register_student(**data.validated_data, ip=client_ip(request))
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
        user = accounts.check_login(data.validated_data["email"], data.validated_data["password"])
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
        student = accounts.resend_guardian_consent_by_login(
            data.validated_data["email"], data.validated_data["password"]
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
        consent = accounts.confirm_guardian_consent(
            data.validated_data["token"],
            ip=client_ip(request),
            password=data.validated_data.get("password", ""),
        )
        return Response(ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)


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
        consent = accounts.record_town_consent(data.validated_data["token"], ip=client_ip(request))
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
        erasure.delete_student_account(student, by=self.request.user)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """All data kept about the student, as a JSON download."""
        student = self.get_object()
        response = Response(erasure.export_student_data(student))
        response["Content-Disposition"] = f'attachment; filename="pokolenie-m-{student.pk}.json"'
        return response


class ProgressViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The player reports position and the watched interval every ~10 s; one row per lesson."""

    serializer_class = ProgressSerializer
    permission_classes = [IsStudent]
    filterset_fields = ["lesson"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LessonProgress.objects.none()
        return LessonProgress.objects.filter(student=roles.student_of(self.request.user)).order_by("-updated_at")

    @extend_schema(request=ProgressReportSerializer, responses={200: ProgressSerializer})
    def create(self, request):

        data = ProgressReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        lesson = LessonPage.objects.live().filter(pk=values.pop("lesson")).select_related("video").first()
        if lesson is None:
            raise exceptions.NotFound("Урок не найден.")
        progress = lesson_progress.record_progress(roles.student_of(request.user), lesson, **values)
        return Response(ProgressSerializer(progress).data)


class MasterclassProgressView(APIView):
    permission_classes = [IsStudent]

    @extend_schema(responses={200: MasterclassProgressSerializer})
    def get(self, request, pk):

        masterclass = get_object_or_404(MasterclassPage.objects.live(), pk=pk)
        return Response(lesson_progress.masterclass_progress(roles.student_of(request.user), masterclass))


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
        student = roles.student_of(request.user)
        upload = uploads.start_video_upload(student, self.get_object(), **data.validated_data)
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
        student = roles.student_of(request.user)
        if student is None:
            raise exceptions.PermissionDenied("Работы отправляют ученики.")
        data = SubmitWorkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        submission = submissions.submit_work(student, values.pop("assignment"), **values)
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
        submission = submissions.edit_work(submission, **values)
        return Response(SubmissionSerializer(submission).data)

    @extend_schema(request=None, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def shortlist(self, request, pk=None):
        """Moderators and the direction's mentor put a public work on the jury's shortlist."""
        submission = get_object_or_404(Submission.objects.select_related("assignment"), pk=pk)
        submission = jury.shortlist_submission(submission, request.user)
        return Response(SubmissionSerializer(submission).data)


class GalleryViewSet(viewsets.ReadOnlyModelViewSet):
    """Approved works, public fields only; likes and reports."""

    lookup_value_regex = NUMERIC_ID

    serializer_class = GallerySerializer
    permission_classes = [permissions.AllowAny]
    filterset_class = GalleryFilter
    pagination_class = CachedCountPageNumberPagination

    def get_queryset(self):
        queryset = (
            selectors.public_works()
            .select_related("student__region", "assignment__direction", "assignment__season")
            .prefetch_related("files__video")
        )
        user = self.request.user
        if user.is_authenticated:
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
        count = likes.set_like(request.user, submission, liked, ip=client_ip(request))
        message = likes.like_message(request.user, submission, liked)
        return Response({"liked": liked, "like_count": count, "message": message})

    @extend_schema(request=ReportSerializer, responses={201: None})
    @action(detail=True, methods=["post"], throttle_classes=[ReportThrottle])
    def report(self, request, pk=None):
        """Report a work to the moderators (with a reason)."""
        submission = self.get_object()
        data = ReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reporter = request.user if request.user.is_authenticated else None
        reason = data.validated_data["reason"]
        moderation.report_submission(submission, reason=reason, reporter=reporter, ip=client_ip(request))
        return Response(status=status.HTTP_201_CREATED)


class ModerationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The moderation queue (also in the Wagtail admin): pending and reported works, oldest first."""

    lookup_value_regex = NUMERIC_ID

    serializer_class = ModerationItemSerializer
    permission_classes = [IsModerator]
    filterset_class = ModerationFilter

    def get_queryset(self):
        return selectors.moderation_queue_with_reports()

    def _decide(self, service, *args):
        submission = get_object_or_404(Submission, pk=self.kwargs["pk"])
        submission = service(submission, self.request.user, *args)
        return Response(SubmissionSerializer(submission).data)

    @extend_schema(request=None, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(moderation.approve_submission)

    @extend_schema(request=RejectSerializer, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._decide(moderation.reject_submission, data.validated_data["reason"])

    @extend_schema(request=None, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"])
    def keep(self, request, pk=None):
        """Reports were unfounded: the work stays public."""
        return self._decide(moderation.keep_submission)


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
        return selectors.blind_works_for(user).prefetch_related(
            Prefetch("scores", queryset=Score.objects.filter(juror=user), to_attr="my_scores")
        )

    @extend_schema(request=ScoreInputSerializer, responses={200: MyScoreSerializer})
    @action(detail=True, methods=["post"])
    def score(self, request, code=None):
        submission = self.get_object()
        data = ScoreInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        score = jury.score_submission(request.user, submission, **data.validated_data)
        return Response(MyScoreSerializer(score).data)

    @extend_schema(request=ConflictInputSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def conflict(self, request, code=None):
        """Declare a conflict of interest: the work disappears from this juror's list."""
        submission = self.get_object()
        data = ConflictInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        jury.declare_conflict(request.user, submission, data.validated_data["note"])
        return Response(status=status.HTTP_201_CREATED)


class JuryAssignmentViewSet(viewsets.GenericViewSet):
    """Ranking and winners of one assignment: for the direction's mentor (and editors to read)."""

    lookup_value_regex = NUMERIC_ID

    queryset = Assignment.objects.select_related("direction", "season", "masterclass__mentor")
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = RankingSerializer

    def _check_mentor(self, assignment, allow_editors):
        user = self.request.user
        if roles.is_mentor_of(user, assignment) or user.is_superuser:
            return
        if allow_editors and roles.is_editor(user):
            return
        raise exceptions.PermissionDenied("Это доступно наставнику направления.")

    @extend_schema(request=DeclarationInputSerializer, responses={201: DeclarationSerializer})
    @action(detail=True, methods=["post"])
    def declaration(self, request, pk=None):
        """A juror's declaration before scoring the assignment: no conflict of interest (no
        `conflicts`), or conflicts with the works whose jury codes are listed."""
        assignment = self.get_object()
        data = DeclarationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = jury.declare_conflicts(request.user, assignment, **data.validated_data)
        return Response(DeclarationSerializer(declaration).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: RankingSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def ranking(self, request, pk=None):
        """Jury ranking per age band (z-scores per juror, averaged) and, apart, the audience award."""
        assignment = self.get_object()
        self._check_mentor(assignment, allow_editors=True)
        ranking = selectors.jury_ranking(assignment)
        audience = selectors.audience_award(assignment)
        bands = sorted(set(ranking) | set(audience))
        rows = [{"age_band": band, "jury": ranking.get(band, []), "audience": audience.get(band, [])} for band in bands]
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
        confirmed = jury.confirm_winners(request.user, assignment, winners=winners, finalists=finalists)
        return Response(SubmissionSerializer(confirmed, many=True).data)
