"""The periodic jobs, for RQ's cron scheduler: `manage.py rqcron config.schedule` (one process per
deployment). Each job is one of the apps' Django tasks, enqueued on its queue at the times in
`settings.SCHEDULE`, and run by the ordinary RQ workers like any other task.

RQ's scheduler enqueues a function by its import path; a task's function has the same path as the
task itself (`@task` replaces the function by the task in its module), and the worker's job class
(`django_tasks_rq.Job`) runs the task found there with the backend named in the job's meta."""

from django.conf import settings
from rq import cron

from engagement.tasks import (
    count_warmed_up_likes,
    drain_vk_inbox,
    publish_ledger_digests,
    tally_recent_ledger_days,
)
from learning.tasks import forget_like_addresses, remove_unclaimed_uploads
from media_pipeline.tasks import recover_stale_videos, sweep_video_work_folders
from notifications.reminders import send_consent_reminders, send_deadline_reminders, send_event_reminders
from notifications.tasks import dispatch_due_deliveries, send_weekly_digests

PERIODIC_TASKS = {
    "publish_ledger_digests": publish_ledger_digests,
    "recover_stale_videos": recover_stale_videos,
    "remove_unclaimed_uploads": remove_unclaimed_uploads,
    "sweep_video_work_folders": sweep_video_work_folders,
    "dispatch_due_deliveries": dispatch_due_deliveries,
    "send_consent_reminders": send_consent_reminders,
    "send_event_reminders": send_event_reminders,
    "send_deadline_reminders": send_deadline_reminders,
    "send_weekly_digests": send_weekly_digests,
    "count_warmed_up_likes": count_warmed_up_likes,
    "tally_recent_ledger_days": tally_recent_ledger_days,
    "forget_like_addresses": forget_like_addresses,
    "drain_vk_inbox": drain_vk_inbox,
}

for name, periodic_task in PERIODIC_TASKS.items():
    cron.register(
        periodic_task.func,
        queue_name=periodic_task.queue_name,
        cron=settings.SCHEDULE[name],
        name=name,
        meta={"backend_name": periodic_task.backend},
    )
