"""What the run's workers share: folders named by the run (pytest-xdist's `testrunuid`), so any
worker finds what another made or started there (the shared snapshots of tests/factories/database.py),
and commands the run starts as soon as it is collected, at the lowest CPU priority, for a test that
reads their outcome later: a command's CPU then fills the moments the workers wait (on a browser, a
throttled network, a timer) instead of adding to the run."""

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path


def run_id(config):
    """The run's id: pytest-xdist's `testrunuid`, which the controller hands to its workers. The
    controller sets it itself (when it is not given), so that it knows it too (`remove_run_folders`)."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return workerinput["testrunuid"]
    if getattr(config.option, "testrunuid", None) is None:
        config.option.testrunuid = uuid.uuid4().hex
    return config.option.testrunuid


def run_folder(config, name):
    """A folder of this run's that every worker finds under the same name."""
    return Path(tempfile.gettempdir()) / f"pytest-background-{run_id(config)}-{name}"


def remove_run_folders(config):
    """At the end of the run (the controller's, or the only process's): whatever is left of them,
    once a command still running there (its test was not run, or the run was cut short) is stopped,
    since it would go on writing into its folder."""
    for folder in Path(tempfile.gettempdir()).glob(f"pytest-background-{run_id(config)}-*"):
        if (folder / "pid").exists() and not (folder / "rc").exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.killpg(int((folder / "pid").read_text()), signal.SIGKILL)
        shutil.rmtree(folder, ignore_errors=True)


class BackgroundCommand:
    def __init__(self, name, config):
        self.folder = run_folder(config, name)

    def start(self, args, *, env, cwd):
        """Start `args` in `cwd` at the lowest priority; its output goes to files in this run's
        folder and its exit code to `rc` when it ends. With the kernel's autogroups (one scheduling
        group per session) a process's nice counts only against its own session's: the command gets
        a session of its own and that session's nice is set to 19 too, else it took an equal share
        of the CPU from PostgreSQL and the browsers whenever a worker waited on them."""
        self.folder.mkdir(parents=True)
        out, err, rc = (shlex.quote(str(self.folder / name)) for name in ("stdout", "stderr", "rc"))
        script = (
            "echo 19 > /proc/self/autogroup 2> /dev/null; "
            f"nice -n 19 {shlex.join(map(str, args))} > {out} 2> {err}; echo $? > {rc}.tmp && mv {rc}.tmp {rc}"
        )
        shell = subprocess.Popen(
            ["sh", "-c", script], cwd=cwd, env=env, stdin=subprocess.DEVNULL, start_new_session=True
        )
        (self.folder / "pid").write_text(str(shell.pid))  # its session's id too (remove_run_folders)

    def started(self):
        return self.folder.exists()

    def result(self, timeout):
        """(exit code, stdout, stderr) once the command has ended, its folder then removed;
        TimeoutError after `timeout` s."""
        rc = self.folder / "rc"
        deadline = time.monotonic() + timeout
        while not rc.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.folder}: no result after {timeout} s")
            time.sleep(0.2)
        outcome = (
            int(rc.read_text()),
            (self.folder / "stdout").read_text(encoding="utf-8"),
            (self.folder / "stderr").read_text(encoding="utf-8"),
        )
        shutil.rmtree(self.folder, ignore_errors=True)
        return outcome
