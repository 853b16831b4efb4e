"""A student's data: everything kept about them as a download, and the account's erasure (the rows
stay, anonymised, so every ledger entry keeps its actor and no total changes)."""

import uuid

from django.db import transaction
from django.utils import timezone

from config.errors import ServiceError
from learning.models import Student, SubmissionFile
from learning.services import social
from learning.services.accounts import name_town_in_stories
from learning.services.uploads import delete_videos_of
from learning.signals import student_account_deleted, student_data_requested


def export_student_data(student):
    """Everything the platform keeps about a student, as JSON-ready data: learning's own sections
    and those other apps add (events, certificates) through `student_data_requested`."""
    user = student.user
    data = {
        "account": {"email": user.email, "date_joined": user.date_joined.isoformat(), "is_active": user.is_active},
        "profile": {
            "first_name": student.first_name,
            "surname": student.surname,
            "birth_date": student.birth_date.isoformat() if student.birth_date else None,
            "region": student.region.name if student.region else None,
            "town": student.town,
            "town_population": student.town_population,
            "guardian_email": student.guardian_email,
        },
        "consents": [
            {
                "kind": c.kind,
                "text_version": c.text_version,
                "email": c.email,
                "ip": c.ip,
                "given_at": c.given_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for c in student.consents.all()
        ],
        "lesson_progress": [
            {
                "lesson": p.lesson.title,
                "position": p.position,
                "watched_seconds": p.watched_seconds,
                "completed_at": p.completed_at.isoformat() if p.completed_at else None,
            }
            for p in student.progress.select_related("lesson")
        ],
        "submissions": [
            {
                "assignment": s.assignment.title,
                "title": s.title,
                "description": s.description,
                "text": s.text,
                "status": s.status,
                "rejection_reason": s.rejection_reason,
                "created_at": s.created_at.isoformat(),
                "files": [{"kind": f.kind, "content_type": f.content_type, "size": f.size} for f in s.files.all()],
            }
            for s in student.submissions.select_related("assignment").prefetch_related("files")
        ],
        "likes_given": [like.submission_id for like in user.work_likes.all()],
        "sign_in": social.sign_in_data(user),
    }
    for _receiver, sections in student_data_requested.send(sender=Student, student=student):
        data.update(sections or {})
    return data


def delete_student_account(student, *, by=None):
    """Erase personal fields and withdraw the works. The rows stay (anonymised) so every ledger entry
    keeps its actor and target: no total changes."""
    now = timezone.now()
    stored_names = []
    with transaction.atomic():
        student = Student.objects.select_for_update().select_related("user").get(pk=student.pk)
        if student.is_deleted:
            raise ServiceError("Аккаунт уже удалён.", code="already_deleted", status=404)
        for submission in student.submissions.prefetch_related("files"):
            stored_names += [f.file.name for f in submission.files.all() if f.file]
            delete_videos_of(submission)
            submission.files.all().delete()
            submission.title = "Работа снята автором"
            submission.description = ""
            submission.text = ""
            submission.withdrawn_at = now
            submission.save(update_fields=["title", "description", "text", "withdrawn_at", "updated_at"])
        student.consents.update(withdrawn_at=now)
        name_town_in_stories(student, "")
        user = student.user
        user.username = f"deleted-{uuid.uuid4().hex}"
        user.email = ""
        user.first_name = ""
        user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        social.forget_sign_ins(user)
        student.first_name = ""
        student.surname = ""
        student.birth_date = None
        student.region = None
        student.town = ""
        student.town_population = None
        student.guardian_email = ""
        student.guardian = None
        student.deleted_at = now
        student.save()
        student_account_deleted.send(sender=Student, student=student)
        storage_default = SubmissionFile._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage_default.delete(name) for name in stored_names])
    return student
