"""Tiny clips made by ffmpeg (tests/factories/files.py) and users who may upload; the `s3_storage`
fixture is in the shared plugin (tests/factories/plugin.py)."""

import pytest

from tests.factories import grant, make_clip, make_user, make_video_mentor


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    """The clips the tests upload, generated once per session (small sizes spare the 2 CPU cores)."""
    folder = tmp_path_factory.mktemp("clips")
    return {
        "landscape": make_clip(folder / "landscape.mp4", size="640x360", seconds=3),
        "portrait": make_clip(folder / "portrait.mp4", size="360x640", seconds=2),
        "hd720": make_clip(folder / "hd720.mp4", size="1280x720", seconds=3),
        "silent": make_clip(folder / "silent.mp4", size="480x270", seconds=2, audio=False),
    }


@pytest.fixture
def mentor(db):
    return make_video_mentor()


@pytest.fixture
def editor(db):
    """Unlike the shared `editor` (the Editors group), holds only the video permissions."""
    user = make_user("editor", password="pw", email="")  # noqa: S106
    return grant(user, "add_videoasset", "change_videoasset", "view_videoasset", "delete_videoasset")
