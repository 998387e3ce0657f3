"""The league's computed figures, each from its domain's selectors, on small hand-built sets of
rows for 2026Q2 (1 April to 1 July) seen on 15 July: the expected numbers are worked out
beside each set. 航埠镇 has 20,000 residents, 石梁镇 40,000, 石室乡 none known (not comparable
per resident); the department's cases lie in 石梁镇, so they count for both."""

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from pingan.core.models import Unit, UnitKind
from pingan.core.tallies import Figure, Groups, Span
from pingan.dissuasion.models import WarningOrder, WarningStatus
from pingan.dissuasion.selectors import league_prevention
from pingan.fraud.models import FraudCase
from pingan.fraud.selectors import league_loss_per_residents
from pingan.hazards.models import Hazard, Status
from pingan.hazards.selectors import league_on_time_rectification, league_overdue_per_residents
from pingan.petitions.models import Petition
from pingan.petitions.models import Status as PetitionStatus
from pingan.petitions.selectors import (
    league_acceptance_on_time,
    league_backlog_cleared,
    league_first_petition_resolved,
    league_resolution_on_time,
)
from pingan.receptions.models import Leader, Reception, ReceptionStatus
from pingan.receptions.selectors import league_reception_days

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
SPAN = Span.of(dt.date(2026, 4, 1), dt.date(2026, 7, 1), dt.datetime(2026, 7, 15, 10, tzinfo=SHANGHAI))
REFS = itertools.count(1)


def at(day: str | None) -> dt.datetime | None:
    return None if day is None else dt.datetime.fromisoformat(f"{day}T10:00").replace(tzinfo=SHANGHAI)


def case(model, unit: Unit, *, department: Unit | None = None, opened="2026-03-01", due=None, closed=None,
         status="", **fields):
    """A row as the services leave it, written directly: the figures read only these columns."""
    return model.objects.create(
        ref=f"T{next(REFS):06d}", kind=model.KIND, title="测试", category="other", status=status,
        is_open=closed is None, unit=unit, unit_prefix=unit.prefix, department=department,
        opened_at=at(opened), due_at=at(due), closed_at=at(closed), **fields)


@pytest.fixture
def places(district):
    towns = {unit.name: unit for unit in Unit.objects.filter(name__in=["航埠镇", "石梁镇", "石室乡"])}
    Unit.objects.filter(name="航埠镇").update(population=20_000)
    Unit.objects.filter(name="石梁镇").update(population=40_000)
    Unit.objects.filter(name="石室乡").update(population=None)
    department = Unit.objects.filter(kind=UnitKind.DEPARTMENT).order_by("prefix").first()
    groups = Groups(prefixes=[towns[name].prefix for name in ("航埠镇", "石梁镇", "石室乡")],
                    departments=[department.pk])
    return towns["航埠镇"], towns["石梁镇"], department, groups


def test_hazard_figures(places):
    hangbu, shiliang, department, groups = places
    # 航埠镇: judged = due in Q2 and closed or overdue = on_time, late, overdue, closed_after = 4;
    # on time 1 → 25%. Overdue at 1 July: overdue, before (due in March), closed_after (closed
    # 2 July) = 3 → 3 × 10,000 / 20,000 = 1.5 per 10,000.
    case(Hazard, hangbu, due="2026-04-10", closed="2026-04-09", status=Status.CLOSED)  # on time
    case(Hazard, hangbu, due="2026-05-10", closed="2026-05-20", status=Status.CLOSED)  # late
    case(Hazard, hangbu, due="2026-06-20", status=Status.RECTIFYING)  # overdue
    case(Hazard, hangbu, due="2026-06-25", closed="2026-07-02", status=Status.CLOSED)  # closed_after
    case(Hazard, hangbu, due="2026-07-05", status=Status.RECTIFYING)  # due after the period
    case(Hazard, hangbu, due="2026-03-20", status=Status.ASSIGNED)  # before: overdue since March
    case(Hazard, hangbu, due="2026-04-20", closed="2026-04-21", status=Status.REJECTED)  # never a hazard
    # 石梁镇: its own on time, and the department's two (one on time, one overdue): 2 of 3, and
    # 1 overdue → 0.25 per 10,000. The department: 1 of 2 = 50%.
    case(Hazard, shiliang, due="2026-05-01", closed="2026-04-30", status=Status.CLOSED)
    case(Hazard, shiliang, department=department, due="2026-05-05", closed="2026-05-05", status=Status.CLOSED)
    case(Hazard, shiliang, department=department, due="2026-06-01", status=Status.RECTIFYING)

    assert league_on_time_rectification(groups, SPAN) == {
        hangbu.prefix: Figure(Decimal("25.0000"), 4),
        shiliang.prefix: Figure(Decimal("66.6667"), 3),
        department.pk: Figure(Decimal("50.0000"), 2),
    }  # 石室乡 has no hazard due: no figure, not 0%
    assert league_overdue_per_residents(groups, SPAN) == {
        hangbu.prefix: Figure(Decimal("1.5000"), None),
        shiliang.prefix: Figure(Decimal("0.2500"), None),
    }  # 石室乡 has no population; the department no residents


def petition(unit, *, department=None, acceptance_due, accepted=None, resolution_due=None, replied=None,
             **fields):
    assigned = at(fields.get("opened", "2026-03-01"))
    return case(Petition, unit, department=department, profile="national", channel="visit",
                petition_type="complaint", handling_unit=department or unit, assigned_at=assigned,
                acceptance_due_at=at(acceptance_due), accepted_at=at(accepted),
                objection_until=dt.date(2026, 3, 10), resolution_due_at=at(resolution_due),
                replied_at=at(replied), **fields)


def test_petition_figures(places):
    hangbu, shiliang, department, groups = places
    # Acceptance due in Q2 in 航埠镇: first (on time), late, refused (on time), undecided (past
    # due) and reviewed below (on time) = 5 judged, 3 on time → 60%; the repeat is due in July.
    first = petition(hangbu, opened="2026-03-25", acceptance_due="2026-04-05", accepted="2026-04-03",
                     resolution_due="2026-06-02", replied="2026-05-30", closed="2026-06-05")
    petition(hangbu, opened="2026-04-28", acceptance_due="2026-05-05", accepted="2026-05-08",
             resolution_due="2026-06-30", replied="2026-07-05")
    petition(hangbu, opened="2026-06-01", acceptance_due="2026-06-10", closed="2026-06-09",
             status=PetitionStatus.NOT_ACCEPTED)
    petition(hangbu, opened="2026-06-20", acceptance_due="2026-06-30")
    petition(hangbu, opened="2026-06-28", acceptance_due="2026-07-03", accepted="2026-07-01", repeat_of=first)
    # Resolution due in Q2: first (on time), the late one, reviewed (on time, review asked) →
    # 2 of 3. Resolved at first handling: late (replied, no repeat, no review); first has a
    # repeat, reviewed a review → 1 of 3.
    petition(hangbu, opened="2026-04-02", acceptance_due="2026-04-10", accepted="2026-04-08",
             resolution_due="2026-06-15", replied="2026-06-10", review_requested_on=dt.date(2026, 6, 20))
    # The stock on 1 April: first (cleared 5 June), open since January, closed only on 5 July
    # → 1 of 3; one closed in March was not stock.
    petition(hangbu, opened="2026-01-10", acceptance_due="2026-01-20", accepted="2026-01-15")
    for closed in ("2026-07-05", "2026-03-15"):
        petition(hangbu, opened="2026-02-01", acceptance_due="2026-02-10", accepted="2026-02-05",
                 closed=closed)
    # The department's, in 石梁镇: accepted and replied on time.
    petition(shiliang, department=department, opened="2026-04-05", acceptance_due="2026-04-10",
             accepted="2026-04-09", resolution_due="2026-06-09", replied="2026-06-01")

    both = {shiliang.prefix: Figure(Decimal("100.0000"), 1), department.pk: Figure(Decimal("100.0000"), 1)}
    assert league_acceptance_on_time(groups, SPAN) == {hangbu.prefix: Figure(Decimal("60.0000"), 5), **both}
    assert league_resolution_on_time(groups, SPAN) == {hangbu.prefix: Figure(Decimal("66.6667"), 3), **both}
    assert league_first_petition_resolved(groups, SPAN) == {hangbu.prefix: Figure(Decimal("33.3333"), 3),
                                                            **both}
    assert league_backlog_cleared(groups, SPAN) == {hangbu.prefix: Figure(Decimal("33.3333"), 3)}


def test_fraud_loss_per_residents(places):
    hangbu, shiliang, department, groups = places
    # 航埠镇: 30,000 yuan in Q2 (the 1 July one is outside) → 30,000 × 10,000 / 20,000 = 15,000;
    # 石梁镇: 4,000 → 1,000; 石室乡 has no population; the department never a figure.
    for unit, day, loss in ((hangbu, dt.date(2026, 4, 1), 30_000), (hangbu, dt.date(2026, 7, 1), 99_999),
                            (shiliang, dt.date(2026, 6, 30), 4_000)):
        case(FraudCase, unit, department=department, status="reported", reported_on=day, loss=Decimal(loss))
    assert league_loss_per_residents(groups, SPAN) == {
        hangbu.prefix: Figure(Decimal("15000.0000"), None),
        shiliang.prefix: Figure(Decimal("1000.0000"), None)}


def test_dissuasion_prevention(places):
    hangbu, shiliang, department, groups = places
    # 航埠镇 in Q2: prevented, not reached, still dissuading (not concluded) → 1 of 2 = 50%; the
    # one received 2 July is outside. 石梁镇: already lost → 0 of 1.
    for unit, day, status in ((hangbu, "2026-04-05", WarningStatus.PREVENTED),
                              (hangbu, "2026-05-05", WarningStatus.NOT_REACHED),
                              (hangbu, "2026-06-05", WarningStatus.CONTACTED),
                              (hangbu, "2026-07-02", WarningStatus.PREVENTED),
                              (shiliang, "2026-06-30", WarningStatus.ALREADY_LOST)):
        case(WarningOrder, unit, opened=day, status=status, issuer="police", risk_level="high",
             contact_due_at=at(day))
    assert league_prevention(groups, SPAN) == {
        hangbu.prefix: Figure(Decimal("50.0000"), 2), shiliang.prefix: Figure(Decimal("0.0000"), 1)}


def test_reception_days_held(places, settings):
    hangbu, shiliang, department, groups = places
    settings.PINGAN_RECEPTION_PERIOD = "dekad"
    # Q2 has nine dekads, all over by 15 July. 航埠镇 held in three (two days in early April
    # count once; the planned one and the July one do not) → 3 of 9; 石梁镇 held none → 0 of 9.
    leader = Leader.objects.create(name="王某", title="镇长", unit=hangbu)
    for day, status in (("2026-04-05", ReceptionStatus.HELD), ("2026-04-08", ReceptionStatus.HELD),
                        ("2026-05-15", ReceptionStatus.HELD), ("2026-05-25", ReceptionStatus.PLANNED),
                        ("2026-06-25", ReceptionStatus.HELD), ("2026-07-02", ReceptionStatus.HELD)):
        Reception.objects.create(unit=hangbu, leader=leader, date=dt.date.fromisoformat(day), place="镇政府",
                                 status=status, created_at=at("2026-03-01"))
    assert league_reception_days(groups, SPAN) == {
        hangbu.prefix: Figure(Decimal("33.3333"), 9), shiliang.prefix: Figure(Decimal("0.0000"), 9),
        Unit.objects.get(name="石室乡").prefix: Figure(Decimal("0.0000"), 9)}
