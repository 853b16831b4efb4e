"""The suite's own machinery: a command started in the background for the run is stopped, and its
folder removed, when the run ends before its test read it (a run cut short, a deselected test)."""

import os
import sys
import time
import uuid
from types import SimpleNamespace

from tests.factories.background import BackgroundCommand, remove_run_folders


def test_the_end_of_the_run_stops_a_command_still_running_and_removes_its_folder(tmp_path):
    config = SimpleNamespace(option=SimpleNamespace(testrunuid=uuid.uuid4().hex))
    command = BackgroundCommand("sleeper", config)
    marker = tmp_path / "still-running"
    script = f"import time, pathlib\nwhile True:\n    pathlib.Path({str(marker)!r}).touch()\n    time.sleep(0.05)"
    command.start([sys.executable, "-c", script], env=dict(os.environ), cwd=tmp_path)
    deadline = time.monotonic() + 10
    while not marker.exists():
        assert time.monotonic() < deadline, "the command did not start"
        time.sleep(0.05)

    remove_run_folders(config)

    assert not command.folder.exists()
    marker.unlink()
    time.sleep(0.5)
    assert not marker.exists(), "the command went on running"


def test_a_finished_command_gives_its_outcome_and_leaves_no_folder(tmp_path):
    config = SimpleNamespace(option=SimpleNamespace(testrunuid=uuid.uuid4().hex))
    command = BackgroundCommand("printer", config)
    command.start([sys.executable, "-c", "print('готово')"], env=dict(os.environ), cwd=tmp_path)
    assert command.result(timeout=30) == (0, "готово\n", "")
    assert not command.folder.exists()
    remove_run_folders(config)  # nothing left to do
