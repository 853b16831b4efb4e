"""The report's rollups (reports.rollups) equal a recount from the raw rows after every kind of
write, through learning's services; a drifted rollup is caught by verify_report_rollups; and two
connections adding to the same cell at once lose nothing."""

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.utils import timezone

from learning import services as learning
from learning.models import LessonProgress, Like, Student, Submission
from reports import figures, rollups
from reports.models import LikeCell, RegistrationDay, WorkCell
from tests import factories

pytestmark = pytest.mark.postgres


def table(flt, key):
    return next(t for _, tables in figures.full_report(flt) for t in tables if t.key == key)


def figure(flt, label):
    return next(row["value"] for row in table(flt, "participation").rows if row["figure"].startswith(label))


def test_rollups_equal_a_recount_after_a_mix_of_writes(world, moderator, make_user):
    assert rollups.problems() == []
    flt = lambda: figures.ReportFilter(season=world.season)  # noqa: E731
    anya, boris, vera, gleb = world.students
    assert figure(flt(), "Лайки работ") == 4
    assert figure(flt(), "Ждут модерации") == 1

    pending = Submission.objects.get(student=gleb, status="pending")
    learning.approve_submission(pending, moderator)
    approved = Submission.objects.get(student=boris, status="approved")
    learning.reject_submission(approved, moderator, "Не по заданию.")
    lesson = LessonProgress.objects.filter(student=anya).first().lesson
    learning.record_progress(vera, lesson, position=10, start=0, end=20, duration=60)
    anya_work = Submission.objects.get(student=anya)
    fan = make_user()
    learning.set_like(fan, anya_work, True)
    learning.set_like(fan, anya_work, False)  # withdrawn: back to where it was
    learning.set_like(make_user(), anya_work, True)
    assert rollups.problems() == []

    # Erasure: the child's region and town are wiped, their works move to «unknown», their
    # registration stops counting.
    registered = figure(flt(), "Зарегистрировались")
    learning.delete_student_account(gleb)
    assert rollups.problems() == []
    assert figure(flt(), "Зарегистрировались") == registered - 1
    unknown = next(row for row in table(flt(), "regions").rows if row["region"] == "Регион не указан")
    assert unknown["works"] == Submission.objects.filter(student=gleb).count() == 2

    # A progress row and a like deleted with their student's account row (CASCADE in Django).
    lone = Student.objects.get(first_name="Даша")
    LessonProgress.objects.create(student=lone, lesson=lesson, duration=60, watched_seconds=60)
    assert rollups.problems() == []
    lone.user.delete()
    assert rollups.problems() == []
    assert figure(flt(), "Ждут модерации") == 0
    assert figure(flt(), "Отклонено работ") == 2
    assert figure(flt(), "Лайки работ") == 5
    assert figure(flt(), "Просмотры уроков") == 4


def test_verify_command_finds_a_drifted_rollup_and_rebuild_repairs_it(world, capsys):
    call_command("verify_report_rollups")
    WorkCell.objects.filter(status="winner").update(works=7)
    RegistrationDay.objects.all().delete()
    with pytest.raises(CommandError, match="расходятся"):
        call_command("verify_report_rollups")
    assert "reports_workcell" in capsys.readouterr().out
    call_command("verify_report_rollups", "--rebuild")
    assert rollups.problems() == []


def test_a_rollup_can_not_go_below_zero(world):
    """A cell out of step fails the write instead of going negative."""
    work = Submission.objects.get(student=world.students[0])
    fan = Like.objects.filter(submission=work).first().user
    LikeCell.objects.update(likes=0)
    with pytest.raises(IntegrityError, match="report_like_cell_not_negative"):
        learning.set_like(fan, work, False)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_of_one_cell_lose_nothing():
    """Eight connections add a work to the same (not yet existing) cell at the same moment: the
    first insert races the rest into ON CONFLICT; each count lands."""
    season = factories.make_season()
    tree = factories.PageTree(publish=False)
    tree.section("directions")
    direction = tree.direction()
    assignment = factories.make_assignment(direction, season=season)
    students = [
        Student.objects.create(
            user=factories.make_user(), first_name="Ученик", region=None, town="", created_at=timezone.now()
        )
        for _ in range(8)
    ]

    def add_work(index):
        Submission.objects.create(
            assignment=assignment, student=students[index], title=f"Работа {index}", age=11, age_band="10-13"
        )

    factories.run_in_threads(8, add_work)
    cell = WorkCell.objects.get(assignment=assignment, status="pending")
    assert cell.works == 8
    assert rollups.problems() == []
    connection.close()


def test_editors_moving_lessons_and_works_between_seasons_and_directions_recount_activity(world):
    """A masterclass given another season, moved under another direction, an assignment moved to
    another direction: the students concerned are recounted; the rollups still equal the rows."""
    from cms.models import MasterclassPage
    from learning.models import Assignment

    other = factories.make_season(name="Сезон 2027/28", days_before=-300, days_after=600)
    vocal_class = MasterclassPage.objects.descendant_of(world.vocal).get()
    vocal_class.season = other
    vocal_class.save()
    assert rollups.problems() == []

    vocal_class.move(world.painting, pos="last-child")
    assert rollups.problems() == []
    painting = figures.ReportFilter(season=other, direction=world.painting)
    assert sum(row["students"] for row in painting.student_cube) == 1  # Anya watched the vocal lessons

    Assignment.objects.filter(direction=world.vocal).update(direction=world.painting)
    assert rollups.problems() == []
    assert (
        sum(row["students"] for row in figures.ReportFilter(season=world.season, direction=world.vocal).student_cube)
        == 0
    )


def jury_rows(flt):
    """The jury progress table's rows and total, as the page shows them."""
    result = table(flt, "jury_progress")
    return result.rows + [result.total]


def jury_figures_agree(flt):
    """The rollup's jury figures per direction equal those counted from the raw works and scores."""
    from learning import selectors as learning_selectors

    def normal(figures, given):
        keys = ("works", "due", "scored", "winners", "finalists")
        return {
            direction: tuple(figures.get(direction, {}).get(key) or 0 for key in keys) + (given.get(direction, 0),)
            for direction in set(figures) | set(given)
            if any(figures.get(direction, {}).get(key) for key in keys) or given.get(direction)
        }

    from_rollup = normal(*rollups.jury_figures(flt.assignment_ids))
    from_rows = normal(
        *learning_selectors.jury_figures_by_direction(learning_selectors.works_of_assignments(flt.assignment_ids))
    )
    assert from_rollup == from_rows
    return True


def test_jury_rollup_equals_a_recount_after_scores_and_status_changes(world, make_user):
    """Scores added one by one and several in one statement, re-scored, moved to another work and
    dropped; works moved through the statuses, deleted with their scores; a juror's account deleted
    with theirs; the jurors per work changed: the rollup equals a recount, and the table equals the
    one counted from the raw rows."""
    from learning.models import Assignment, Score

    flt = lambda: figures.ReportFilter(season=world.season)  # noqa: E731
    assert rollups.problems() == []
    assert jury_figures_agree(flt())
    vocal = next(row for row in jury_rows(flt()) if row["direction"] == "Вокал")
    assert (vocal["works"], vocal["scores"], vocal["due"], vocal["scored"]) == (3, 3, 6, 1)

    anya, boris, vera, gleb = world.students
    gleb_work = Submission.objects.get(student=gleb, status="shortlisted")
    boris_work = Submission.objects.get(student=boris, status="finalist")
    jurors = [make_user() for _ in range(3)]
    Score.objects.bulk_create(  # two scores of one work in one statement
        [Score(juror=juror, submission=gleb_work, points={}, total=10, comment="Да") for juror in jurors[:2]]
    )
    Score.objects.create(juror=jurors[2], submission=boris_work, points={}, total=12, comment="Да")
    Score.objects.update_or_create(  # re-scored: the count stays
        juror=jurors[2], submission=boris_work, defaults={"total": 14, "comment": "Лучше"}
    )
    assert rollups.problems() == []
    vocal = next(row for row in jury_rows(flt()) if row["direction"] == "Вокал")
    assert (vocal["scores"], vocal["scored"]) == (6, 3)
    assert jury_figures_agree(flt())

    # A score moved to another work; works through the statuses (a QuerySet.update as the admin does).
    Score.objects.filter(juror=jurors[2], submission=boris_work).update(submission=gleb_work)
    Submission.objects.filter(pk=gleb_work.pk).update(status="winner")
    Submission.objects.filter(pk=boris_work.pk).update(status="shortlisted")
    approved = Submission.objects.get(student=boris, status="approved")
    approved.status = "shortlisted"
    approved.save(update_fields=["status"])
    assert rollups.problems() == []
    assert jury_figures_agree(flt())

    # The assignment asks for more scores per work: nothing moves in the rollup, the table follows.
    Assignment.objects.filter(direction=world.vocal).update(jurors_per_work=3)
    vocal = next(row for row in jury_rows(flt()) if row["direction"] == "Вокал")
    assert (vocal["due"], vocal["scored"]) == (9, 1)  # gleb's work has three
    assert jury_figures_agree(flt())

    # Scores dropped several at once; a work deleted with its scores; a juror deleted with theirs.
    Score.objects.filter(submission=gleb_work, juror__in=jurors[:2]).delete()
    Submission.objects.get(student=anya).delete()
    jurors[2].delete()
    assert rollups.problems() == []
    assert jury_figures_agree(flt())
    vocal = next(row for row in jury_rows(flt()) if row["direction"] == "Вокал")
    assert (vocal["works"], vocal["scores"], vocal["winners"]) == (2, 1, 1)


def test_verify_command_finds_a_drifted_jury_rollup_and_rebuild_repairs_it(world, capsys):
    from reports.models import JuryCell

    call_command("verify_report_rollups")
    JuryCell.objects.filter(status="winner").update(works=5)
    JuryCell.objects.filter(status="finalist").delete()
    with pytest.raises(CommandError, match="расходятся"):
        call_command("verify_report_rollups")
    assert "reports_jurycell" in capsys.readouterr().out
    call_command("verify_report_rollups", "--rebuild")
    assert rollups.problems() == []


def test_a_jury_cell_out_of_step_fails_the_score_write(world, make_user):
    """A score whose work's cell is missing (or at zero) fails instead of counting wrong."""
    from learning.models import Score
    from reports.models import JuryCell

    work = Submission.objects.get(student=world.students[3], status="shortlisted")
    JuryCell.objects.filter(status="shortlisted").delete()
    with pytest.raises(Exception, match="reports_jurycell has no cell"):
        Score.objects.create(juror=make_user(), submission=work, points={}, total=1, comment="Да")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_jurors_scoring_one_work_lose_nothing():
    """Six jurors score one work at the same moment, each in their own connection: each takes the
    work's lock in turn and moves it one score up; the work ends in the cell of six scores."""
    from learning.models import Score
    from reports.models import JuryCell

    season = factories.make_season()
    tree = factories.PageTree(publish=False)
    tree.section("directions")
    direction = tree.direction()
    assignment = factories.make_assignment(direction, season=season)
    student = Student.objects.create(
        user=factories.make_user(), first_name="Ученик", region=None, town="", created_at=timezone.now()
    )
    work = Submission.objects.create(
        assignment=assignment, student=student, title="Работа", age=11, age_band="10-13", status="shortlisted"
    )
    jurors = [factories.make_user() for _ in range(6)]

    def score(index):
        Score.objects.create(juror=jurors[index], submission=work, points={}, total=index, comment="Да")

    factories.run_in_threads(6, score)
    assert list(JuryCell.objects.filter(assignment=assignment, works__gt=0).values_list("scores", "works")) == [(6, 1)]
    assert rollups.problems() == []
    connection.close()


def test_work_totals_from_the_rollup_equal_those_summed_from_the_raw_rows(world, moderator, monkeypatch):
    """The tables read the works added up by region, town size and direction × age band: from the
    cells in one GROUPING SETS query, the same as the raw rows summed (the path without rollups)."""

    def both():
        from_rollup = figures.ReportFilter(season=world.season).work_totals
        with monkeypatch.context() as patched:
            patched.setattr(rollups, "maintained", lambda: False)
            from_rows = figures.ReportFilter(season=world.season).work_totals
        return from_rollup, from_rows

    from_rollup, from_rows = both()
    assert from_rollup == from_rows
    assert from_rollup["all"]["works"] == Submission.objects.count() > 0
    learning.approve_submission(Submission.objects.filter(status="pending").first(), moderator)
    learning.delete_student_account(world.students[1])  # their works move to «region unknown»
    from_rollup, from_rows = both()
    assert from_rollup == from_rows
    assert from_rollup["region"][None]["works"] == Submission.objects.filter(student=world.students[1]).count()


def test_verify_command_checks_the_ledgers_running_totals_and_rebuild_restarts_them(world, capsys):
    """The monthly ledger the report reads takes today from engagement's running totals: the
    command compares them with the entries too, and --rebuild recounts them."""
    from datetime import timedelta

    from django.db.models import F

    from engagement.models import LedgerRecentTotal
    from engagement.services import tally_recent_days

    assert tally_recent_days(now=timezone.now() + timedelta(minutes=11)) >= 1  # the world's approved work
    call_command("verify_report_rollups")
    LedgerRecentTotal.objects.update(amount=F("amount") + 1)
    with pytest.raises(CommandError, match="расходятся"):
        call_command("verify_report_rollups")
    assert "LedgerRecentTotal" in capsys.readouterr().out
    call_command("verify_report_rollups", "--rebuild")
    assert rollups.problems() == []
