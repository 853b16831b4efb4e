"""Demo data for the learning side: students (with consent records), a contest assignment per
direction, works in every status, a jury with scores and last season's winners with story drafts.
All children and adults are invented. Idempotent: everything is found by a stable key (email,
student + assignment, juror + work) and left as it is."""

import datetime
import functools
import io
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher, make_password
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import ngettext
from PIL import Image, ImageDraw

from cms.age_bands import AgeBand
from cms.models import DirectionPage, LessonPage, MasterclassPage, MentorPage, Region, Season
from learning import selectors
from learning.models import (
    Appeal,
    Assignment,
    JuryMember,
    LessonProgress,
    Like,
    RejectionReason,
    RubricCriterion,
    Score,
    Student,
    Submission,
)
from learning.services import accounts, appeals, guardians, jury, likes, moderation, progress, submissions

DEMO_PASSWORD = "demo-pokolenie-2026"  # noqa: S105 (development demo accounts only)
DOMAIN = "demo.pokolenie-m.example"

# email key, first name, surname, birth date, region code, town, population
STUDENTS = [
    ("anya", "Аня", "Колесникова", datetime.date(2014, 3, 12), "52", "Выкса", 52000),
    ("timofey", "Тимофей", "Гаврилов", datetime.date(2011, 7, 2), "66", "Ирбит", 36000),
    ("milana", "Милана", "Сафина", datetime.date(2010, 11, 23), "16", "Елабуга", 74000),
    ("egor", "Егор", "Лукин", datetime.date(2016, 5, 30), "24", "Минусинск", 67000),
    ("vera", "Вера", "Никитина", datetime.date(2009, 1, 17), "77", "Москва", None),
    ("ruslan", "Руслан", "Ахметов", datetime.date(2012, 9, 4), "02", "Стерлитамак", 270000),
    ("sonya", "Соня", "Белова", datetime.date(2013, 4, 21), "35", "Тотьма", 9500),
    ("danil", "Данил", "Орехов", datetime.date(2008, 12, 8), "25", "Находка", 140000),
    ("katya", "Катя", "Зуева", datetime.date(2015, 2, 14), "29", "Вельск", 22000),
    ("mark", "Марк", "Ильин", datetime.date(2010, 6, 19), "54", "Бердск", 103000),
    ("alina", "Алина", "Шарипова", datetime.date(2011, 10, 1), "74", "Миасс", 150000),
    ("ilya", "Илья", "Васнецов", datetime.date(2009, 8, 27), "78", "Санкт-Петербург", None),
]
JURORS = [
    ("juror.orlova", "Ольга", "Орлова"),
    ("juror.kim", "Денис", "Ким"),
    ("juror.belkina", "Марина", "Белкина"),
]
CRITERIA = [("Замысел", 10), ("Исполнение", 10), ("Самостоятельность", 5)]
# direction slug -> (assignment title, task, allowed kinds, creative lift)
TASKS = {
    "vocal": (
        "Спой песню о своём городе",
        "Запишите песню о месте, где вы живёте.",
        ["video", "audio"],
        "Выступление на сцене детского музыкального фестиваля",
    ),
    "painting": (
        "Портрет моей семьи",
        "Нарисуйте семью так, как видите её вы.",
        ["image"],
        "Персональная выставка в региональном музее",
    ),
    "photography": (
        "Мой двор в четыре времени года",
        "Серия из трёх фотографий одного места.",
        ["image"],
        "Стажировка в фотостудии",
    ),
    "illustration": (
        "Обложка любимой книги",
        "Придумайте новую обложку любимой книги.",
        ["image", "document"],
        "Публикация иллюстрации в детском журнале",
    ),
    "acting": (
        "Монолог героя",
        "Прочитайте монолог любимого героя.",
        ["video", "text"],
        "Роль в спектакле театра юного зрителя",
    ),
}
# student key, direction slug, title, status in the current season
CURRENT_WORKS = [
    ("anya", "painting", "Бабушка печёт пироги", "approved"),
    ("timofey", "photography", "Лавочка у подъезда", "approved"),
    ("milana", "illustration", "«Маленький принц» по-новому", "approved"),
    ("egor", "painting", "Папа и я на рыбалке", "pending"),
    ("vera", "photography", "Тополь зимой", "pending"),
    ("ruslan", "illustration", "«Хоббит» в горах Урала", "rejected"),
    ("sonya", "painting", "Мама с котом", "reported"),
    ("danil", "acting", "Монолог Чацкого", "pending"),
]
# Last season: a shortlist per age band, scored by three jurors; the mentor picked winners.
PAST_WORKS = [
    ("katya", "painting", "Зимняя сказка", (8, 9, 4)),
    ("anya", "painting", "Наш сад", (7, 7, 4)),
    ("alina", "painting", "Город из окна", (9, 8, 5)),
    ("mark", "painting", "Дедушкин гараж", (6, 7, 3)),
    ("ilya", "painting", "Ленинградская весна", (9, 9, 5)),
    ("danil", "painting", "Порт на рассвете", (7, 8, 4)),
]
# This season's painting shortlist: works scored by the first jurors listed in `scored_by` (by index in
# JURORS). The fully scored ones let the mentor confirm winners; the last waits for juror.kim's score.
CURRENT_SHORTLIST = [
    ("katya", "Снегири на рябине", (9, 8, 5), (0, 1, 2)),
    ("alina", "Мой папа — пожарный", (8, 9, 4), (0, 1, 2)),
    ("mark", "Дом с голубыми ставнями", (7, 7, 4), (0, 2)),
]
# A second child of Anya's guardian, added from the guardian's cabinet (consent given at once), with a
# rejected work: the demo guardian's cabinet shows two children and a moderator's reason on first run.
SIBLING = ("liza", "Лиза", "Колесникова", datetime.date(2017, 8, 9), "52", "Выкса", 52000)
SIBLING_OF = "anya"
SIBLING_WORK = ("painting", "Мы с сестрой во дворе", "rejected")
REJECTION = "На работе видно номер дома и название улицы — уберите их и отправьте работу снова."


def load(stdout):
    current = Season.objects.filter(name="Сезон 2026/27").first()
    past = Season.objects.filter(name="Сезон 2025/26").first()
    directions = {d.slug: d for d in DirectionPage.objects.filter(slug__in=TASKS)}
    if current is None or past is None or len(directions) < len(TASKS):
        stdout.write("Учёба: нет демо-сезонов или направлений cms — пропускаю.")
        return
    for title, text in [
        ("Личные данные", REJECTION),
        ("Не по заданию", "Работа не соответствует заданию — перечитайте его и попробуйте ещё раз."),
        ("Чужая работа", "Похоже, работа сделана не вами. Отправьте, пожалуйста, свою."),
    ]:
        RejectionReason.objects.get_or_create(title=title, defaults={"text": text})

    rng = random.Random(2026)
    students = {key: ensure_student(key, *data) for key, *data in STUDENTS}
    sibling = ensure_sibling(students[SIBLING_OF], *SIBLING)
    if sibling is not None:
        students[SIBLING[0]] = sibling
    moderator = ensure_staff("moderator.demo", "Ирина", "Модераторова", "Moderators")
    jurors = [ensure_staff(*juror) for juror in JURORS]

    current_assignments = {slug: ensure_assignment(directions[slug], current, *TASKS[slug]) for slug in TASKS}
    for key, slug, title, status in [*CURRENT_WORKS, (SIBLING[0], *SIBLING_WORK)]:
        if key not in students:
            continue
        ensure_current_work(students[key], current_assignments[slug], title, status, moderator, rng)
    visitors = [ensure_staff(f"fan{n}.demo", "Зритель", f"№{n}") for n in range(1, 6)]
    like_some(current_assignments, visitors, rng)
    ensure_suspicious_cluster(current_assignments)

    past_assignment = ensure_assignment(directions["painting"], past, *TASKS["painting"])
    ensure_jury(directions["painting"], past, jurors)
    ensure_past_results(past_assignment, students, jurors, moderator)
    ensure_appeals(past_assignment, students)
    ensure_jury(directions["painting"], current, jurors)
    ensure_current_shortlist(current_assignments["painting"], students, jurors, moderator, rng)
    ensure_progress(students["anya"], students["timofey"])

    assignments, works = len(current_assignments) + 1, len(CURRENT_WORKS) + 1 + len(PAST_WORKS)
    counted = [
        ngettext("%(count)s student", "%(count)s students", len(students)) % {"count": len(students)}
        + f" (пароль {DEMO_PASSWORD})",
        ngettext("%(count)s assignment", "%(count)s assignments", assignments) % {"count": assignments},
        ngettext("%(count)s work in every status", "%(count)s works in every status", works) % {"count": works},
        ngettext("a jury of %(count)s person", "a jury of %(count)s people", len(jurors)) % {"count": len(jurors)},
    ]
    stdout.write(f"Учёба: {', '.join(counted)}, итоги прошлого сезона по живописи.")


def ensure_student(key, first_name, surname, birth_date, region_code, town, population):
    email = f"{key}@{DOMAIN}"
    existing = Student.objects.filter(user__email=email).first()
    if existing:
        return existing
    student = accounts.register_student(
        email=email,
        password=DEMO_PASSWORD,
        first_name=first_name,
        surname=surname,
        birth_date=birth_date,
        region=Region.objects.get(code=region_code),
        town=town,
        town_population=population,
        guardian_email=f"parent.{key}@{DOMAIN}",
        consent=True,
        ip="127.0.0.1",
        notify_guardian=False,
    )
    if student.needs_guardian_consent:
        accounts.confirm_guardian_consent(accounts.guardian_token(student), ip="127.0.0.1", password=DEMO_PASSWORD)
    student.refresh_from_db()
    if not settings.DEBUG:  # sign-in passwords are for development only
        for user in filter(None, [student.user, student.guardian]):
            user.set_unusable_password()
            user.save(update_fields=["password"])
    return student


def ensure_sibling(brother_or_sister, key, first_name, surname, birth_date, region_code, town, population):
    """A second child of a demo guardian, added under the guardian's account as the cabinet does."""
    email = f"{key}@{DOMAIN}"
    existing = Student.objects.filter(user__email=email).first()
    if existing or brother_or_sister.guardian is None:
        return existing
    child = guardians.add_child(
        brother_or_sister.guardian,
        email=email,
        password=DEMO_PASSWORD,
        first_name=first_name,
        surname=surname,
        birth_date=birth_date,
        region=Region.objects.get(code=region_code),
        town=town,
        town_population=population,
        ip="127.0.0.1",
    )
    if not settings.DEBUG:
        child.user.set_unusable_password()
        child.user.save(update_fields=["password"])
    return child


def ensure_staff(username, first_name, last_name, group=None):
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, "email": f"{username}@{DOMAIN}"},
    )
    if created:
        set_demo_password(user)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def set_demo_password(user):
    """The demo password with DEBUG on (`make run` prints it); no usable password otherwise. Every
    demo account shares one hash of the one published password: hashing it for each of the ~90
    accounts cost half a minute of `make run`'s first start."""
    if settings.DEBUG:
        user.password = demo_password_hash(get_hasher().algorithm)
    else:
        user.set_unusable_password()
    user.save()


@functools.cache
def demo_password_hash(algorithm):
    """The demo password hashed once per process by the configured hasher (`algorithm` keys it, so
    a change of PASSWORD_HASHERS gets its own hash)."""
    return make_password(DEMO_PASSWORD, hasher=algorithm)


def ensure_assignment(direction, season, title, task, kinds, opportunity):
    existing = Assignment.objects.filter(direction=direction, season=season).first()
    if existing:
        return existing
    moscow = timezone.get_default_timezone()
    opens = datetime.datetime.combine(season.starts_on + datetime.timedelta(days=14), datetime.time(10), moscow)
    closes = datetime.datetime.combine(season.ends_on - datetime.timedelta(days=45), datetime.time(23, 59), moscow)
    masterclass = MasterclassPage.objects.child_of(direction).filter(season=season).first()
    assignment = Assignment.objects.create(
        title=title,
        direction=direction,
        season=season,
        masterclass=masterclass,
        task=task,
        opens_at=opens,
        closes_at=closes,
        age_bands=AgeBand.values,
        allowed_kinds=kinds,
        max_files=3,
        jurors_per_work=3,
        winner_opportunity=opportunity,
    )
    for order, (name, points) in enumerate(CRITERIA):
        RubricCriterion.objects.create(assignment=assignment, name=name, max_points=points, sort_order=order)
    return assignment


def picture(seed, title):
    """A small colourful picture standing in for a child's drawing or photo."""
    rng = random.Random(seed)
    image = Image.new("RGB", (800, 600), tuple(rng.randrange(150, 255) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x, y = rng.randrange(800), rng.randrange(600)
        r = rng.randrange(30, 160)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(0, 255) for _ in range(3)))
    draw.text((24, 560), title, fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile(f"{seed}.jpg", buffer.getvalue(), "image/jpeg")


def _submit(student, assignment, title, when):
    existing = Submission.objects.filter(student=student, assignment=assignment).first()
    if existing:
        return existing, False
    kinds = assignment.allowed_kinds
    files = [picture(f"{student.pk}-{assignment.pk}", title)] if "image" in kinds else []
    text = "" if files else f"{title}\n\nТекст работы: отрывок, который я читаю наизусть."
    work = submissions.submit_work(
        student, assignment, title=title, description="Моя работа для конкурса.", text=text, files=files, now=when
    )
    return work, True


def ensure_current_work(student, assignment, title, status, moderator, rng):
    when = min(timezone.now(), assignment.closes_at) - datetime.timedelta(days=rng.randrange(1, 20))
    work, created = _submit(student, assignment, title, when)
    if not created:
        return work
    if status in ("approved", "reported"):
        moderation.approve_submission(work, moderator)
    if status == "rejected":
        moderation.reject_submission(work, moderator, REJECTION)
    if status == "reported":
        moderation.report_submission(work, reason="Кажется, это срисовано с открытки.", ip="203.0.113.7")
    return work


def like_some(assignments, visitors, rng):
    works = list(selectors.public_works().filter(assignment__in=assignments.values()))
    if Like.objects.filter(submission__in=works).exists():
        return
    # The demo's fans are long-standing accounts: their likes earn at once, past the warm-up.
    get_user_model().objects.filter(pk__in=[visitor.pk for visitor in visitors]).update(
        date_joined=timezone.now() - datetime.timedelta(days=90)
    )
    for work in works:
        for visitor in rng.sample(visitors, rng.randrange(1, len(visitors) + 1)):
            likes.set_like(visitor, work, True)


def ensure_suspicious_cluster(assignments):
    """Twelve accounts created a minute apart like one work from one /24 network: the one cluster of
    the «Подозрительная активность» screen. Still in their warm-up, they have earned nothing yet."""
    work = selectors.public_works().filter(assignment__in=assignments.values()).order_by("pk").first()
    if work is None or get_user_model().objects.filter(username="newfan1.demo").exists():
        return
    start = timezone.now() - datetime.timedelta(hours=2)
    for n in range(1, 13):
        fan = ensure_staff(f"newfan{n}.demo", "Новый", f"№{n}")
        get_user_model().objects.filter(pk=fan.pk).update(date_joined=start + datetime.timedelta(minutes=n))
        fan.refresh_from_db()
        likes.set_like(fan, work, True, ip=f"198.51.100.{10 + n}")


def ensure_jury(direction, season, jurors):
    for juror in jurors:
        JuryMember.objects.get_or_create(user=juror, direction=direction, season=season)
    mentor = MentorPage.objects.filter(curated_directions=direction).exclude(user=None).first()
    if mentor is None:
        masterclass = MasterclassPage.objects.child_of(direction).exclude(mentor=None).first()
        mentor = masterclass.mentor if masterclass else None
    if mentor and mentor.user_id:
        JuryMember.objects.get_or_create(
            user_id=mentor.user_id, direction=direction, season=season, defaults={"role": JuryMember.Role.MENTOR}
        )


def declare_no_conflicts(assignment, jurors):
    for juror in jurors:
        if not jury.has_declared(juror, assignment):
            jury.declare_conflicts(juror, assignment)


def ensure_past_results(assignment, students, jurors, moderator):
    works = []
    for key, _, title, base in PAST_WORKS:
        when = assignment.opens_at + datetime.timedelta(days=30 + len(works))
        work, created = _submit(students[key], assignment, title, when)
        if created:
            moderation.approve_submission(work, moderator)
            work = jury.shortlist_submission(work, moderator)
        works.append((work, base))
    criteria = list(assignment.criteria.all())
    declare_no_conflicts(assignment, jurors)
    for shift, juror in enumerate(jurors):
        for work, base in works:
            if Score.objects.filter(juror=juror, submission=work).exists() or work.status != "shortlisted":
                continue
            points = {
                str(c.pk): max(0, min(c.max_points, p - (shift % 2))) for c, p in zip(criteria, base, strict=True)
            }
            comment = "Видна своя идея; стоит поработать над композицией."
            jury.score_submission(juror, work, points=points, comment=comment)
    if assignment.submissions.filter(status=Submission.Status.WINNER).exists():
        return
    seat = JuryMember.objects.filter(
        direction=assignment.direction, season=assignment.season, role=JuryMember.Role.MENTOR
    ).first()
    if seat is None:
        return
    ranking = selectors.jury_ranking(assignment)
    winners = [rows[0]["submission"] for rows in ranking.values() if rows]
    finalists = [rows[1]["submission"] for rows in ranking.values() if len(rows) > 1]
    jury.confirm_winners(seat.user, assignment, winners=winners, finalists=finalists, notify=False)


# Appeals on last season's results: one decided (rejected, with the reason), one waiting in the queue.
APPEALS = [
    (
        "mark",
        "Мне кажется, жюри не заметило, что я рисовал гараж по памяти, без фотографии. Прошу пересмотреть оценку "
        "по критерию оригинальности.",
        "Редакция проверила оценки: все три члена жюри оценивали работу по тем же критериям, что и остальные, и "
        "отметили в комментариях именно композицию. Оценки остаются в силе.",
    ),
    ("anya", "Прошу объяснить, почему у «Нашего сада» такое место: двое из жюри поставили почти высшие баллы.", ""),
]


def ensure_appeals(assignment, students):
    window = selectors.appeal_window(assignment)
    if window is None or Appeal.objects.filter(submission__assignment=assignment).exists():
        return
    editor = ensure_staff("redaktor.demo", "Елена", "Редакторова", "Editors")
    filed_at = window[0]  # the results were confirmed a moment ago, in this same load
    for key, text, reason in APPEALS:
        work = assignment.submissions.filter(student=students[key]).first()
        if work is None:
            continue
        appeal = appeals.file_appeal(students[key].user, work, text, now=filed_at)
        if reason:
            appeals.decide_appeal(editor, appeal, upheld=False, reason=reason)


def ensure_current_shortlist(assignment, students, jurors, moderator, rng):
    """This season's painting shortlist under judging: jurors have scored some works (with
    comments); juror.kim has one left to score and the mentor can confirm winners."""
    criteria = list(assignment.criteria.all())
    declare_no_conflicts(assignment, jurors)
    for key, title, base, scored_by in CURRENT_SHORTLIST:
        work = ensure_current_work(students[key], assignment, title, "approved", moderator, rng)
        work.refresh_from_db()
        if work.status == "approved":
            work = jury.shortlist_submission(work, moderator)
        if work.status != "shortlisted" or work.scores.exists():
            continue
        for index in scored_by:
            points = {str(c.pk): min(c.max_points, p) for c, p in zip(criteria, base, strict=True)}
            comment = "Смелый цвет и своя история; фон можно проработать тоньше."
            jury.score_submission(jurors[index], work, points=points, comment=comment)


def ensure_progress(*students):
    lessons = list(LessonPage.objects.live().order_by("path")[:3])
    for student in students:
        for number, lesson in enumerate(lessons):
            if LessonProgress.objects.filter(student=student, lesson=lesson).exists():
                continue
            duration = lesson.video.duration if lesson.video and lesson.video.duration else 600.0
            watched_to = duration if number == 0 else duration * 0.4
            position = 0.0
            while position < watched_to:
                end = min(position + 10, watched_to)
                progress.record_progress(student, lesson, position=end, start=position, end=end, duration=duration)
                position = end
