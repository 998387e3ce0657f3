"""The event log is append-only and tamper-evident."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from pingan.core.events import ChainBreak, verify_chains
from pingan.core.models import Event


def breaks():
    return [item for item in verify_chains() if isinstance(item, ChainBreak)]


def tamper(sql, params):
    """Edit the log behind the application's back, as someone with database access could.
    On PostgreSQL that takes a superuser skipping the append-only trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


def test_untouched_log_verifies(make_hazard, capsys):
    make_hazard()
    make_hazard(category="road")
    assert breaks() == []
    call_command("audit", "verify", "--no-progress")
    assert "every hash chain intact" in capsys.readouterr().out


def test_an_edited_event_is_named(make_hazard):
    hazard = make_hazard()
    make_hazard(category="road")
    victim = hazard.events.order_by("seq").first()
    tamper("UPDATE core_event SET note = %s WHERE id = %s", ["悄悄改过", victim.pk])
    found = breaks()
    assert [(b.event_id, b.case_ref) for b in found] == [(victim.pk, hazard.ref)]
    assert "edited" in found[0].reason
    with pytest.raises(CommandError) as failed:
        call_command("audit", "verify", "--no-progress")
    assert f"event id {victim.pk}" in str(failed.value)


def test_a_deleted_event_is_noticed(make_hazard, personas):
    hazard = make_hazard()  # created + attached: two events
    first = hazard.events.order_by("seq").first()
    tamper("DELETE FROM core_event WHERE id = %s", [first.pk])
    assert [b.case_ref for b in breaks()] == [hazard.ref]


def test_a_deleted_last_event_is_noticed_through_the_case_head(make_hazard):
    hazard = make_hazard(photos=[])
    last = hazard.events.order_by("-seq").first()
    tamper("DELETE FROM core_event WHERE id = %s", [last.pk])
    found = breaks()
    assert [b.case_ref for b in found] == [hazard.ref]
    assert "cut short" in found[0].reason


def test_postgres_trigger_refuses_update_and_delete(make_hazard):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    hazard = make_hazard()
    event = hazard.events.first()
    for attempt in (
        lambda: Event.objects.filter(pk=event.pk).update(note="x"),
        lambda: Event.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert Event.objects.get(pk=event.pk).note == event.note
