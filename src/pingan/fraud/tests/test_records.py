"""Recording fraud cases: what is stored (normal forms, amount bands, the major flag, masked
victims), every refusal with its message and field — and that a refused case writes nothing,
not even an identifier — adding identifiers, the workflow, and the victims' full view."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from pingan.core import errors
from pingan.core.models import EventType, ReferenceCounter, Severity
from pingan.core.personal.idcard import check_character
from pingan.fraud import services
from pingan.fraud.models import (
    AmountBand,
    CaseIdentifier,
    FraudCase,
    Identifier,
    Victim,
    amount_band,
    scam_type_label,
)
from pingan.fraud.selectors import victims_of
from pingan.fraud.services import VictimIn, fraud_case_transition, fraud_identifier_add, fraud_victims_full

pytestmark = pytest.mark.django_db

ID_17 = "33080219580301123"
ID_NUMBER = ID_17 + check_character(ID_17)


def nothing_written() -> bool:
    return not (FraudCase.objects.exists() or Victim.objects.exists() or Identifier.objects.exists()
                or CaseIdentifier.objects.exists() or ReferenceCounter.objects.filter(prefix="ZP").exists())


def test_a_recorded_case(record, personas):
    case = record(
        ("手机号", "+86 138-1234-5678"), ("网址", "HTTPS://Pay.Example.com.cn:8443/x?utm=1"),
        ("bank_account", "6222 0200 0000 0000"), ("url", "pay.example.com.cn"),
        loss="12,000.5", recovered=2_000, occurred_on=timezone.localdate() - dt.timedelta(days=5),
        victims=[VictimIn(name=" 王建华 ", id_number=ID_NUMBER.lower(), phone="１３９ ００００ ０１１１",
                          age=68)],
    )
    assert case.ref.startswith(f"ZP-{timezone.localdate().year}-")
    assert (case.kind, case.category, case.status, case.is_open) == ("fraud", "rebate_task", "reported", True)
    assert (case.loss, case.recovered, case.due_at) == (Decimal("12000.50"), Decimal("2000.00"), None)
    assert case.band == AmountBand.LARGE and case.severity == Severity.ORDINARY
    assert scam_type_label("rebate_task") in case.title
    victim = case.victims.get()
    assert (victim.name, victim.id_number, victim.phone, victim.age) == ("王建华", ID_NUMBER, "13900000111",
                                                                        68)
    [masked] = victims_of([victim], full=False)
    assert (masked.name, masked.phone, masked.masked) == ("王**", "139****0111", True)
    assert masked.id_number == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    identifiers = {(i.kind, i.value, i.registrable_domain) for i in Identifier.objects.all()}
    assert identifiers == {("phone", "13812345678", ""), ("url", "pay.example.com.cn", "example.com.cn"),
                           ("bank_account", "6222020000000000", "")}  # the same site twice: one link
    assert Identifier.objects.get(kind="bank_account").flags == ["luhn_failed"]
    assert set(case.identifier_links.values_list("raw", flat=True)) >= {"+86 138-1234-5678"}
    event = case.events.get()
    assert (event.type, event.actor, event.to_status) == (EventType.CREATED, personas.admin, "reported")


@pytest.mark.parametrize(("loss", "band"), [
    (2_999, None), (3_000, AmountBand.LARGE), (29_999.99, AmountBand.LARGE), (30_000, AmountBand.HUGE),
    (499_999, AmountBand.HUGE), (500_000, AmountBand.ESPECIALLY_HUGE),
])
def test_amount_bands(loss, band):
    assert amount_band(Decimal(str(loss))) == band


def test_amount_bands_are_settings(settings):
    settings.PINGAN_FRAUD_AMOUNT_BANDS_YUAN = {"large": 6_000, "huge": 80_000, "especially_huge": 400_000}
    assert amount_band(Decimal(5_000)) is None and amount_band(Decimal(400_000)) == AmountBand.ESPECIALLY_HUGE


def test_a_case_is_major_by_loss_or_victims(record, settings):
    settings.PINGAN_FRAUD_MAJOR_VICTIMS = 3
    assert record(loss=500_000).severity == Severity.MAJOR
    assert record(loss=10, victims=[VictimIn(name=n) for n in ("甲", "乙", "丙")]).severity == Severity.MAJOR
    assert record(loss=499_999).severity == Severity.ORDINARY


def test_local_scam_types_from_the_setting(record, settings):
    settings.PINGAN_FRAUD_SCAM_TYPES = ("rebate_task", ("fake_relief", "冒充慈善救助"))
    case = record(scam_type="fake_relief")
    assert case.scam_type_label == "冒充慈善救助" and "冒充慈善救助" in case.title
    with pytest.raises(errors.DomainError) as refused:
        record(scam_type="romance")  # built in, but not offered here
    assert refused.value.field == "scam_type"


def _tomorrow(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=1)


def _today(today: dt.date) -> dt.date:
    return today


# A date relative to the day the test runs on is given as a function of that day.
@pytest.mark.edge_days
@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"reported_on": _tomorrow}, "reported_on", services.MSG_REPORTED_IN_FUTURE),
    ({"occurred_on": _today}, "occurred_on", services.MSG_OCCURRED_AFTER_REPORT),
    ({"loss": -1}, "loss", services.MSG_BAD_AMOUNT),
    ({"loss": "12.345"}, "loss", services.MSG_BAD_AMOUNT),
    ({"loss": "lots"}, "loss", services.MSG_BAD_AMOUNT),
    ({"loss": 100, "recovered": 101}, "recovered", services.MSG_RECOVERED_OVER_LOSS),
    ({"victims": []}, "victims", services.MSG_VICTIM_REQUIRED),
    ({"victims": [VictimIn(name="甲"), VictimIn(name=" ")]}, "victims.1.name", services.MSG_VICTIM_NAME),
    ({"victims": [VictimIn(name="甲", phone="12")]}, "victims.0.phone", services.MSG_VICTIM_PHONE),
    ({"victims": [VictimIn(name="甲", age=121)]}, "victims.0.age", services.MSG_VICTIM_AGE),
    ({"victims": [VictimIn(name="甲", id_number=ID_17 + "0")]}, "victims.0.id_number", None),
    ({"scam_type": "lottery"}, "scam_type", services.MSG_BAD_SCAM_TYPE.format(value="lottery")),
])
def test_bad_input_is_refused_and_writes_nothing(edge_day, record, overrides, field, message):
    overrides = {name: value(edge_day) if callable(value) else value for name, value in overrides.items()}
    overrides.setdefault("reported_on", edge_day - dt.timedelta(days=1))
    with pytest.raises(errors.DomainError) as refused:
        record(("phone", "13800000001"), **overrides)
    assert refused.value.field == field
    if message is not None:
        assert refused.value.message == str(message)
    assert nothing_written()


def test_a_bad_identifier_names_its_row_and_writes_nothing(record):
    with pytest.raises(errors.DomainError) as refused:
        record(("phone", "13800000001"), ("bank_account", "6222"), ("app", "速赚"))
    assert refused.value.field == "identifiers.1.value" and "6222" in refused.value.message
    with pytest.raises(errors.DomainError) as unknown:
        record(("fax", "0570-1234567"))
    assert unknown.value.field == "identifiers.0.kind" and unknown.value.code == "bad_identifier_kind"
    assert nothing_written()


def test_where_a_case_may_be_recorded(record, personas, shiliang, district):
    with pytest.raises(errors.PermissionDenied) as outside:
        record(actor=personas.town_handler, unit=shiliang)
    assert outside.value.message == services.MSG_CANNOT_RECORD_HERE.format(unit=shiliang.name)
    police = district.children.get(name="公安分局")
    with pytest.raises(errors.DomainError) as department:
        record(unit=police)
    assert department.value.message == str(services.MSG_UNIT_NOT_TERRITORIAL)
    with pytest.raises(errors.PermissionDenied):
        record(actor=personas.fire_handler)  # a department whose lines are hazards
    assert nothing_written()
    assert record(actor=personas.grid_worker, unit=personas.grid_worker.roles.get().unit).pk


def test_adding_identifiers(record, personas):
    case = record(("phone", "13800000001"))
    with pytest.raises(errors.DomainError) as again:
        fraud_identifier_add(case=case, actor=personas.admin, expected_version=case.version, kind="phone",
                             value="+8613800000001")
    assert again.value.message == services.MSG_IDENTIFIER_ALREADY.format(identifier="phone:13800000001")
    with pytest.raises(errors.StaleEdit):
        fraud_identifier_add(case=case, actor=personas.admin, expected_version=case.version + 1, kind="app",
                             value="速赚")
    assert not Identifier.objects.filter(kind="app").exists()  # the stale edit wrote nothing
    with pytest.raises(errors.NotFound):
        fraud_identifier_add(case=case, actor=personas.outsider, expected_version=case.version, kind="app",
                             value="速赚")
    fraud_case_transition(case=case, name="close", actor=personas.admin, expected_version=case.version,
                          note="不构成诈骗")
    with pytest.raises(errors.DomainError) as closed:
        fraud_identifier_add(case=case, actor=personas.admin, expected_version=case.version, kind="app",
                             value="速赚")
    assert closed.value.message == str(errors.MSG_CLOSED)


def test_the_workflow(record, personas):
    case = record(actor=personas.grid_worker, unit=personas.grid_worker.roles.get().unit)
    with pytest.raises(errors.PermissionDenied):  # a grid worker records; a town opens the investigation
        fraud_case_transition(case=case, name="investigate", actor=personas.grid_worker,
                              expected_version=case.version)
    fraud_case_transition(case=case, name="investigate", actor=personas.town_handler,
                          expected_version=case.version)
    with pytest.raises(errors.DomainError) as no_note:
        fraud_case_transition(case=case, name="close", actor=personas.town_handler,
                              expected_version=case.version)
    assert no_note.value.message == str(errors.MSG_REASON_REQUIRED)
    with pytest.raises(errors.TransitionNotAllowed):
        fraud_case_transition(case=case, name="investigate", actor=personas.town_handler,
                              expected_version=case.version)
    fraud_case_transition(case=case, name="solve", actor=personas.town_handler, expected_version=case.version,
                          note="抓获嫌疑人")
    case.refresh_from_db()
    assert (case.status, case.is_open, case.closed_at is not None) == ("solved", False, True)
    # The grid worker who recorded it hears that it was solved.
    assert personas.grid_worker.notifications.filter(case=case).count() == 1


def test_victims_in_full_for_a_supervisor_only(record, personas):
    case = record(victims=[VictimIn(name="李秀英", phone="13911112222")])
    with pytest.raises(errors.PermissionDenied) as refused:
        fraud_victims_full(case=case, actor=personas.town_handler)
    assert refused.value.message == str(services.MSG_FULL_VIEW_NOT_ALLOWED)
    with pytest.raises(errors.NotFound):
        fraud_victims_full(case=case, actor=personas.outsider)
    [victim] = fraud_victims_full(case=case, actor=personas.admin)
    assert (victim.name, victim.phone) == ("李秀英", "13911112222")
    viewed = case.events.get(type=EventType.VIEWED_PERSONAL_DATA)
    assert (viewed.actor, viewed.after) == (personas.admin, {"fields": ["victims"]})
