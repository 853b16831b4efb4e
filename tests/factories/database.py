"""Helpers around the test database: the migrations' data put back after a flush, snapshots of a
built state, and real threads on their own connections."""

import fcntl
import json
import pickle
import shutil
import threading

from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings

from cms.models import HomePage


class MigratedData:
    """The rows the migrations leave (home page, site, locale, groups, permissions, workflows,
    regions, settlements), copied aside in the test database once it is migrated, so that every
    flush puts them back in the same transaction (`restore_sql`): a transactional test, and any test
    after it, finds the database as the migrations left it, with no per-test deserialization.
    PostgreSQL keeps the copies in the schema `migrated_data` (outside the search path, so Django's
    introspection never sees them); SQLite in tables named `_migrated__<table>`."""

    SCHEMA = "migrated_data"

    def __init__(self):
        self.tables = {}  # table -> its columns, for the tables the migrations left rows in

    def copy_name(self, connection, table):
        if connection.vendor == "postgresql":
            return f"{self.SCHEMA}.{connection.ops.quote_name(table)}"
        return connection.ops.quote_name(f"_migrated__{table}")

    def take(self, connection):
        quote = connection.ops.quote_name
        self.tables = {}
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP SCHEMA IF EXISTS {self.SCHEMA} CASCADE")
                cursor.execute(f"CREATE SCHEMA {self.SCHEMA}")
            tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
            for table in sorted(tables):
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # noqa: S608 - Django's table names
                if cursor.fetchone() is None:
                    continue
                copy = self.copy_name(connection, table)
                if connection.vendor != "postgresql":
                    cursor.execute(f"DROP TABLE IF EXISTS {copy}")
                cursor.execute(f"CREATE TABLE {copy} AS SELECT * FROM {quote(table)}")  # noqa: S608
                self.tables[table] = self.stored_columns(connection, cursor, table)

    @staticmethod
    def stored_columns(connection, cursor, table):
        """The table's columns but generated ones (an INSERT may not name those)."""
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                " AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
                [table],
            )
            return [row[0] for row in cursor.fetchall()]
        return [column.name for column in connection.introspection.get_table_description(cursor, table)]

    def restore_sql(self, connection, flushed_tables, reset_sequences=False):
        """INSERT … SELECT statements that put the copied rows back into the tables just flushed."""
        quote = connection.ops.quote_name
        statements = []
        for table in flushed_tables:
            columns = self.tables.get(table)
            if not columns:
                continue
            names = ", ".join(quote(column) for column in columns)
            copy = self.copy_name(connection, table)
            statements.append(f"INSERT INTO {quote(table)} ({names}) SELECT {names} FROM {copy}")  # noqa: S608
            if reset_sequences and connection.vendor == "postgresql" and "id" in columns:
                statements.append(
                    f"SELECT setval(pg_get_serial_sequence('{quote(table)}', 'id'), MAX(id)) FROM {quote(table)}"  # noqa: S608
                )
        return statements


MIGRATED_DATA = MigratedData()


class DatabaseSnapshot:
    """Every table's rows at one moment (PostgreSQL only), copied into a schema of their own, so a
    test can start from that state inside its own transaction (`restore`) instead of building it
    again: the demo that `load_demo` makes costs half a minute of CPU, its restoring a second.
    The copies live outside the search path, like MigratedData's."""

    def __init__(self, schema):
        self.schema = schema
        self.tables = {}  # table -> its columns, for the tables that had rows
        self.sequences = {}  # table -> the sequence of its integer id
        self.all_tables = []

    def take(self, connection):
        quote = connection.ops.quote_name
        self.tables, self.sequences = {}, {}
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
            cursor.execute(f"CREATE SCHEMA {self.schema}")
            self.all_tables = sorted(
                connection.introspection.django_table_names(only_existing=True, include_views=False)
            )
            for table in self.all_tables:
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # noqa: S608 - Django's table names
                if cursor.fetchone() is None:
                    continue
                cursor.execute(f"CREATE TABLE {self.schema}.{quote(table)} AS SELECT * FROM {quote(table)}")  # noqa: S608
                self.tables[table] = MigratedData.stored_columns(connection, cursor, table)
                if "id" in self.tables[table]:
                    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [quote(table)])
                    if sequence := cursor.fetchone()[0]:
                        self.sequences[table] = sequence

    def restore(self, connection):
        """Replace every table's rows by the copies, inside the current transaction (a test's: its
        rollback puts the database back). Triggers stay quiet meanwhile (session_replication_role):
        the ledger's append-only guards and the rollups' counters would refuse or count twice rows
        that are restored, not written, and foreign keys are not checked while tables are emptied
        in any order; sequences move past the restored ids."""
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            # DELETE, not TRUNCATE: a TRUNCATE gives each of the ~150 tables and their indexes new
            # files, which cost seconds per test on a busy disk; most tables are empty here.
            cursor.execute("; ".join(f"DELETE FROM {quote(table)}" for table in self.all_tables))  # noqa: S608
            for table, columns in self.tables.items():
                names = ", ".join(quote(column) for column in columns)
                cursor.execute(
                    f"INSERT INTO {quote(table)} ({names}) SELECT {names} FROM {self.schema}.{quote(table)}"  # noqa: S608
                )
                if sequence := self.sequences.get(table):
                    cursor.execute(
                        f"SELECT setval(%s, GREATEST((SELECT MAX(id) FROM {quote(table)}), nextval(%s)))",  # noqa: S608
                        [sequence, sequence],
                    )
            cursor.execute("SET LOCAL session_replication_role = origin")

    def save(self, connection, folder):
        """Write the copies into `folder` (one file per table, COPY's text format, which names no
        type by its number) with a list of them, for another worker's database (`load`)."""
        folder.mkdir(parents=True, exist_ok=True)
        raw = connection.connection
        with raw.cursor() as cursor:
            for table, columns in self.tables.items():
                names = ", ".join(connection.ops.quote_name(column) for column in columns)
                copy = f"COPY {self.schema}.{connection.ops.quote_name(table)} ({names}) TO STDOUT"
                with (folder / f"{table}.copy").open("wb") as out, cursor.copy(copy) as rows:
                    for block in rows:
                        out.write(block)
        (folder / "tables.json").write_text(
            json.dumps({"tables": self.tables, "sequences": self.sequences, "all_tables": self.all_tables})
        )

    @classmethod
    def load(cls, connection, schema, folder):
        """The snapshot another process saved into `folder`, copied into this database's `schema`.
        Both databases come from the same migrations, so each copy is created with its table's
        columns and filled from the file."""
        listed = json.loads((folder / "tables.json").read_text())
        snapshot = cls(schema)
        snapshot.tables, snapshot.sequences = listed["tables"], listed["sequences"]
        snapshot.all_tables = listed["all_tables"]
        quote = connection.ops.quote_name
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            cursor.execute(f"CREATE SCHEMA {schema}")
            for table, columns in snapshot.tables.items():
                names, copy = ", ".join(quote(column) for column in columns), f"{schema}.{quote(table)}"
                cursor.execute(f"CREATE TABLE {copy} AS SELECT {names} FROM {quote(table)} WITH NO DATA")  # noqa: S608
                with cursor.copy(f"COPY {copy} ({names}) FROM STDIN") as rows:
                    rows.write((folder / f"{table}.copy").read_bytes())
        return snapshot

    def copy_files(self, folders):
        """Copy the media and private files the build left into `folders` (setting name -> folder),
        such as a test's own MEDIA_ROOT and PRIVATE_MEDIA_ROOT."""
        for name in ("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT"):
            if self.folders[name].exists():
                shutil.copytree(self.folders[name], folders[name], dirs_exist_ok=True)


def snapshot_folders(folder):
    """The media and work folders a snapshot's build writes to, under `folder`."""
    names = ("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT", "VIDEO_WORK_DIR", "VIDEO_UPLOAD_TEMP_DIR")
    return {name: folder / name.lower() for name in names}


def snapshot_of(schema, build, folder):
    """Run `build()` once for this process, as a test would (the tests' settings, media folders under
    `folder`, tasks at once, likes earning at once), commit it, copy every table into `schema`
    (DatabaseSnapshot, which remembers `build()`'s return value as `.built` and the media folders as
    `.folders`) and flush. A test then restores the copy in its own transaction instead of building
    it again. None on SQLite: the caller builds per test there. The caller unblocks the database."""
    if connection.vendor != "postgresql":
        return None
    folders = snapshot_folders(folder)
    storages = {**django_settings.STORAGES}
    if storages["private"]["BACKEND"].endswith("FileSystemStorage"):
        storages["private"] = {**storages["private"], "OPTIONS": {"location": folders["PRIVATE_MEDIA_ROOT"]}}
    cache.clear()
    with (
        override_settings(
            STORAGES=storages,
            TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
            ENGAGEMENT_LIKE_WARMUP_HOURS=0,  # as likes_earn_at_once has it for the tests
            **folders,
        ),
        transaction.atomic(),
    ):
        built = build()
        # A test's own build never commits, so what it leaves for on_commit never runs.
        connection.run_on_commit = []
    snapshot = DatabaseSnapshot(schema)
    snapshot.take(connection)
    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True, reset_sequences=False)
    cache.clear()
    snapshot.folders = folders
    snapshot.built = built
    return snapshot


def shared_snapshot_of(schema, build, folder):
    """snapshot_of, built once per run rather than once per pytest-xdist worker: `folder` is shared
    by the run's workers (tests/factories/background.py names such folders). The first worker to ask
    builds it there, media folders included, and saves its rows and `build()`'s value beside them;
    another worker waits for that (a lock on the folder) and loads them into its own database in a
    second, instead of spending the build's half minute of CPU again. None on SQLite."""
    if connection.vendor != "postgresql":
        return None
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        rows, built = folder / "rows", folder / "built.pickle"
        if built.exists():
            snapshot = DatabaseSnapshot.load(connection, schema, rows)
            snapshot.folders = snapshot_folders(folder)
            snapshot.built = pickle.loads(built.read_bytes())  # noqa: S301 - written by this run
            return snapshot
        snapshot = snapshot_of(schema, build, folder)
        snapshot.save(connection, rows)
        built.write_bytes(pickle.dumps(snapshot.built))
        return snapshot


def restore_migrated_data(initial_data=None):
    """Make sure the migrations' data is there. Every flush puts it back (MigratedData); this only
    flushes when something removed it (a test deleting the home page and committing)."""
    if HomePage.objects.exists() and Permission.objects.filter(codename="access_admin").exists():
        return
    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True, reset_sequences=False)


def run_in_threads(count, work):
    """Run work(index) in `count` real threads, each on its own database connection; re-raise the
    first error."""
    barrier = threading.Barrier(count)
    errors = []

    def target(index):
        try:
            barrier.wait()
            work(index)
        except Exception as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
