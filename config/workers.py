"""The RQ worker of the platform (settings.RQ["WORKER_CLASS"])."""

import os
import signal

import rq.worker.base
from django.db import connections
from rq import Worker as RQWorker
from rq.scheduler import RQScheduler

from media_pipeline.transcoding import die_with_parent


def die_with(worker_pid):
    """This child process (a job's or the scheduler's) gets SIGKILL when the worker dies, and dies
    at once should the worker have died before the request took effect."""
    die_with_parent()
    if os.getppid() != worker_pid:
        os.kill(os.getpid(), signal.SIGKILL)


class Scheduler(RQScheduler):
    """RQ's scheduler (`rqworker --with-scheduler`: it enqueues the tasks asked for later, such as
    the VK inbox's drains), in a process that dies with the worker that forked it, as job processes
    do: a worker killed with SIGKILL used to leave it running, holding the scheduler's lock."""

    def work(self):
        die_with(self.worker_pid)
        return super().work()


class Worker(RQWorker):
    """RQ's worker, whose job process dies with it.

    RQ runs each job in a forked child in its own process group, so a worker killed with SIGKILL
    (OOM killer, `docker kill`) used to leave the job and its ffmpeg running under PID 1. Here the
    child asks the kernel for SIGKILL when its parent dies, and ffmpeg asks the same of the child
    (`run_ffmpeg`), so the whole chain stops; stale-job recovery runs the video again."""

    def fork_work_horse(self, job, queue):
        self.worker_pid = os.getpid()  # the child reads it from its copy of this object
        # Connections are persistent (CONN_MAX_AGE): a child must never share its parent's socket.
        connections.close_all()
        return super().fork_work_horse(job, queue)

    def _start_scheduler(self, *args, **kwargs):
        # RQ builds its scheduler from the name in its worker module: ours while it does.
        Scheduler.worker_pid = os.getpid()
        rq.worker.base.RQScheduler = Scheduler
        try:
            return super()._start_scheduler(*args, **kwargs)
        finally:
            rq.worker.base.RQScheduler = RQScheduler

    def main_work_horse(self, job, queue):
        die_with(self.worker_pid)
        return super().main_work_horse(job, queue)
