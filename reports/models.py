"""The list of Russian settlements with population that registration and the season report read."""

from django.db import models


class Settlement(models.Model):
    """A Russian town or village of 1,000+ people from GeoNames (CC BY 4.0), see reports.settlements.

    Also carries the permission to read the season report (editors get it), as the report has no
    model of its own.
    """

    geonames_id = models.PositiveIntegerField("идентификатор GeoNames", unique=True)
    name = models.CharField("название", max_length=150)
    name_key = models.CharField("название для поиска", max_length=150, db_index=True, editable=False)
    region = models.ForeignKey(
        "cms.Region", verbose_name="регион", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    population = models.PositiveIntegerField("население")

    class Meta:
        verbose_name = "населённый пункт"
        verbose_name_plural = "населённые пункты"
        ordering = ["-population", "name"]
        permissions = [("view_season_report", "Может смотреть отчёт сезона")]

    def __str__(self):
        return f"{self.name} ({self.population:,} чел.)".replace(",", " ")


# --- rollups: the report's grouped counts, kept by database triggers (see reports.rollups) ---------
#
# Each row is a count of raw rows with one key. Triggers on the learning tables add and subtract in
# the same transaction as the write, with INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n, so
# concurrent writers never lose a count; the CHECK constraints make a count that would go negative
# (a rollup out of step with its rows) fail the write instead of skewing the report. Rows are never
# edited by hand: `verify_report_rollups` recounts them from the raw tables (and rebuilds them).


class WorkCell(models.Model):
    """Works of one assignment by the author's region and town size, age band and status."""

    assignment = models.ForeignKey(
        "learning.Assignment", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )  # led by the unique constraint; no FK check on every work's write
    region = models.ForeignKey(
        "cms.Region", null=True, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    town_size = models.PositiveSmallIntegerField()  # position in cms.towns.TownSize.ORDER
    age_band = models.CharField(max_length=8)
    status = models.CharField(max_length=16)
    works = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "region", "town_size", "age_band", "status"],
                name="report_work_cell_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=models.Q(works__gte=0), name="report_work_cell_not_negative"),
        ]

    def __str__(self):
        return f"{self.assignment_id}/{self.region_id}/{self.town_size}/{self.age_band}/{self.status}: {self.works}"


class LessonCell(models.Model):
    """Progress rows of one lesson (views) and how many of them are completed."""

    lesson = models.OneToOneField(
        "cms.LessonPage", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, primary_key=True
    )
    views = models.IntegerField()
    completions = models.IntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(views__gte=0, completions__gte=0, completions__lte=models.F("views")),
                name="report_lesson_cell_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.lesson_id}: {self.views}/{self.completions}"


class LikeCell(models.Model):
    """Likes standing on the works of one assignment."""

    assignment = models.OneToOneField(
        "learning.Assignment", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, primary_key=True
    )
    likes = models.IntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(likes__gte=0), name="report_like_cell_not_negative")]

    def __str__(self):
        return f"{self.assignment_id}: {self.likes}"


class RegistrationDay(models.Model):
    """Live (not erased) student accounts created on one Moscow day."""

    day = models.DateField(primary_key=True)
    students = models.IntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(students__gte=0), name="report_registration_day_not_negative")
        ]

    def __str__(self):
        return f"{self.day}: {self.students}"


class Activity(models.Model):
    """A student active in a season (and direction; none: the whole season): watched one of its
    lessons or sent a work to one of its assignments. With the cell (region, town size) the student
    was counted in, so taking them out subtracts from the same cell."""

    student = models.ForeignKey(
        "learning.Student", on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )  # led by the unique constraint
    season = models.ForeignKey("cms.Season", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    direction = models.ForeignKey(
        "cms.DirectionPage", null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    region = models.ForeignKey(
        "cms.Region", null=True, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    town_size = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "season", "direction"], name="report_activity_unique", nulls_distinct=False
            ),
        ]

    def __str__(self):
        return f"{self.student_id} in {self.season_id}/{self.direction_id}"


class ActiveCell(models.Model):
    """Active students of a season (and direction; none: the whole season) by region and town size."""

    season = models.ForeignKey(
        "cms.Season", on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    direction = models.ForeignKey(
        "cms.DirectionPage", null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    region = models.ForeignKey(
        "cms.Region", null=True, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    town_size = models.PositiveSmallIntegerField()
    students = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["season", "direction", "region", "town_size"],
                name="report_active_cell_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=models.Q(students__gte=0), name="report_active_cell_not_negative"),
        ]

    def __str__(self):
        return f"{self.season_id}/{self.direction_id}/{self.region_id}/{self.town_size}: {self.students}"


class JuryCell(models.Model):
    """Works of one assignment in one status that carry exactly `scores` jury scores. The scores
    due and the fully judged works follow from the assignment's jurors per work when the report
    reads, so changing that setting moves nothing here."""

    assignment = models.ForeignKey(
        "learning.Assignment", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )  # led by the unique constraint
    status = models.CharField(max_length=16)
    scores = models.IntegerField()
    works = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "status", "scores"], name="report_jury_cell_unique"),
            models.CheckConstraint(
                condition=models.Q(works__gte=0, scores__gte=0), name="report_jury_cell_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.assignment_id}/{self.status}/{self.scores}: {self.works}"
