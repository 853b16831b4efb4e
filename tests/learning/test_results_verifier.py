"""verify_ledger.py --results, run as a person would run it, against the live test server: it
recomputes an assignment's jury ranking from the public table and checks the published winners."""

import json
import subprocess
import sys

import pytest
from django.db import connection

from config.http_cache import purge
from tests.learning.test_open_results import VERIFIER, contest, results  # noqa: F401 - fixtures

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def run_verifier(*args):
    return subprocess.run(
        [sys.executable, str(VERIFIER), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_verifier_recomputes_the_live_results(live_server, results, assignment):  # noqa: F811
    result = run_verifier(live_server.url, "--results", str(assignment.pk))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"задание {assignment.pk} «{assignment.title}»" in result.stdout
    assert "оценок: 12 от 3 членов жюри, работ: 4" in result.stdout
    assert "места и баллы в группах (10-13, 14-18) совпадают с пересчётом по z-оценкам" in result.stdout
    assert f"группа 10-13: победители (№{results['a'].pk}) — первые места по пересчёту" in result.stdout
    assert "Всё сходится." in result.stdout

    missing = run_verifier(live_server.url, "--results", "999999")
    assert missing.returncode == 2 and "Нет такого задания." in missing.stderr


def test_a_changed_score_makes_the_verifier_fail_naming_the_assignment(live_server, results, assignment):  # noqa: F811
    a, b = results["a"], results["b"]
    top = json.dumps({str(c.pk): c.max_points for c in assignment.criteria.all()})
    with connection.cursor() as cursor:  # what only someone with database access could do
        cursor.execute("UPDATE learning_score SET points = %s, total = 15 WHERE submission_id = %s", [top, b.pk])
    purge()  # the public pages' cache forgets the old table, as after any change of results
    result = run_verifier(live_server.url, "--results", str(assignment.pk))
    assert result.returncode == 1, result.stdout
    assert (
        f"задание {assignment.pk} «{assignment.title}», группа 10-13: победители — №{a.pk}, "
        f"а первые места по пересчёту — №{b.pk}"
    ) in result.stdout
    assert "Итоги жюри НЕ сходятся." in result.stdout

    with connection.cursor() as cursor:  # a total that does not add up
        cursor.execute("UPDATE learning_score SET total = 14 WHERE submission_id = %s", [b.pk])
    purge()
    broken = run_verifier(live_server.url, "--results", str(assignment.pk))
    assert broken.returncode == 1 and "не равна сумме баллов по критериям" in broken.stdout


def test_a_changed_winner_makes_the_verifier_fail(live_server, results, assignment):  # noqa: F811
    a, b = results["a"], results["b"]
    with connection.cursor() as cursor:  # the second place of 10–13 published as its winner
        cursor.execute("UPDATE learning_submission SET status = 'finalist' WHERE id = %s", [a.pk])
        cursor.execute("UPDATE learning_submission SET status = 'winner' WHERE id = %s", [b.pk])
    purge()
    result = run_verifier(live_server.url, "--results", str(assignment.pk))
    assert result.returncode == 1, result.stdout
    assert (
        f"задание {assignment.pk} «{assignment.title}», группа 10-13: победители — №{b.pk}, "
        f"а первые места по пересчёту — №{a.pk}"
    ) in result.stdout
