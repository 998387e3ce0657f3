"""Rings in the database: a recorded case joins or merges rings at once, an identifier that
becomes too common splits the ring it held; the incremental rings equal a full recompute
(and the engine's own rings) on random data; ring rows and ids survive a recompute."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from pingan.core.models import Unit, UnitKind
from pingan.fraud import services
from pingan.fraud.linking import RingIndex
from pingan.fraud.models import CaseIdentifier, FraudCase, Identifier, LeftOutReason, LinkingState, Ring
from pingan.fraud.services import VictimIn, fraud_case_record, fraud_identifier_add, rings_recompute
from pingan.fraud.tasks import recompute_rings

pytestmark = pytest.mark.django_db


def ring_of(case: FraudCase) -> Ring | None:
    case.refresh_from_db()
    return case.ring


def snapshot() -> dict:
    """Everything the two ways must agree on (not the rows' update times)."""
    rings = {
        ring.ring_id: (ring.rank, ring.case_count, ring.victim_count, ring.total_loss, ring.town_count,
                       ring.identifier_count, ring.first_date, ring.last_date, ring.is_major,
                       frozenset(ring.cases.values_list("ref", flat=True)))
        for ring in Ring.objects.all()
    }
    identifiers = {(i.kind, i.value): (i.case_count, i.left_out) for i in Identifier.objects.all()}
    singles = set(FraudCase.objects.filter(ring=None).values_list("ref", flat=True))
    return {"rings": rings, "identifiers": identifiers, "singles": singles}


def engine_rings() -> dict[str, tuple]:
    """The rings the engine finds on its own over the same rows, for a third opinion."""
    index = RingIndex()
    for ref, loss, victims, prefix, day in FraudCase.objects.values_list(
            "ref", "loss", "victim_count", "unit_prefix", "reported_on"):
        index.add_case(ref, loss=loss, victims=victims, unit_code=prefix, reported_on=day)
    for ref, kind, value in CaseIdentifier.objects.values_list("case__ref", "identifier__kind",
                                                              "identifier__value"):
        index.add_row(ref, f"{kind}:{value}")
    linked = [ring for ring in index.rings() if ring.cases >= 2]
    return {ring.ring_id: (rank, ring.cases, ring.victims, ring.total_loss, ring.towns, ring.identifiers,
                           ring.major) for rank, ring in enumerate(linked, start=1)}


def test_a_new_case_joins_its_ring_and_bridges_two(record):
    a = record(("phone", "13800000001"))
    b = record(("phone", "138 0000 0001"), ("bank_account", "6222 0000 0000 0001"))
    ring = ring_of(a)
    assert ring is not None and ring_of(b) == ring
    assert (ring.ring_id, ring.case_count, ring.total_loss) == (a.ref, 2, Decimal("24000.00"))
    c = record(("url", "https://pay.fake-invest.com/x"))
    d = record(("url", "PAY.fake-invest.com:443"), ("im_account", "wx:abc"))
    second = ring_of(c)
    assert second.ring_id == c.ref and Ring.objects.count() == 2
    # e bridges the two rings: one ring, named after the smallest reference, the other row gone
    e = record(("im_account", "微信：ABC"), ("bank_account", "6222000000000001"), loss=500_000)
    merged = ring_of(e)
    assert merged.pk == ring.pk and merged.ring_id == a.ref
    assert set(merged.cases.values_list("ref", flat=True)) == {a.ref, b.ref, c.ref, d.ref, e.ref}
    assert merged.case_count == 5 and merged.is_major and merged.rank == 1
    assert not Ring.objects.filter(pk=second.pk).exists()


def test_adding_an_identifier_links_a_recorded_case(record, personas):
    a = record(("phone", "13800000002"))
    b = record(("app", "《速赚》"))
    assert ring_of(a) is None and ring_of(b) is None
    fraud_identifier_add(case=b, actor=personas.admin, expected_version=b.version, kind="电话",
                         value="+86 138-0000-0002")
    assert ring_of(a) == ring_of(b) and ring_of(a).ring_id == a.ref
    assert b.events.order_by("-seq").first().after == {"identifier": "phone:13800000002"}


def test_a_ring_splits_when_its_identifier_becomes_too_common(record, settings):
    settings.PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE = 3
    a = record(("app", "hub"), ("phone", "13800000003"))
    b = record(("app", "hub"), ("phone", "13800000003"))
    c = record(("app", "hub"))
    assert ring_of(c).case_count == 3
    d = record(("app", "hub"))  # the fourth case: "hub" is too common now
    hub = Identifier.objects.get(kind="app", value="hub")
    assert (hub.case_count, hub.left_out) == (4, LeftOutReason.DEGREE)
    assert ring_of(a) == ring_of(b) and ring_of(a).case_count == 2
    assert ring_of(c) is None and ring_of(d) is None
    assert Ring.objects.count() == 1


def test_a_stoplisted_identifier_links_nothing(record, settings):
    settings.PINGAN_FRAUD_IDENTIFIER_STOPLIST = ("phone:95588",)
    a = record(("phone", "95588"))
    b = record(("phone", "95588"))
    assert ring_of(a) is None and ring_of(b) is None
    assert Identifier.objects.get(value="95588").left_out == LeftOutReason.STOPLIST


def _random_year(rng: random.Random, actor, towns: list[Unit]) -> None:
    """Cases with identifiers drawn from a small pool (so they share), a hub shown by many,
    a stoplisted service number, and identifiers added to cases after they were recorded."""
    pool = [("phone", f"1390000{n:04d}") for n in range(18)] + [("url", f"site{n}.com") for n in range(8)]
    pool += [("app", "hub")] * 4 + [("phone", "95588")] * 2
    cases = []
    start = timezone.localdate() - dt.timedelta(days=300)
    for n in range(45):
        identifiers = rng.sample(pool, k=rng.choice([0, 1, 1, 2, 2, 3]))
        cases.append(fraud_case_record(
            actor=actor, unit=rng.choice(towns), scam_type=rng.choice(["rebate_task", "fake_loan"]),
            reported_on=start + dt.timedelta(days=rng.randrange(290)),
            loss=rng.choice([0, 800, 5_000, 90_000]),
            victims=[VictimIn(name="甲")] * rng.choice([1, 1, 2, 3]), identifiers=identifiers,
            recovered=0,
        ))
        if cases and rng.random() < 0.25:
            case = FraudCase.objects.get(pk=rng.choice(cases).pk)
            kind, value = rng.choice(pool)
            if not case.identifier_links.filter(identifier__kind=kind, identifier__value=value).exists():
                fraud_identifier_add(case=case, actor=actor, expected_version=case.version, kind=kind,
                                     value=value)
        del n


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_incremental_rings_equal_a_full_recompute(seed, personas, district, settings):
    settings.PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE = 6
    settings.PINGAN_FRAUD_IDENTIFIER_STOPLIST = ("phone:95588",)
    towns = list(Unit.objects.filter(parent=district).exclude(kind=UnitKind.DEPARTMENT)[:5])
    _random_year(random.Random(seed), personas.admin, towns)
    incremental = snapshot()
    assert incremental["rings"], "the random year formed no ring"
    ids_before = dict(Ring.objects.values_list("ring_id", "pk"))

    report = rings_recompute()
    assert snapshot() == incremental
    assert report.created == report.removed == report.updated == report.cases_moved == 0
    assert dict(Ring.objects.values_list("ring_id", "pk")) == ids_before
    # The ranks, ties included (the losses are drawn from four amounts), are the engine's.
    assert {ring_id: stats[:6] + (stats[8],) for ring_id, stats in incremental["rings"].items()} \
        == engine_rings()


def test_full_recompute_repairs_and_keeps_unchanged_rings(record):
    a = record(("phone", "13800000010"))
    b = record(("phone", "13800000010"))
    c = record(("phone", "13800000011"))
    d = record(("phone", "13800000011"))
    first, second = ring_of(a), ring_of(c)
    # Damage the stored rings the way a failed deployment might: wrong stats, a lost member.
    Ring.objects.filter(pk=first.pk).update(total_loss=1, rank=7)
    FraudCase.objects.filter(pk=d.pk).update(ring=None)
    report = rings_recompute()
    assert (report.cases, report.links, report.rings) == (4, 4, 2)
    assert (report.updated, report.cases_moved, report.created, report.removed) == (1, 1, 0, 0)
    assert ring_of(a).pk == first.pk and ring_of(b).pk == first.pk
    assert ring_of(d).pk == second.pk and ring_of(a).total_loss == Decimal("24000.00")
    assert LinkingState.objects.get().recomputed_at is not None


def test_a_ring_keeps_its_id_when_later_cases_join(record):
    a = record(("phone", "13800000020"))
    b = record(("phone", "13800000020"))
    ring = ring_of(a)
    rings_recompute()
    c = record(("phone", "13800000020"), ("phone", "13800000021"))
    assert ring_of(c).pk == ring.pk and ring_of(c).ring_id == a.ref
    rings_recompute()
    assert ring_of(b).pk == ring.pk and ring_of(b).case_count == 3


def test_recompute_rereads_what_was_recorded_while_it_read(record, monkeypatch):
    a = record(("phone", "13800000030"))
    reads = []
    real_read = services._read_all

    def read_then_record(progress):
        reading = real_read(progress)
        if not reads:
            record(("phone", "13800000030"))  # lands after the first read
        reads.append(reading)
        return reading

    monkeypatch.setattr(services, "_read_all", read_then_record)
    rings_recompute()
    assert len(reads) == 2
    assert ring_of(a).case_count == 2


def test_the_command_and_the_task_recompute(record, capsys):
    a = record(("phone", "13800000040"))
    record(("phone", "13800000040"))
    FraudCase.objects.update(ring=None)
    call_command("rings", "recompute", "--no-progress")
    assert "2 起案件" in capsys.readouterr().out
    assert ring_of(a) is not None
    Ring.objects.all().delete()
    result = recompute_rings.call()
    assert result["rings"] == 1 and ring_of(a) is not None
