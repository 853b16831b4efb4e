"""Test factories: plain builders shared by the tests' fixtures (tests/factories/plugin.py, registered
in tests/conftest.py) and the bench scripts. They import the project's models, so import them after
`django.setup()` (pytest-django has done it before any conftest loads)."""

from tests.factories.accounts import PASSWORD, birth_date_for, grant, make_student, make_user, make_video_mentor
from tests.factories.browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE
from tests.factories.contest import make_assignment, make_campaign
from tests.factories.database import restore_migrated_data, run_in_threads
from tests.factories.events import make_child, make_event
from tests.factories.files import (
    TranscodedVideo,
    bucket_keys,
    ffprobe,
    image_upload,
    lesson_clip,
    make_clip,
    pdf_upload,
    png_upload,
    upload_clip,
    work_clip,
)
from tests.factories.pages import PageTree, add_child, cover_image, make_season, png_image

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "DESKTOP",
    "PHONE",
    "PASSWORD",
    "PageTree",
    "TranscodedVideo",
    "add_child",
    "birth_date_for",
    "bucket_keys",
    "cover_image",
    "ffprobe",
    "grant",
    "image_upload",
    "lesson_clip",
    "make_assignment",
    "make_campaign",
    "make_child",
    "make_clip",
    "make_event",
    "make_season",
    "make_student",
    "make_user",
    "make_video_mentor",
    "pdf_upload",
    "png_image",
    "png_upload",
    "restore_migrated_data",
    "run_in_threads",
    "upload_clip",
    "work_clip",
]
