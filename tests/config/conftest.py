from tests.config.test_search_russian import sqlite_probe, start_the_sqlite_probe
from tests.factories.plugin import worker_index


def pytest_collection_modifyitems(config, items):
    """The first worker (or the only process) starts the SQLite search probe once the run is
    collected with its test in it: every worker collects every test, so one of them must."""
    if config.option.collectonly:
        return
    wanted = any(item.name == "test_search_on_sqlite_finds_other_forms_of_a_russian_word" for item in items)
    if wanted and worker_index() == 0 and not sqlite_probe(config).started():
        start_the_sqlite_probe(config)
