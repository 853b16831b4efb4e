"""Builders for the certificates tests: a season with one direction, its mentor, a masterclass of
two lessons, an open assignment, and students taken through learning's real services to a status
(approved, shortlisted, winner) or through every lesson. Learning's changes commit and the tasks
run at once (the immediate backend), as the worker would run them."""

import datetime
import functools
import io

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw
from rest_framework.test import APIClient

from cms.models import (
    DirectionIndexPage,
    DirectionPage,
    LessonPage,
    MasterclassPage,
    MentorIndexPage,
    MentorPage,
    PartnerIndexPage,
    PartnerPage,
    Region,
    WinnerStoryIndexPage,
)
from learning import services as learning
from learning.models import Assignment, JuryMember, RubricCriterion
from tests import factories
from tests.factories import add_child, make_season

PASSWORD = "Сертификат-2026"


@pytest.fixture(autouse=True)
def clean_state(fresh_cache, fast_password_hashing, settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def season(db):
    return make_season()


@pytest.fixture
def make_user(db):
    return functools.partial(factories.make_user, password=PASSWORD)


@pytest.fixture
def mentor_user(make_user):
    return make_user("mentor", group="Mentors")


@pytest.fixture
def moderator(make_user):
    return make_user("moderator", group="Moderators")


@pytest.fixture
def editor(make_user):
    return make_user("editor", group="Editors")


@pytest.fixture
def direction(home, mentor_user):
    directions = add_child(home, DirectionIndexPage(title="Направления", slug="directions"))
    mentors = add_child(home, MentorIndexPage(title="Наставники", slug="mentors"))
    add_child(home, WinnerStoryIndexPage(title="Истории победителей", slug="stories"))
    mentor = add_child(
        mentors, MentorPage(title="Вера Кистева", role="художница", bio="<p>Пишет.</p>", user=mentor_user)
    )
    painting = add_child(
        directions, DirectionPage(title="Живопись", slug="painting", description="<p>Краски.</p>", curator=mentor)
    )
    painting.mentor_page = mentor
    return painting


@pytest.fixture
def masterclass(direction, season):
    return add_child(
        direction,
        MasterclassPage(
            title="Акварель с нуля",
            mentor=direction.mentor_page,
            season=season,
            age_band="10-13",
            description="<p>Курс.</p>",
        ),
    )


@pytest.fixture
def lessons(masterclass):
    return [
        add_child(masterclass, LessonPage(title=title, summary="Кратко", text="<p>Урок.</p>"))
        for title in ("Вода и пигмент", "Лессировка")
    ]


@pytest.fixture
def assignment(direction, season, masterclass, mentor_user):
    now = timezone.now()
    assignment = Assignment.objects.create(
        title="Портрет моей семьи",
        direction=direction,
        season=season,
        masterclass=masterclass,
        task="Нарисуйте семью.",
        opens_at=now - datetime.timedelta(days=7),
        closes_at=now + datetime.timedelta(days=30),
        age_bands=["6-9", "10-13", "14-18"],
        allowed_kinds=["image", "text"],
        jurors_per_work=1,
        winner_opportunity="Выставка в музее",
    )
    RubricCriterion.objects.create(assignment=assignment, name="Замысел", max_points=10, sort_order=0)
    JuryMember.objects.create(user=mentor_user, direction=direction, season=season, role=JuryMember.Role.MENTOR)
    return assignment


def birth_date_for(age):
    today = timezone.localdate()
    return (
        datetime.date(today.year - age, 1, 1)
        if (today.month, today.day) > (1, 1)
        else datetime.date(today.year - age - 1, 1, 1)
    )


@pytest.fixture
def make_student(db):
    """An active student; under 14 the guardian consents and gets an account (password given)."""

    def make(email="anya@example.org", first_name="Аня", surname="Колесникова", age=12):
        student = learning.register_student(
            email=email,
            password=PASSWORD,
            first_name=first_name,
            surname=surname,
            birth_date=birth_date_for(age),
            region=Region.objects.get(code="52"),
            town="Выкса",
            town_population=52000,
            guardian_email=f"parent.{email}" if age < 14 else "",
            consent=age >= 14,
            ip="10.0.0.1",
            notify_guardian=False,
        )
        if age < 14:
            learning.confirm_guardian_consent(learning.guardian_token(student), ip="10.0.0.2", password=PASSWORD)
        student.refresh_from_db()
        student.user.refresh_from_db()
        return student

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
def client_for():
    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


def png_image(title, size=(600, 240), draw=None, colour=(61, 31, 115, 255)):
    """A Wagtail image drawn with Pillow: a signature scribble or a partner's logo."""
    from django.core.files.images import ImageFile
    from wagtail.images.models import Image as WagtailImage

    picture = Image.new("RGBA", size, (255, 255, 255, 0))
    pen = ImageDraw.Draw(picture)
    if draw:
        draw(pen, size)
    else:
        pen.rectangle((10, 10, size[0] - 10, size[1] - 10), fill=colour)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return WagtailImage.objects.create(title=title, file=ImageFile(buffer, name=f"{title}.png"))


@pytest.fixture
def design(home, season, direction):
    """Editors' design for the season: own texts, a signature and two partners' logos."""
    from certificates.models import CertificateDesign, DesignPartner

    partners = add_child(home, PartnerIndexPage(title="Партнёры", slug="partners"))

    def scribble(pen, size):
        pen.line([(20, 200), (120, 60), (220, 190), (330, 50), (460, 180), (580, 90)], fill=(20, 20, 90, 255), width=8)

    signature = png_image("Подпись", draw=scribble)
    logos = [
        add_child(
            partners,
            PartnerPage(
                title=name,
                slug=slug,
                kind="business",
                description="<p>Партнёр.</p>",
                logo=png_image(name, colour=colour),
            ),
        )
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
