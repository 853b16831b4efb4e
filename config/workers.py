"""The RQ worker of the platform (settings.RQ["WORKER_CLASS"])."""

import os
import signal

from django.db import connections
from rq import Worker as RQWorker

from media_pipeline.transcoding import die_with_parent


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

    def main_work_horse(self, job, queue):
        die_with_parent()
        if os.getppid() != self.worker_pid:  # the worker died before the request took effect
            os.kill(os.getpid(), signal.SIGKILL)
        return super().main_work_horse(job, queue)
