"""The production configuration, run as an operator runs it (`.ci/production-smoke`): gunicorn,
an RQ worker and the scheduler with DEBUG=0, on PostgreSQL, Redis and SeaweedFS. People use it
through Chromium; the checks read the database, the bucket as an anonymous visitor, and Redis."""

import datetime
import io
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from tests.factories import add_child, make_season, make_user

pytestmark = [pytest.mark.production, pytest.mark.browser]

SITE = os.environ.get("SITE_URL", "")
SMOKE_DIR = Path(os.environ.get("SMOKE_DIR", "."))
PASSWORD = "Smoke-Пароль-2026"
ADMIN_PASSWORD = "smoke-Admin-2026"  # .ci/production-smoke creates the first admin as the README says
BUCKET_ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(os.environ.get("AWS_S3_ENDPOINT_URL", "")))


def clip(path, seconds, size="320x180", rate=15):
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    return path


def wait_for(predicate, timeout, message=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.2)
    raise AssertionError(f"не дождались за {timeout} с: {message}")


def anonymous_get(key):
    import requests

    return requests.get(f"{settings.AWS_S3_ENDPOINT_URL}/{settings.AWS_STORAGE_BUCKET_NAME}/{key}", timeout=10)


def bucket_keys(prefix):
    from media_pipeline import storage

    client = storage.s3_client()
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """What editors and the platform's staff would have set up: a season with a masterclass (its
    cover image in the bucket) and an empty lesson, an open contest assignment, a student, a
    moderator, a running campaign."""
    from django.contrib.auth import get_user_model
    from django.core.files.images import ImageFile
    from PIL import Image as PillowImage
    from wagtail.images.models import Image

    from cms.models import (
        DirectionIndexPage,
        DirectionPage,
        HomePage,
        LessonPage,
        MasterclassPage,
        MentorIndexPage,
        MentorPage,
        Region,
    )
    from engagement.models import Campaign
    from learning import services as learning
    from learning.models import Assignment

    folder = tmp_path_factory.mktemp("smoke")
    season = make_season("Сезон проверки")
    home = HomePage.objects.get()
    directions = add_child(home, DirectionIndexPage(title="Направления", slug="directions"))
    mentors = add_child(home, MentorIndexPage(title="Наставники", slug="mentors"))
    mentor = add_child(mentors, MentorPage(title="Вера Звонкова", slug="vera", role="певица", bio="<p>Поёт.</p>"))
    vocal = add_child(directions, DirectionPage(title="Вокал", slug="vocal", description="<p>Голос.</p>"))
    picture = io.BytesIO()
    PillowImage.new("RGB", (1280, 720), (40, 120, 200)).save(picture, "JPEG")
    cover = Image.objects.create(title="Обложка", file=ImageFile(picture, name="cover.jpg"))
    masterclass = add_child(
        vocal,
        MasterclassPage(
            title="Поём с дыханием", slug="breath", mentor=mentor, season=season, age_band="14-18",
            description="<p>Урок.</p>", cover=cover,
        ),
    )  # fmt: skip
    lesson = add_child(masterclass, LessonPage(title="Урок 1: дыхание", slug="lesson-1", summary="Дышим."), False)
    now = timezone.now()
    assignment = Assignment.objects.create(
        title="Спой куплет", direction=vocal, season=season, masterclass=masterclass, task="Спойте куплет.",
        opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=30),
        age_bands=["14-18"], allowed_kinds=["video"], max_files=1, jurors_per_work=1,
    )  # fmt: skip
    Campaign.objects.create(
        name="Сезон проверки", starts_at=now - datetime.timedelta(days=1), ends_at=now + datetime.timedelta(days=60),
        cap=10_000_000,
    )  # fmt: skip
    today = timezone.localdate()
    learning.register_student(
        email="misha@example.org", password=PASSWORD, first_name="Миша", surname="Зайцев",
        birth_date=datetime.date(today.year - 15, 1, 1), region=Region.objects.get(code="71"), town="Белёв",
        town_population=13000, consent=True,
    )  # fmt: skip
    make_user("moderator", group="Moderators", password=PASSWORD)
    assert get_user_model().objects.get(username="admin").is_superuser
    return {"folder": folder, "lesson": lesson, "masterclass": masterclass, "assignment": assignment}


@pytest.fixture(scope="module")
def people(browser):
    """A browser context per person; every CSP violation a page reports is collected."""
    contexts = []

    def open_as(viewport=None):
        context = browser.new_context(
            base_url=SITE, locale="ru-RU", viewport=viewport or {"width": 1280, "height": 800}
        )
        context.set_default_timeout(30_000)
        context.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation',"
            " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        contexts.append(context)
        return page

    yield open_as
    for context in contexts:
        context.close()


def admin_signed_in(people, username="admin", password=ADMIN_PASSWORD):
    page = people()
    page.goto("/admin/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/admin/")
    return page


def upload_lesson_video(page, title, path):
    """The admin's Видео screen: the file goes to the bucket in presigned parts."""
    parts = []
    page.on("request", lambda r: r.method == "PUT" and r.url.startswith(BUCKET_ORIGIN) and parts.append(r.url))
    page.goto("/admin/videos/")
    page.locator("#video-title").fill(title)
    page.locator("#video-file").set_input_files(str(path))
    page.get_by_role("button", name="Загрузить").click()
    page.get_by_text("Файл загружен").wait_for()
    return parts


def video_titled(title):
    from media_pipeline.models import VideoAsset

    return VideoAsset.objects.filter(title=title).first()


def test_a_lesson_video_goes_up_through_presigned_parts_and_becomes_ready(world, people):
    page = admin_signed_in(people)
    parts = upload_lesson_video(page, "Урок 1: дыхание", clip(world["folder"] / "lesson.mp4", seconds=4))

    assert parts and all("X-Amz-Algorithm=AWS4-HMAC-SHA256" in url and "partNumber=" in url for url in parts)
    video = wait_for(lambda: (v := video_titled("Урок 1: дыхание")) and v.is_ready and v, 120, "видео урока")
    assert f"private/{video.source.name}" in bucket_keys("private/")
    assert anonymous_get(f"private/{video.source.name}").status_code == 403
    assert anonymous_get(video.master_playlist).status_code == 200
    world["lesson"].video = video
    world["lesson"].save_revision().publish()


def test_the_lesson_plays_from_the_bucket_with_no_csp_violation(world, people):
    page = people({"width": 390, "height": 844})
    media = []
    page.on("response", lambda r: r.url.startswith(BUCKET_ORIGIN) and media.append((r.url, r.status)))

    page.goto(world["masterclass"].url)
    cover = page.locator("img.cover")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=cover.element_handle())
    assert cover.evaluate("img => img.currentSrc").startswith(BUCKET_ORIGIN)
    page.goto(world["lesson"].url)
    video = page.locator("video")
    video.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function("v => v.currentTime > 1.5", arg=video.element_handle(), timeout=60_000)

    assert page.evaluate("window.__csp") == []
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
    # Segments from the bucket: whole (hls.js) or by byte ranges (the browser's own HLS).
    assert any(url.endswith(".ts") and status in (200, 206) for url, status in media), media


def test_an_approved_students_video_is_public_but_its_source_is_not(world, people):
    from learning.models import Submission

    student = people({"width": 390, "height": 844})
    student.goto("/cabinet/login/")
    student.get_by_label("Email").fill("misha@example.org")
    student.get_by_label("Пароль").fill(PASSWORD)
    student.get_by_role("button", name="Войти").click()
    student.get_by_role("heading", name="Привет, Миша!").wait_for()
    student.goto("/cabinet/submit/")
    student.get_by_label("Название работы").fill("Куплет")
    student.get_by_label("Файлы").set_input_files(str(clip(world["folder"] / "kuplet.mp4", seconds=3)))
    student.get_by_role("button", name="Отправить").click()
    student.get_by_role("heading", name="Привет, Миша!").wait_for(timeout=60_000)
    assert student.evaluate("window.__csp") == []
    work = Submission.objects.get(title="Куплет")
    video = work.files.get(kind="video").video
    wait_for(lambda: video.__class__.objects.get(pk=video.pk).is_ready, 120, "видео работы")
    assert anonymous_get(f"private/{video.source.name}").status_code == 403

    moderator = admin_signed_in(people, "moderator", PASSWORD)
    moderator.goto("/admin/learning/moderation/")
    moderator.get_by_text("«Куплет»").wait_for()
    moderator.get_by_role("button", name="Одобрить").click()
    moderator.get_by_text("опубликована").first.wait_for()

    video = wait_for(lambda: (v := video.__class__.objects.get(pk=video.pk)) and not v.private and v, 60, "публикация")
    assert anonymous_get(video.master_playlist).status_code == 200
    assert anonymous_get(f"private/{video.source.name}").status_code == 403
    assert not bucket_keys(f"{video.storage_prefix}source/")  # nothing of the source outside private/


def children_of(pid):
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(proc.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_worker_killed_mid_transcode_finishes_the_video_once(world, people):
    page = admin_signed_in(people)
    upload_lesson_video(page, "Длинный урок", clip(world["folder"] / "long.mp4", seconds=24, size="640x360", rate=25))
    video = wait_for(
        lambda: (v := video_titled("Длинный урок")) and v.status == "transcoding" and v.progress > 0 and v,
        120,
        "ffmpeg",
    )
    worker = int((SMOKE_DIR / "worker.pid").read_text())
    job = wait_for(lambda: children_of(worker), 10, "процесс задачи")
    ffmpeg = wait_for(lambda: [p for h in job for p in children_of(h)], 10, "ffmpeg")
    dead_token = str(video.job_token)

    os.kill(worker, signal.SIGKILL)  # what the OOM killer or `docker kill` does

    wait_for(lambda: not any(alive(pid) for pid in job + ffmpeg), 5, "процесс задачи и ffmpeg пережили обработчик")
    replacement = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "--with-scheduler", "--job-class", "django_tasks_rq.Job", "default"],
        cwd=settings.BASE_DIR,
        stdout=open(SMOKE_DIR / "worker2.log", "wb"),  # noqa: SIM115 - the stack's cleanup stops it
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    (SMOKE_DIR / "worker2.pid").write_text(str(replacement.pid))
    # The scheduler's recover_stale_videos hands the silent job to the new worker.
    video = wait_for(lambda: (v := video_titled("Длинный урок")) and v.is_ready and v, 180, "восстановление")
    assert video.attempts == 2
    keys = bucket_keys(video.storage_prefix)
    assert not [key for key in keys if "/staging/" in key]
    segments = [key for key in keys if key.endswith(".ts")]
    assert len(segments) == len(set(segments)) and f"{video.hls_prefix}master.m3u8" in keys
    work = Path(os.environ["VIDEO_WORK_DIR"])
    wait_for(lambda: not list(work.glob(f"{dead_token}-*")), 60, "уборка рабочей папки убитого запуска")


def test_the_periodic_jobs_ran_on_schedule():
    import redis
    from rq.job import Job

    connection = redis.Redis.from_url(settings.REDIS_URL)
    for name in settings.SCHEDULE:
        history = connection.zrange(f"rq:cron_job:{name}:jobs", 0, -1, withscores=True)
        assert len(history) >= 3, name
        gaps = [later - earlier for (_, earlier), (_, later) in zip(history, history[1:], strict=False)]
        assert 4 <= statistics.median(gaps) <= 8, (name, gaps)  # every 5 s, as SCHEDULE_* says
        statuses = [Job.fetch(job_id.decode(), connection=connection).get_status() for job_id, _ in history]
        assert statuses.count("finished") >= 3, (name, statuses)
        assert set(statuses) <= {"finished", "started", "queued"}, (name, statuses)  # the worker may be busy
