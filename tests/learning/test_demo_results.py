"""The demo data shows open judging on `make run`: last season's results page with its table, and
two appeals (one decided, one waiting)."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from learning.models import Appeal, Assignment
from learning.services import jury
from tests.learning.test_open_results import load_verifier

pytestmark = pytest.mark.django_db


def test_the_demo_shows_last_seasons_results_and_appeals(demo, settings, tmp_path):
    settings.VIDEO_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    past = Assignment.objects.get(season__name="Сезон 2025/26", direction__slug="painting")
    visitor = Client()
    assert f'href="/results/{past.pk}/"' in visitor.get("/results/").content.decode()
    assert visitor.get(f"/results/{past.pk}/").status_code == 200
    table = visitor.get(f"/api/results/{past.pk}/").json()
    assert table["winners"] and table["appeals"]["filed"] == 2 and table["appeals"]["upheld"] == 0
    assert [a.status for a in Appeal.objects.filter(submission__assignment=past).order_by("pk")] == [
        "rejected",
        "open",
    ]
    bands = load_verifier().z_score_ranking(
        (s["juror"], row["code"], row["age_band"], s["total"]) for row in table["works"] for s in row["scores"]
    )
    assert {rows[0]["work"] for rows in bands.values()} == set(table["winners"])
    kim = get_user_model().objects.get(username="juror.kim")
    current = Assignment.objects.get(season__name="Сезон 2026/27", direction__slug="painting")
    assert jury.has_declared(kim, current), "juror.kim can score the work left to score"

    call_command("load_demo", stdout=io.StringIO())
    assert Appeal.objects.count() == 2
