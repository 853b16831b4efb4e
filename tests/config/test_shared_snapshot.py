"""The suite's own machinery: a state built once per run is shared by the pytest-xdist workers. The
first to ask builds it; another loads the saved rows into its own database, without building."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from tests.factories.database import shared_snapshot_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_the_first_worker_builds_and_another_loads_the_rows_and_the_built_value(tmp_path):
    builds = []

    def build():
        builds.append(1)
        user = get_user_model().objects.create_user("snapshot.built", first_name="Ёлка «с кавычками»\tи\\n")
        (tmp_path / "shared" / "media_root").mkdir(parents=True)
        (tmp_path / "shared" / "media_root" / "file.txt").write_text("файл")
        return {"user": user.pk}

    folder = tmp_path / "shared"
    first = shared_snapshot_of("snapshot_first", build, folder)
    # Another worker, asking later (its own schema here, in the same test database): no second build.
    second = shared_snapshot_of("snapshot_second", build, folder)
    assert builds == [1]
    assert second.built == first.built
    assert second.folders["MEDIA_ROOT"] == first.folders["MEDIA_ROOT"] == folder / "media_root"

    assert not get_user_model().objects.filter(username="snapshot.built").exists()  # flushed after the build
    with transaction.atomic():
        second.restore(connection)
        user = get_user_model().objects.get(pk=second.built["user"])
        assert (user.username, user.first_name) == ("snapshot.built", "Ёлка «с кавычками»\tи\\n")
        # The sequence moved past the restored ids: a new row takes a fresh one.
        assert get_user_model().objects.create_user("snapshot.next").pk > user.pk
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA snapshot_first CASCADE; DROP SCHEMA snapshot_second CASCADE")
