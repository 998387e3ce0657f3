"""Moving warning orders out of the fraud app keeps their rows: a database at the fraud app's
0003 (the schema before the split, warning orders in ``fraud_warningorder``) migrated forward
holds the same warnings and contacts, now in this app's tables; and back again."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pingan.dissuasion.models import ContactAttempt, WarningOrder
from pingan.dissuasion.tests.test_rules import contact, register

BEFORE_THE_SPLIT = [("fraud", "0003_verbose_names")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


def _rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")  # noqa: S608 (a fixed name)
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_the_split_keeps_every_warning_and_contact(personas, worker_grid):
    warning = register(personas.admin, worker_grid)
    contact(warning, personas.grid_worker)
    warnings, contacts = _rows("dissuasion_warningorder"), _rows("dissuasion_contactattempt")
    assert len(warnings) == len(contacts) == 1
    ContentType.objects.get_for_model(WarningOrder)  # as a running site has it

    _migrate(BEFORE_THE_SPLIT)
    tables = connection.introspection.table_names()
    assert "dissuasion_warningorder" not in tables
    assert (_rows("fraud_warningorder"), _rows("fraud_contactattempt")) == (warnings, contacts)
    assert ContentType.objects.filter(app_label="fraud", model="warningorder").exists()

    _migrate(None)
    assert "fraud_warningorder" not in connection.introspection.table_names()
    assert (_rows("dissuasion_warningorder"), _rows("dissuasion_contactattempt")) == (warnings, contacts)
    moved = WarningOrder.objects.get()
    assert (moved.ref, moved.kind, moved.status, moved.person_name) == (
        warning.ref, "fraud_warning", "contacted", "周秀兰")
    assert ContactAttempt.objects.get().warning == moved
    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(WarningOrder).app_label == "dissuasion"
    assert not ContentType.objects.filter(app_label="fraud", model="warningorder").exists()
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "dissuasion_contactattempt")
    assert "dissuasion_contact_warning_at" in indexes
