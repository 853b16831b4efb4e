"""The jury: the shortlist, blind scoring under random codes, conflicts of interest, and the mentor's
confirmed winners and finalists (with winner-story drafts)."""

import secrets

from django.db import transaction
from django.utils.translation import ngettext

from cms.models import WinnerStoryIndexPage, WinnerStoryPage
from cms.towns import town_size_bucket
from config.errors import ServiceError
from config.text import quoted
from learning.models import Conflict, ConflictDeclaration, ModerationDecision, Score, Submission
from learning.services.accounts import has_town_consent, town_consent_url
from learning.services.emails import send_email
from learning.services.moderation import lock_work, log_decision
from learning.services.roles import is_mentor_of, is_moderator, jury_seat
from learning.signals import work_status_changed


def shortlist_submission(submission, by):
    with transaction.atomic():
        submission = lock_work(submission)
        if not (is_moderator(by) or is_mentor_of(by, submission.assignment)):
            raise ServiceError(
                "Шорт-лист составляют модераторы и наставник направления.", code="not_allowed_to_shortlist", status=403
            )
        if not submission.is_public or submission.status != Submission.Status.APPROVED:
            raise ServiceError("В шорт-лист попадают только опубликованные работы.", code="not_published", status=409)
        submission.status = Submission.Status.SHORTLISTED
        submission.jury_code = submission.jury_code or new_jury_code()
        submission.save()
        work_status_changed.send(sender=Submission, submission=submission)
        log_decision(submission, by, ModerationDecision.Action.SHORTLIST)
    return submission


def new_jury_code():
    """The random code under which jurors see a shortlisted work. Jurors get nothing else that
    names it (no id, uid, file name, title or file size), so nothing they see leads to the work
    in the gallery, where a work under judging shows no author anyway (`public_works`)."""
    return secrets.token_hex(6).upper()


def jury_label(submission):
    """How jurors name a work: by its code, never its title (the title would find it in the gallery)."""
    return f"Работа {submission.jury_code}"


def _judge_check(juror, submission):
    if not jury_seat(juror, submission.assignment):
        raise ServiceError("Вы не в жюри этого направления.", code="not_on_jury", status=403)
    if submission.conflicts.filter(juror=juror).exists():
        raise ServiceError("Вы заявили конфликт интересов по этой работе.", code="conflict_declared", status=403)
    if submission.status != Submission.Status.SHORTLISTED:
        raise ServiceError(
            "Оценивать можно только работы шорт-листа до подведения итогов.", code="not_under_judging", status=409
        )
    if not ConflictDeclaration.objects.filter(juror=juror, assignment_id=submission.assignment_id).exists():
        raise ServiceError(
            "Прежде чем оценивать работы задания, заявите: нет конфликта интересов или есть конфликт с работой.",
            code="declaration_required",
            status=409,
        )


def score_submission(juror, submission, *, points, comment):
    """A juror's rubric score (every criterion, within its maximum) with a comment; re-scoring updates it."""
    criteria = list(submission.assignment.criteria.all())
    _judge_check(juror, submission)
    if not (comment or "").strip():
        raise ServiceError("Добавьте комментарий к оценке.", code="comment_required", field="comment")
    clean = {}
    for criterion in criteria:
        value = points.get(str(criterion.pk), points.get(criterion.pk))
        if value is None:
            raise ServiceError(
                f"Поставьте балл по критерию {quoted(criterion.name)}.", code="score_missing", field="points"
            )
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise ServiceError(
                f"Балл по критерию {quoted(criterion.name)} должен быть целым числом.",
                code="score_not_integer",
                field="points",
            )
        if not 0 <= value <= criterion.max_points:
            raise ServiceError(
                f"По критерию {quoted(criterion.name)} можно от 0 до {criterion.max_points}.",
                code="score_out_of_range",
                field="points",
            )
        clean[str(criterion.pk)] = value
    unknown = {str(k) for k in points} - set(clean)
    if unknown:
        raise ServiceError("В оценке есть критерии не из этого задания.", code="unknown_criteria", field="points")
    with transaction.atomic():
        score, _ = Score.objects.update_or_create(
            juror=juror,
            submission=submission,
            defaults={"points": clean, "total": sum(clean.values()), "comment": comment.strip()},
        )
    return score


def declare_conflict(juror, submission, note=""):
    """A conflict with one work, declared at any time: the work leaves the juror's list (and their
    score of it, if any, is dropped). It counts as the juror's declaration for the assignment."""
    if not jury_seat(juror, submission.assignment):
        raise ServiceError("Вы не в жюри этого направления.", code="not_on_jury", status=403)
    with transaction.atomic():
        conflict, _ = Conflict.objects.get_or_create(juror=juror, submission=submission, defaults={"note": note})
        Score.objects.filter(juror=juror, submission=submission).delete()
        declaration, created = ConflictDeclaration.objects.get_or_create(
            juror=juror, assignment_id=submission.assignment_id, defaults={"has_conflicts": True}
        )
        if not created and not declaration.has_conflicts:
            declaration.has_conflicts = True
            declaration.save(update_fields=["has_conflicts"])
    return conflict


NOTE_MAX_LENGTH = 1000


def declare_conflicts(juror, assignment, *, conflicts=(), note=""):
    """The juror's declaration before scoring an assignment: «нет конфликта интересов» (no works)
    or «есть конфликт с работой …» (the works, by jury code). Kept with its time; each conflicted
    work is hidden from the juror. Declared once: later conflicts go through `declare_conflict`."""
    if not jury_seat(juror, assignment):
        raise ServiceError("Вы не в жюри этого направления.", code="not_on_jury", status=403)
    if len(note or "") > NOTE_MAX_LENGTH:
        raise ServiceError(f"Пояснение — не длиннее {NOTE_MAX_LENGTH} символов.", code="note_too_long", field="note")
    codes = {str(code).strip().upper() for code in conflicts if str(code).strip()}
    works = list(
        Submission.objects.filter(assignment=assignment, jury_code__in=codes, status=Submission.Status.SHORTLISTED)
    )
    if len(works) != len(codes):
        raise ServiceError(
            "Среди отмеченных работ есть работа не из шорт-листа этого задания.",
            code="unknown_work",
            field="conflicts",
        )
    with transaction.atomic():
        declaration, created = ConflictDeclaration.objects.get_or_create(
            juror=juror, assignment=assignment, defaults={"has_conflicts": bool(works)}
        )
        if not created:
            raise ServiceError(
                "Вы уже заявили о конфликте интересов по этому заданию. "
                "Новый конфликт можно заявить на странице работы.",
                code="already_declared",
                status=409,
            )
        for work in works:
            Conflict.objects.get_or_create(juror=juror, submission=work, defaults={"note": note.strip()})
            Score.objects.filter(juror=juror, submission=work).delete()
    return declaration


def has_declared(juror, assignment):
    return ConflictDeclaration.objects.filter(juror=juror, assignment=assignment).exists()


def confirm_winners(mentor, assignment, *, winners, finalists=(), notify=True):
    """The mentor picks winners and finalists from the scored shortlist. Each winner gets a draft
    winner story (public fields only) for editors; the student and guardian get an email."""
    if not (is_mentor_of(mentor, assignment) or mentor.is_superuser):
        raise ServiceError("Победителей утверждает наставник направления.", code="not_mentor", status=403)
    winners, finalists = list(winners), list(finalists)
    if not winners:
        raise ServiceError("Выберите хотя бы одного победителя.", code="winner_required", field="winners")
    if {w.pk for w in winners} & {f.pk for f in finalists}:
        raise ServiceError(
            "Работа не может быть одновременно победителем и финалистом.", code="winner_and_finalist", field="finalists"
        )
    with transaction.atomic():
        locked = {
            s.pk: s
            for s in Submission.objects.select_for_update(of=("self",))
            .filter(pk__in=[w.pk for w in winners + finalists])
            .select_related("student__user", "student__region", "assignment")
        }
        for work in winners + finalists:
            work = locked[work.pk]
            if work.assignment_id != assignment.pk or work.status != Submission.Status.SHORTLISTED:
                raise ServiceError(
                    f"{quoted(work.title)} не из шорт-листа этого задания.", code="not_shortlisted", field="winners"
                )
            if work.withdrawn_at:
                raise ServiceError(f"{quoted(work.title)} снята автором.", code="work_withdrawn", field="winners")
            if work.scores.count() < assignment.jurors_per_work:
                count = assignment.jurors_per_work
                message = ngettext(
                    "%(title)s needs at least %(count)s jury score, it has %(scores)s.",
                    "%(title)s needs at least %(count)s jury scores, it has %(scores)s.",
                    count,
                )
                raise ServiceError(
                    message % {"title": quoted(work.title), "count": count, "scores": work.scores.count()},
                    code="not_enough_scores",
                    field="winners",
                )
        confirmed = []
        for work, status, action in [
            *[(locked[w.pk], Submission.Status.WINNER, ModerationDecision.Action.WINNER) for w in winners],
            *[(locked[f.pk], Submission.Status.FINALIST, ModerationDecision.Action.FINALIST) for f in finalists],
        ]:
            work.status = status
            if status == Submission.Status.WINNER:
                work.winner_story = create_winner_story_draft(work)
            work.save()
            work_status_changed.send(sender=Submission, submission=work)
            log_decision(work, mentor, action)
            confirmed.append(work)
    for work in confirmed if notify else []:
        if work.status == Submission.Status.WINNER:
            context = {"submission": work, "student": work.student, "assignment": assignment}
            if work.student.user.email:
                send_email("winner", work.student.user.email, context)
            if work.student.guardian_email:
                town_url = town_consent_url(work.student) if work.student.town else ""
                send_email("winner_guardian", work.student.guardian_email, {**context, "town_url": town_url})
    return confirmed


def create_winner_story_draft(submission):
    """A draft WinnerStoryPage under the winner-story index, filled with public fields only (the
    town's size; the town itself only with the guardian's consent); editors add the photo, quote
    and story before publishing."""
    index = WinnerStoryIndexPage.objects.first()
    if index is None:
        raise ServiceError(
            "Нет раздела историй победителей: редакторам нужно создать его в админке.",
            code="no_winner_story_index",
            status=409,
        )
    student = submission.student
    assignment = submission.assignment
    page = WinnerStoryPage(
        title=f"{student.public_name} — {quoted(submission.title)}",
        slug=f"winner-{submission.uid.hex[:12]}",
        live=False,
        first_name=student.first_name,
        surname_initial=student.surname[:1].upper(),
        age=submission.age,
        region=student.region,
        town_size=town_size_bucket(student.town_population),
        town=student.town if has_town_consent(student) else "",
        direction=assignment.direction,
        season=assignment.season,
        opportunity=assignment.winner_opportunity,
    )
    index.add_child(instance=page)
    page.save_revision()
    return page
