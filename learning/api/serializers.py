"""The learning API's serializers: input they parse, output in public or private shapes (a child's
personal data only to the child and the guardian; the gallery and the jury never see it)."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cms.models import Region
from learning import selectors
from learning.models import Assignment, LessonProgress, RubricCriterion, Score, Student, Submission, SubmissionFile
from learning.services.accounts import raised_by
from learning.services.jury import jury_label


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
        return raised_by(student.user)


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
        return selectors.vk_share_url(submission)


class LikeResultSerializer(serializers.Serializer):
    liked = serializers.BooleanField()
    like_count = serializers.IntegerField()
    message = serializers.CharField(help_text="Что этот лайк приносит: рубль, рубль после первых суток или ничего.")


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
        return jury_label(submission)

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


class DeclarationInputSerializer(serializers.Serializer):
    conflicts = serializers.ListField(
        child=serializers.CharField(max_length=16), required=False, default=list, max_length=500
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class DeclarationSerializer(serializers.Serializer):
    assignment = serializers.IntegerField(source="assignment_id")
    has_conflicts = serializers.BooleanField()
    declared_at = serializers.DateTimeField()


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


class TownConsentSerializer(serializers.Serializer):
    token = serializers.CharField()
