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
