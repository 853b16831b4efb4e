"""Helpers around the test database: the migrations' data put back after a flush, and real threads
on their own connections."""

import json
import threading

from django.contrib.auth.models import Permission
from django.core import serializers
from django.core.management import call_command
from django.db import connection, transaction

from cms.models import HomePage


def restore_migrated_data(initial_data):
    """Put the migrations' data back after a flush. A plain flush re-creates content types and
    permissions through post_migrate, so empty the tables first (keeping the sequences running).
    Content types go back before the rest is even read: reading natural keys looks content types
    up and would create missing ones anew, colliding with the copy."""
    connection._test_serialized_contents = initial_data
    if HomePage.objects.exists() and Permission.objects.filter(codename="access_admin").exists():
        return
    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True, reset_sequences=False)
    rows = json.loads(initial_data)
    content_types = [row for row in rows if row["model"] == "contenttypes.contenttype"]
    rest = [row for row in rows if row["model"] != "contenttypes.contenttype"]
    with transaction.atomic(), connection.constraint_checks_disabled():
        for part in (content_types, rest):
            objects = list(serializers.deserialize("python", part, handle_forward_references=True))
            for item in objects:
                item.save()
            for item in objects:
                if item.deferred_fields:
                    item.save_deferred_fields()


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
