"""Tests run on whatever DATABASE_URL names (PostgreSQL in CI); tests that need PostgreSQL carry
`@pytest.mark.postgres` and are skipped, and counted, on SQLite.

The shared fixtures live in one plugin, tests/factories/plugin.py, and the builders they use in the
tests/factories package (shared with bench/). A folder's conftest holds only what that folder alone
uses; no test imports a conftest."""

pytest_plugins = ["tests.factories.plugin"]
