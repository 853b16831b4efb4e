"""Search understands Russian word forms on both databases: «живописи» finds «Живопись», «песня»
finds «песни», «рисование» finds «рисованию». PostgreSQL stems with its `russian` configuration;
the embedded default, SQLite, stems search terms with Snowball (config/search.py): a probe on a
fresh SQLite database, started in the background when the run is collected, shows it."""

import json
import os
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.search import stem_prefix
from tests.factories import add_child
from tests.factories.background import BackgroundCommand

PROBE = Path(__file__).with_name("sqlite_search_probe.py")
QUERIES = ["живописи", "рисование", "песня", "живопись", "гуашь", "скульптура"]


def sqlite_probe(config):
    return BackgroundCommand("sqlite-search-probe", config)


@pytest.mark.parametrize(
    ("term", "prefix"),
    [("живописи", "живопис"), ("Песня", "песн"), ("рисование", "рисован"), ("ёлочки", "ёлочк"), ("и", None)],
)
def test_a_search_term_is_cut_to_its_russian_stem(term, prefix):
    assert stem_prefix(term) == prefix


def start_the_sqlite_probe(config):
    """Start the probe on a fresh SQLite database as soon as the run is collected (tests/config/
    conftest.py): nearly all of its half minute of CPU is `migrate`, which then runs in the moments
    the workers wait rather than while a test waits for it."""
    probe = sqlite_probe(config)
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    path = os.pathsep.join(filter(None, [str(settings.BASE_DIR), env.get("PYTHONPATH")]))
    env.update(
        VAR_DIR=str(probe.folder / "var"),
        TASK_BACKEND="immediate",
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=path,
    )
    probe.start([sys.executable, PROBE, *QUERIES], env=env, cwd=settings.BASE_DIR)


def test_search_on_sqlite_finds_other_forms_of_a_russian_word(request):
    probe = sqlite_probe(request.config)
    if not probe.started():  # not collected with the run (a test selected by its id, say)
        start_the_sqlite_probe(request.config)
    returncode, stdout, stderr = probe.result(timeout=540)
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    assert returncode == 0 and lines, stderr[-3000:]
    assert json.loads(lines[-1].removeprefix("RESULT ")) == {
        "живописи": ["Живопись"],
        "рисование": ["Живопись"],
        "песня": ["Вокал"],
        "живопись": ["Живопись"],
        "гуашь": ["Живопись"],
        "скульптура": [],
    }


@pytest.mark.django_db
def test_search_on_postgresql_keeps_its_russian_configuration(client):
    from django.db import connection

    from cms.models import DirectionIndexPage, DirectionPage, HomePage

    if connection.vendor != "postgresql":
        pytest.skip("the suite runs on SQLite; the subprocess test covers it")
    index = add_child(HomePage.objects.get(), DirectionIndexPage(title="Направления", slug="directions"))
    add_child(index, DirectionPage(title="Вокал", slug="vocal", description="<p>Поём песни и дышим животом.</p>"))
    page = client.get("/search/", {"q": "песня"}).content.decode()
    assert ">Вокал<" in page.partition('class="search-results"')[2]
