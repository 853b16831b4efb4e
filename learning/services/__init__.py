"""The rules of the learning side: plain functions, one transaction each, callable from any view.

One module per sub-domain: `roles`, `accounts` (sign-in, registration, consents), `guardians` (a
guardian adds a child, withdraws or gives consent), `erasure` (data download and account deletion),
`progress`, `uploads` (contest files), `submissions`, `moderation`, `work_videos`, `likes` and `jury`
(shortlist, scoring, winners). Reads live in `learning.selectors`,
signal receivers in `learning.receivers`.

A refusal a person can act on raises `config.errors.ServiceError` with a Russian message and a stable
`code` (the API's exception handler turns it into a 4xx). Other apps are reached only through their
services: `engagement` for money, `media_pipeline` for contest videos, `cms` for winner-story drafts.

This package re-exports what other apps, views and tests call, so `from learning import services;
services.submit_work(...)` works; inside learning, modules import the submodule they need.
"""

from learning.selectors import (
    audience_award,
    blind_works_for,
    by_author,
    filter_by_kind,
    jury_ranking,
    moderation_queue,
    moderation_queue_with_reports,
    public_work_url,
    public_works,
    under_judging,
    vk_share_url,
)
from learning.services.accounts import (
    CONSENT_TEXT_VERSION,
    TOWN_CONSENT_TEXT_VERSION,
    ConsentPending,
    check_login,
    check_student_rules,
    confirm_guardian_consent,
    guardian_confirm_url,
    guardian_token,
    has_town_consent,
    raised_by,
    record_town_consent,
    register_student,
    resend_guardian_consent,
    resend_guardian_consent_by_login,
    student_for_guardian_token,
    student_for_town_token,
    town_consent_url,
)
from learning.services.appeals import decide_appeal, file_appeal
from learning.services.erasure import delete_student_account, export_student_data
from learning.services.guardians import add_child, give_guardian_consent, withdraw_guardian_consent
from learning.services.jury import (
    confirm_winners,
    create_winner_story_draft,
    declare_conflict,
    declare_conflicts,
    has_declared,
    jury_label,
    new_jury_code,
    score_submission,
    shortlist_submission,
)
from learning.services.likes import (
    forget_like_addresses,
    like_message,
    like_warmup_until,
    set_like,
    void_cluster,
)
from learning.services.moderation import approve_submission, keep_submission, reject_submission, report_submission
from learning.services.progress import COMPLETE_SHARE, masterclass_progress, merge_intervals, record_progress
from learning.services.roles import can_manage_student, can_see_work, is_editor, is_mentor_of, is_moderator, student_of
from learning.services.submissions import edit_work, submit_work
from learning.services.uploads import remove_unclaimed_uploads, start_video_upload, work_thumbnail
from learning.services.work_videos import sync_work_videos

__all__ = [
    "declare_conflicts",
    "has_declared",
    "decide_appeal",
    "file_appeal",
    "COMPLETE_SHARE",
    "CONSENT_TEXT_VERSION",
    "TOWN_CONSENT_TEXT_VERSION",
    "ConsentPending",
    "add_child",
    "approve_submission",
    "audience_award",
    "blind_works_for",
    "by_author",
    "can_manage_student",
    "can_see_work",
    "check_login",
    "check_student_rules",
    "confirm_guardian_consent",
    "confirm_winners",
    "create_winner_story_draft",
    "declare_conflict",
    "delete_student_account",
    "edit_work",
    "export_student_data",
    "filter_by_kind",
    "give_guardian_consent",
    "guardian_confirm_url",
    "guardian_token",
    "has_town_consent",
    "is_editor",
    "is_mentor_of",
    "is_moderator",
    "jury_label",
    "jury_ranking",
    "keep_submission",
    "masterclass_progress",
    "merge_intervals",
    "moderation_queue",
    "moderation_queue_with_reports",
    "new_jury_code",
    "public_work_url",
    "public_works",
    "raised_by",
    "record_progress",
    "record_town_consent",
    "register_student",
    "reject_submission",
    "remove_unclaimed_uploads",
    "report_submission",
    "resend_guardian_consent",
    "resend_guardian_consent_by_login",
    "score_submission",
    "forget_like_addresses",
    "like_message",
    "like_warmup_until",
    "set_like",
    "void_cluster",
    "shortlist_submission",
    "start_video_upload",
    "student_for_guardian_token",
    "student_for_town_token",
    "student_of",
    "submit_work",
    "sync_work_videos",
    "town_consent_url",
    "under_judging",
    "vk_share_url",
    "withdraw_guardian_consent",
    "work_thumbnail",
]
