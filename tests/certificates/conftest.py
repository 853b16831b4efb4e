"""Builders for the certificates tests: a season with one direction, its mentor, a masterclass of
two lessons, an open assignment, and students taken through learning's real services to a status
(approved, shortlisted, winner) or through every lesson. Learning's changes commit and the tasks
run at once (the immediate backend), as the worker would run them."""

import pytest

from certificates.models import CertificateDesign, DesignPartner
from learning import services as learning
from learning.models import JuryMember
from tests import factories


@pytest.fixture(autouse=True)
def clean_state(fresh_cache, fast_password_hashing, settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def direction(page_tree, mentor_user):
    page_tree.sections_named("directions", "mentors", "stories")
    mentor = page_tree.mentor("Вера Кистева", role="художница", bio="<p>Пишет.</p>", user=mentor_user)
    painting = page_tree.direction("Живопись", "painting", description="<p>Краски.</p>", curator=mentor)
    painting.mentor_page = mentor
    return painting


@pytest.fixture
def masterclass(page_tree, direction, season):
    return page_tree.masterclass(direction, mentor=direction.mentor_page, season=season, title="Акварель с нуля")


@pytest.fixture
def lessons(page_tree, masterclass):
    return [page_tree.lesson(masterclass, title) for title in ("Вода и пигмент", "Лессировка")]


@pytest.fixture
def assignment(direction, season, masterclass, mentor_user):
    assignment = factories.make_assignment(
        direction,
        season=season,
        masterclass=masterclass,
        title="Портрет моей семьи",
        task="Нарисуйте семью.",
        allowed_kinds=["image", "text"],
        jurors_per_work=1,
        winner_opportunity="Выставка в музее",
        criteria=[("Замысел", 10)],
    )
    JuryMember.objects.create(user=mentor_user, direction=direction, season=season, role=JuryMember.Role.MENTOR)
    return assignment


@pytest.fixture
def make_student(db):
    """An active student; under 14 the guardian consents and gets an account (the tests' PASSWORD)."""

    def make(email="anya@example.org", first_name="Аня", surname="Колесникова", age=12):
        return factories.make_student(
            email, first_name, surname, age, ip="10.0.0.1", guardian_ip="10.0.0.2", notify_guardian=False
        )

    return make


@pytest.fixture
def student(make_student):
    return make_student()


@pytest.fixture
def reach(django_capture_on_commit_callbacks, moderator, mentor_user, assignment):
    """Take a student's work through learning's services to `status`: approved, shortlisted or
    winner. Each step commits, so certificates' receivers and tasks run as in production."""

    def run(step, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return step(*args, **kwargs)

    def reach(student, status="approved", title=None):
        work = run(
            learning.submit_work,
            student,
            assignment,
            title=title or f"Работа {student.first_name}",
            text="Мой рассказ.",
        )
        run(learning.approve_submission, work, moderator)
        if status in ("shortlisted", "winner"):
            work = run(learning.shortlist_submission, work, moderator)
        if status == "winner":
            criterion = assignment.criteria.first()
            if not learning.has_declared(mentor_user, assignment):
                run(learning.declare_conflicts, mentor_user, assignment)
            run(learning.score_submission, mentor_user, work, points={str(criterion.pk): 9}, comment="Живо и смело.")
            run(learning.confirm_winners, mentor_user, assignment, winners=[work], notify=False)
        work.refresh_from_db()
        return work

    return reach


@pytest.fixture
def watch_all(django_capture_on_commit_callbacks, lessons):
    """The student watches every lesson to the end, reported as the player does (≤ 30 s a beacon);
    `tasks_run=False` leaves certificates' tasks unrun (as before certificates existed)."""

    def watch(student, duration=60.0, tasks_run=True):
        for lesson in lessons:
            position = 0.0
            while position < duration:
                end = min(position + 10, duration)
                with django_capture_on_commit_callbacks(execute=tasks_run):
                    learning.record_progress(student, lesson, position=end, start=position, end=end, duration=duration)
                position = end

    return watch


@pytest.fixture
def design(page_tree, season, direction):
    """Editors' design for the season: own texts, a signature and two partners' logos."""

    def scribble(pen, size):
        pen.line([(20, 200), (120, 60), (220, 190), (330, 50), (460, 180), (580, 90)], fill=(20, 20, 90, 255), width=8)

    signature = factories.png_image("Подпись", draw=scribble)
    logos = [
        page_tree.partner(name, slug=slug, logo=factories.png_image(name, colour=colour))
        for name, slug, colour in (
            ("Фонд Свет", "svet", (230, 160, 0, 255)),
            ("Студия Звук", "zvuk", (0, 120, 200, 255)),
        )
    ]
    design = CertificateDesign(
        season=season,
        winner_heading="Диплом победителя сезона",
        signatory_role="наставница направления «Живопись»",
        signature=signature,
        footer="Проект «Поколение М» при поддержке партнёров.",
    )
    design.partners = [DesignPartner(partner=partner) for partner in logos]
    design.save()
    return design
