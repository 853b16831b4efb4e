"""Who may do what in learning, defined once: the roles as permissions (moderator, editor), the roles
that follow from data (the student behind an account, a juror's seat, a direction's mentor), and who
may see a work before it is public.

The editorial groups hold the role permissions (migrations 0002 and 0007 grant them: Moderators hold
`moderate_submission`, Editors `run_contest`); code asks for the permission, never a group's name,
so a role can be given to another group, or to one account, without changing code.
"""

from learning.models import JuryMember, Submission

# Moderators: the moderation queue (approve, reject, keep), the shortlist, every work before approval.
MODERATOR = "learning.moderate_submission"
# Editors: run the contest — assignments, jury seats, and every assignment's results.
EDITOR = "learning.run_contest"


def has_role(user, permission):
    """Whether the account holds a role's permission (through a group or its own); superusers hold every role."""
    return bool(user and user.is_authenticated and (user.is_superuser or user.has_perm(permission)))


def is_moderator(user):
    return has_role(user, MODERATOR)


def is_editor(user):
    return has_role(user, EDITOR)


def is_juror(user):
    """An account with a jury seat (of any direction and season): it reaches the blind scoring screens."""
    return bool(user and user.is_authenticated and user.jury_seats.exists())


def student_of(user):
    """The active student profile of a user, or None."""
    if not user or not user.is_authenticated:
        return None
    student = getattr(user, "student", None)
    if student is None or student.is_deleted:
        return None
    return student


def can_manage_student(user, student):
    """The student themself or their guardian (their data, their works, their account)."""
    if not user or not user.is_authenticated or student.is_deleted:
        return False
    return student.user_id == user.pk or (student.guardian_id is not None and student.guardian_id == user.pk)


def jury_seat(user, assignment, role=None):
    if not user or not user.is_authenticated:
        return None
    seats = JuryMember.objects.filter(user=user, direction_id=assignment.direction_id, season_id=assignment.season_id)
    if role:
        seats = seats.filter(role=role)
    return seats.first()


def is_mentor_of(user, assignment):
    """The direction's mentor for the season: seated as mentor, or the user of the masterclass's mentor page."""
    if jury_seat(user, assignment, JuryMember.Role.MENTOR):
        return True
    masterclass = assignment.masterclass
    mentor_page = getattr(masterclass, "mentor", None) if masterclass else None
    return bool(mentor_page and user.is_authenticated and getattr(mentor_page, "user_id", None) == user.pk)


def can_see_work(user, submission):
    """Public works to everyone; before approval only the author, the guardian, moderators and the
    work's jury (unless they declared a conflict)."""
    if submission.is_public:
        return True
    if not user or not user.is_authenticated:
        return False
    if can_manage_student(user, submission.student) or is_moderator(user):
        return True
    if submission.status == Submission.Status.SHORTLISTED and jury_seat(user, submission.assignment):
        return not submission.conflicts.filter(juror=user).exists()
    return False
