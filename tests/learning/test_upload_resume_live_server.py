"""A contest video's upload survives what a child's week does to it: the child starts it at home,
the server is restarted (a deploy), a day passes, and the child goes on from another network (a
new address). Everything runs against a real server process (`manage.py runserver` on a free
port, on this test's database), talked to over real sockets; the new network is a client socket
bound to 127.0.0.2 (Linux routes all of 127/8 to the loopback), so the server sees another
REMOTE_ADDR.

The day is passed by moving the stored clocks back 24 hours — the upload's rows and the login
session — because the project has no setting that shifts a server process's clock; what could
expire on a day (the session, the upload, the daily clean-up of unclaimed uploads) reads exactly
those timestamps. The daily clean-up job is run at that moment too."""

import datetime
import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone

from learning.models import Submission
from learning.services import remove_unclaimed_uploads
from media_pipeline.models import VideoAsset, VideoUpload
from tests.factories import work_clip
from tests.factories.database import restore_migrated_data

CHUNK = 64 * 1024
ROOT = Path(__file__).resolve().parents[2]
HOME, CAFE = "127.0.0.1", "127.0.0.2"


@pytest.fixture
def migrated_data(transactional_db, initial_data):
    """The server process reads committed rows: a transactional test, with the migrations' data."""
    restore_migrated_data(initial_data)


@pytest.fixture(scope="module", autouse=True)
def migrated_data_left_behind(initial_data, django_db_blocker):
    """After this module's flush, put the migrations' data back for whatever runs next."""
    yield
    with django_db_blocker.unblock():
        restore_migrated_data(initial_data)


@pytest.fixture
def clip(tmp_path):
    """Two seconds of noisy video: a dozen or more chunks of 64 KiB."""
    return work_clip(tmp_path / "танец.mp4", size="320x180", seconds=2, noise=True)


@pytest.fixture
def folders(tmp_path, settings):
    """Storage shared by the server process and this test (which reads the assembled file)."""
    paths = {name: tmp_path / name for name in ("media", "private", "uploads")}
    settings.MEDIA_ROOT = paths["media"]
    settings.PRIVATE_MEDIA_ROOT = paths["private"]
    settings.VIDEO_UPLOAD_TEMP_DIR = paths["uploads"]
    return paths


def free_port():
    with socket.socket() as probe:
        probe.bind((HOME, 0))
        return probe.getsockname()[1]


class Server:
    """`manage.py runserver` on this test's database and folders; `restart()` stops the process and
    starts a new one on the same port."""

    def __init__(self, folders, log):
        self.port = free_port()
        self.log = log
        database = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "DEBUG": "1",
            "TASK_BACKEND": "db",  # the pipeline's jobs wait in the queue: nothing here runs them
            "CACHE_BACKEND": "local",
            "MEDIA_ROOT": str(folders["media"]),
            "PRIVATE_MEDIA_ROOT": str(folders["private"]),
            "VIDEO_UPLOAD_TEMP_DIR": str(folders["uploads"]),
            "VIDEO_UPLOAD_CHUNK_SIZE": str(CHUNK),
            "PYTHONUNBUFFERED": "1",
        }
        self.process = None

    def start(self):
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", "--noreload", "--nothreading", f"{HOME}:{self.port}"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server stopped: {Path(self.log).read_text()[-2000:]}")
            try:
                socket.create_connection((HOME, self.port), 1).close()
                return self
            except OSError:
                time.sleep(0.25)
        raise AssertionError("the server did not start in 90 s")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)
        self.process = None

    def restart(self):
        self.stop()
        return self.start()


@pytest.fixture
def server(folders, tmp_path):
    running = Server(folders, tmp_path / "server.log")
    yield running
    running.stop()


class Phone:
    """The child's browser: its cookies (session and CSRF), requests from the address `source`."""

    def __init__(self, port, source):
        self.port, self.source, self.cookies = port, source, {}
        self.addresses = set()  # the local addresses the requests really left from

    def request(self, method, path, body=b"", headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method != "GET" and "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        if isinstance(body, dict):
            body, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        wire = http.client.HTTPConnection(HOME, self.port, timeout=30, source_address=(self.source, 0))
        try:
            wire.request(method, path, body=body, headers=headers)
            self.addresses.add(wire.sock.getsockname()[0])
            answer = wire.getresponse()
            content = answer.read()
            for header in answer.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return answer.status, content
        finally:
            wire.close()

    def json(self, method, path, body=b"", headers=None):
        status, content = self.request(method, path, body, headers)
        return status, json.loads(content) if content else None

    def send_chunk(self, uid, data, offset):
        piece = data[offset : offset + CHUNK]
        headers = {
            "Content-Type": "application/octet-stream",
            "Upload-Offset": str(offset),
            "Chunk-Sha256": hashlib.sha256(piece).hexdigest(),
        }
        return self.json("PUT", f"/api/media/uploads/{uid}/chunk/", piece, headers)


def signed_in_phone(server, user):
    """A phone at home holding the child's session cookie (made by Django's own login) and a CSRF
    cookie the site gave it."""
    login = Client()
    login.force_login(user)
    phone = Phone(server.port, HOME)
    phone.cookies["sessionid"] = login.cookies["sessionid"].value
    status, _ = phone.request("GET", "/cabinet/")
    assert status == 200 and "csrftoken" in phone.cookies
    return phone


def a_day_passes(uid, session_key):
    """Move every clock an upload and a login read back 24 hours, as if a day had passed."""
    day = datetime.timedelta(hours=24)
    upload = VideoUpload.objects.get(uid=uid)
    VideoUpload.objects.filter(pk=upload.pk).update(
        created_at=upload.created_at - day, updated_at=upload.updated_at - day
    )
    session = Session.objects.get(session_key=session_key)
    Session.objects.filter(pk=session.pk).update(expire_date=session.expire_date - day)


def test_a_contest_upload_resumes_after_a_restart_a_day_and_a_new_network(
    migrated_data, student, assignment, clip, server
):
    server.start()
    phone = signed_in_phone(server, student.user)

    # At home: the upload starts and a third of it goes up, then the connection is lost.
    status, started = phone.json(
        "POST", f"/api/assignments/{assignment.pk}/video-upload/", {"filename": "танец.mp4", "size": len(clip)}
    )
    assert status == 201, started
    uid = started["uid"]
    assert started["chunk_size"] == CHUNK and started["parts_count"] >= 6
    sent_at_home = 3 * CHUNK
    for offset in range(0, sent_at_home, CHUNK):
        status, answer = phone.send_chunk(uid, clip, offset)
        assert status == 200, answer
    assert VideoUpload.objects.get(uid=uid).received == sent_at_home

    # Overnight: the server is restarted and a day passes; the daily clean-up runs meanwhile.
    server.stop()
    a_day_passes(uid, phone.cookies["sessionid"])
    assert remove_unclaimed_uploads() == (0, 0)
    server.start()

    # Next day, from a café's network: the same phone asks where to go on from, and finishes.
    assert phone.addresses == {HOME}
    phone.source = CAFE
    status, state = phone.json("GET", f"/api/media/uploads/{uid}/")
    assert status == 200, state
    assert state["received"] == sent_at_home and state["status"] == "open"
    status, refused = phone.send_chunk(uid, clip, sent_at_home + CHUNK)  # a chunk too far: told where to resume
    assert status == 409 and refused["received"] == sent_at_home
    for offset in range(state["received"], len(clip), CHUNK):
        status, answer = phone.send_chunk(uid, clip, offset)
        assert status == 200, answer
    status, video = phone.json(
        "POST", f"/api/media/uploads/{uid}/complete/", {"sha256": hashlib.sha256(clip).hexdigest()}
    )
    assert status == 201, video

    asset = VideoAsset.objects.get(uid=uid)
    assembled = hashlib.sha256(asset.source.open("rb").read()).hexdigest()
    assert assembled == hashlib.sha256(clip).hexdigest() == asset.checksum
    assert asset.private and asset.owner == student.user

    status, work = phone.json(
        "POST", "/api/submissions/", {"assignment": assignment.pk, "title": "Танец", "videos": [uid]}
    )
    assert status == 201, work
    assert phone.addresses == {HOME, CAFE}
    submission = Submission.objects.get(pk=work["id"])
    assert submission.status == Submission.Status.PENDING
    assert submission.files.get(kind="video").video == asset
    assert VideoUpload.objects.get(uid=uid).updated_at > timezone.now() - datetime.timedelta(hours=1)
