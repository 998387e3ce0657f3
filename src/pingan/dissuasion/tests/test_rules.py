"""Warning orders and dissuasion (预警劝阻): registering an order and its contact deadline (by
risk level, from the setting, in clock hours through a holiday), contact attempts and the
outcomes with their rules, who may do what (a grid worker in their own grid, not in another
town's), the person at risk masked and the full view recorded, and bad input writing nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from pingan.core import errors
from pingan.core.escalation import escalate_overdue
from pingan.core.models import Event, EventType, ReferenceCounter, Responsibility, Role, RoleName, Severity
from pingan.core.personal.idcard import check_character
from pingan.core.scoping import forget_scope
from pingan.dissuasion import services, workflow
from pingan.dissuasion.models import (
    KIND,
    ContactAttempt,
    ContactMethod,
    RiskLevel,
    WarningIssuer,
    WarningOrder,
    WarningStatus,
)
from pingan.dissuasion.selectors import may_view_person, person_of
from pingan.dissuasion.services import (
    warning_conclude,
    warning_contact_record,
    warning_person_full,
    warning_register,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
ID_17 = "33080219520301123"
ID_NUMBER = ID_17 + check_character(ID_17)


def register(actor, unit, **overrides) -> WarningOrder:
    """A high-risk order from the national centre for ``unit``, registered by ``actor``."""
    fields = {"actor": actor, "unit": unit, "issuer": WarningIssuer.NATIONAL, "risk_level": RiskLevel.HIGH,
              "scam_type": "fake_officials", "person_name": "周秀兰", "person_phone": "139 0570 1234"}
    fields.update(overrides)
    return warning_register(**fields)


def contact(warning, actor, *, reached=True, method=ContactMethod.PHONE, **kwargs) -> ContactAttempt:
    warning.refresh_from_db()
    return warning_contact_record(warning=warning, actor=actor, expected_version=warning.version,
                                  method=method, reached=reached, **kwargs)


def conclude(warning, actor, outcome, **kwargs) -> WarningOrder:
    warning.refresh_from_db()
    return warning_conclude(warning=warning, actor=actor, expected_version=warning.version, outcome=outcome,
                            **kwargs)


def nothing_written() -> bool:
    return not (WarningOrder.objects.exists() or Event.objects.exists()
                or ReferenceCounter.objects.filter(prefix="YJ").exists())


def test_a_registered_order_and_its_contact_deadline(personas, worker_grid, settings):
    settings.PINGAN_FRAUD_WARNING_CONTACT_HOURS = {"high": 2, "medium": 24, "low": 72}
    received = timezone.now() - dt.timedelta(minutes=30)
    warning = register(personas.admin, worker_grid, received_at=received, order_number=" GJ-2026-0001 ",
                       person_id_number=ID_NUMBER.lower(), person_address="航埠镇缪村村12号",
                       description="该号码近1小时内多次接听境外来电")
    assert warning.ref.startswith(f"YJ-{timezone.localdate().year}-")
    assert (warning.kind, warning.status, warning.is_open, warning.severity) == (
        KIND, WarningStatus.AWAITING_CONTACT, True, Severity.MAJOR)
    assert warning.opened_at == warning.received_at == received
    assert warning.contact_due_at == warning.due_at == received + dt.timedelta(hours=2)
    assert (warning.external_ref, warning.person_phone, warning.person_id_number) == (
        "GJ-2026-0001", "13905701234", ID_NUMBER)
    with translation.override(settings.LANGUAGE_CODE):  # in the platform's language
        assert warning.title == f"{RiskLevel.HIGH.label}：冒充公检法"
    assert warning.events.get().type == EventType.CREATED
    low = register(personas.admin, worker_grid, risk_level=RiskLevel.LOW, received_at=received)
    assert (low.due_at - received, low.severity) == (dt.timedelta(hours=72), Severity.ORDINARY)


def test_the_deadline_is_clock_hours_even_over_a_holiday(personas, worker_grid):
    # 2026-10-01 is National Day: a fraud under way does not wait for the next working day.
    received = dt.datetime(2026, 9, 30, 21, 0, tzinfo=SHANGHAI)
    with time_machine.travel(received + dt.timedelta(minutes=5), tick=False):
        warning = register(personas.admin, worker_grid, received_at=received)
    assert warning.due_at == dt.datetime(2026, 10, 1, 21, 0, tzinfo=SHANGHAI)


def test_reached_in_time_then_prevented(personas, worker_grid, settings):
    settings.PINGAN_FRAUD_WARNING_OUTCOME_HOURS = 48
    worker = personas.grid_worker
    received = timezone.now() - dt.timedelta(hours=3)
    warning = register(personas.admin, worker_grid, received_at=received)
    missed = contact(warning, worker, reached=False, note="无人接听")
    assert missed.reached is False
    warning.refresh_from_db()
    assert warning.status == WarningStatus.AWAITING_CONTACT and warning.first_contact_at is None
    met = received + dt.timedelta(hours=2, minutes=15)
    contact(warning, worker, method=ContactMethod.IN_PERSON, contacted_at=met, note="上门见面，讲解骗局")
    warning.refresh_from_db()
    assert (warning.status, warning.first_contact_at, warning.contact_seconds) == (
        WarningStatus.CONTACTED, met, 8100)
    assert warning.contacted_in_time is True
    assert warning.due_at == met + dt.timedelta(hours=48)  # now the outcome is due
    events = list(warning.events.order_by("seq").values_list("type", "transition"))
    assert events == [(EventType.CREATED, ""), (EventType.UPDATED, ""), (EventType.UPDATED, ""),
                      (EventType.TRANSITION, "reach")]
    conclude(warning, worker, WarningStatus.PREVENTED, note="当事人已知悉，未转账")
    warning.refresh_from_db()
    assert (warning.status, warning.is_open) == (WarningStatus.PREVENTED, False)


def test_an_earlier_contact_entered_later_counts_from_its_own_time(personas, worker_grid):
    received = timezone.now() - dt.timedelta(hours=5)
    warning = register(personas.admin, worker_grid, received_at=received)
    contact(warning, personas.grid_worker, contacted_at=received + dt.timedelta(hours=4))
    contact(warning, personas.town_handler, contacted_at=received + dt.timedelta(hours=1))
    warning.refresh_from_db()
    assert warning.contact_seconds == 3600 and warning.status == WarningStatus.CONTACTED


def test_late_contact_is_not_in_time(personas, worker_grid, settings):
    settings.PINGAN_FRAUD_WARNING_CONTACT_HOURS = {"high": 1, "medium": 24, "low": 72}
    warning = register(personas.admin, worker_grid, received_at=timezone.now() - dt.timedelta(hours=2))
    contact(warning, personas.grid_worker)
    warning.refresh_from_db()
    assert warning.contacted_in_time is False


def test_not_reached_needs_the_attempts_and_prevented_needs_a_reach(personas, worker_grid, settings):
    settings.PINGAN_FRAUD_WARNING_MIN_ATTEMPTS = 2
    worker = personas.grid_worker
    warning = register(personas.admin, worker_grid, received_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(errors.DomainError) as refused:
        conclude(warning, worker, WarningStatus.PREVENTED)
    assert refused.value.message == workflow.MSG_PREVENTED_NEEDS_CONTACT
    contact(warning, worker, reached=False)
    with pytest.raises(errors.DomainError) as refused:
        conclude(warning, worker, WarningStatus.NOT_REACHED)
    assert refused.value.message == workflow.MSG_NOT_REACHED_ATTEMPTS.format(count=2)
    contact(warning, worker, reached=False, method=ContactMethod.IN_PERSON, note="上门无人")
    conclude(warning, worker, WarningStatus.NOT_REACHED, note="电话关机，上门无人，已告知家属")
    warning.refresh_from_db()
    assert (warning.status, warning.first_contact_at, warning.is_open) == (WarningStatus.NOT_REACHED, None,
                                                                           False)
    with pytest.raises(errors.DomainError) as refused:
        contact(warning, worker)
    assert refused.value.message == errors.MSG_CLOSED


def test_not_reached_is_refused_once_someone_reached_them(personas, worker_grid):
    warning = register(personas.admin, worker_grid, received_at=timezone.now() - dt.timedelta(hours=1))
    contact(warning, personas.grid_worker)
    with pytest.raises(errors.TransitionNotAllowed):
        conclude(warning, personas.grid_worker, WarningStatus.NOT_REACHED)


def test_already_defrauded_with_or_without_a_reach(personas, worker_grid, record):
    case = record(unit=worker_grid, scam_type="fake_officials", loss=86_000)
    unreached = register(personas.admin, worker_grid, received_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(errors.DomainError) as refused:
        conclude(unreached, personas.grid_worker, WarningStatus.ALREADY_LOST)
    assert refused.value.message == workflow.MSG_LOST_NEEDS_EVIDENCE
    # Nobody reached them, but their report is the evidence.
    conclude(unreached, personas.grid_worker, WarningStatus.ALREADY_LOST, fraud_case=case.ref.lower())
    unreached.refresh_from_db()
    assert (unreached.status, unreached.fraud_case) == (WarningStatus.ALREADY_LOST, case)
    assert list(case.warning_orders.all()) == [unreached]
    reached = register(personas.admin, worker_grid, received_at=timezone.now() - dt.timedelta(hours=1))
    contact(reached, personas.grid_worker, note="当事人称已转账5万元")
    conclude(reached, personas.grid_worker, WarningStatus.ALREADY_LOST, note="已引导报案")
    reached.refresh_from_db()
    assert (reached.status, reached.fraud_case) == (WarningStatus.ALREADY_LOST, None)


def test_a_fraud_case_is_named_only_for_a_loss_and_must_be_visible(personas, worker_grid, record, grid_in):
    elsewhere = record(unit=grid_in("石梁镇"))
    warning = register(personas.admin, worker_grid, received_at=timezone.now() - dt.timedelta(hours=1))
    contact(warning, personas.grid_worker)
    with pytest.raises(errors.DomainError) as refused:
        conclude(warning, personas.grid_worker, WarningStatus.PREVENTED, fraud_case=elsewhere.ref)
    assert (refused.value.message, refused.value.field) == (services.MSG_CASE_ONLY_WHEN_LOST, "fraud_case")
    with pytest.raises(errors.DomainError) as refused:
        conclude(warning, personas.grid_worker, WarningStatus.ALREADY_LOST, fraud_case=elsewhere.ref)
    assert refused.value.message == workflow.MSG_NO_SUCH_FRAUD_CASE.format(ref=elsewhere.ref)
    with pytest.raises(errors.DomainError) as refused:
        conclude(warning, personas.grid_worker, "gave_up")
    assert refused.value.field == "outcome"
    warning.refresh_from_db()
    assert warning.status == WarningStatus.CONTACTED and warning.fraud_case is None


def test_who_may_register_contact_and_conclude(personas, worker_grid, hangbu, shiliang, grid_in):
    # The town registers for its own grid; not for another town.
    warning = register(personas.town_handler, worker_grid, received_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(errors.PermissionDenied) as refused:
        register(personas.town_handler, shiliang)
    assert refused.value.message == services.MSG_CANNOT_REGISTER_HERE.format(unit="石梁镇")
    # The grid worker records contacts for their own grid…
    contact(warning, personas.grid_worker)
    # …but another town's warning is not there for them at all, nor for the other town's handler here.
    other = register(personas.admin, grid_in("石梁镇"), received_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(errors.NotFound):
        contact(other, personas.grid_worker)
    with pytest.raises(errors.NotFound):
        conclude(warning, personas.outsider, WarningStatus.PREVENTED)
    # A warning at the town level is above the grid: the grid worker does not see it.
    town_level = register(personas.admin, hangbu, received_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(errors.NotFound):
        contact(town_level, personas.grid_worker)
    # A viewer of the town sees it but may not act.
    Role.objects.create(user=personas.outsider, unit=hangbu, role=RoleName.VIEWER)
    forget_scope(personas.outsider)
    with pytest.raises(errors.PermissionDenied):
        contact(town_level, personas.outsider)
    assert ContactAttempt.objects.count() == 1
    # The page offers the contact form by the same rule the service applies.
    warning.refresh_from_db()
    assert services.may_contact(warning, personas.grid_worker)
    assert not services.may_contact(other, personas.grid_worker)
    assert not services.may_contact(town_level, personas.outsider)
    closed = conclude(warning, personas.grid_worker, WarningStatus.PREVENTED)
    assert not services.may_contact(closed, personas.grid_worker)
    assert services.contact_refusal(closed, personas.grid_worker).message == errors.MSG_CLOSED


def test_the_police_lines_reach_every_town(personas, district, grid_in, django_user_model):
    police = district.children.get(name="公安分局")
    Responsibility.objects.create(department=police, case_kind=KIND, category="fake_officials")
    officer = django_user_model.objects.create(username="officer")
    Role.objects.create(user=officer, unit=police, role=RoleName.HANDLER)
    warning = register(officer, grid_in("石梁镇"), received_at=timezone.now() - dt.timedelta(hours=1))
    contact(warning, officer)
    assert warning.reporter == officer and warning.department == police
    with pytest.raises(errors.PermissionDenied):  # a scam type outside the department's lines
        register(officer, grid_in("石梁镇"), scam_type="romance")


def _in_an_hour() -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=1)


# A time relative to the moment the test runs is given as a function called then.
@pytest.mark.edge_days
@pytest.mark.parametrize(("change", "field", "message"), [
    ({"person_name": "", "person_phone": ""}, "person_name", services.MSG_PERSON_REQUIRED),
    ({"person_phone": "123"}, "person_phone", None),
    ({"person_id_number": "330802195203011230"}, "person_id_number", None),
    ({"risk_level": "extreme"}, "risk_level", services.MSG_NOT_A_CHOICE.format(value="extreme")),
    ({"issuer": "rumour"}, "issuer", services.MSG_NOT_A_CHOICE.format(value="rumour")),
    ({"scam_type": "lottery"}, "scam_type", None),
    ({"received_at": _in_an_hour}, "received_at", services.MSG_RECEIVED_IN_FUTURE),
])
def test_bad_input_is_named_and_nothing_is_written(edge_day, personas, worker_grid, change, field, message):
    change = {name: value() if callable(value) else value for name, value in change.items()}
    with pytest.raises(errors.DomainError) as refused:
        register(personas.admin, worker_grid, **change)
    assert refused.value.field == field
    if message:
        assert refused.value.message == message
    assert "123" not in refused.value.message  # the number is not repeated
    assert nothing_written()


def test_a_department_is_not_a_place(personas, district):
    police = district.children.get(name="公安分局")
    with pytest.raises(errors.DomainError) as refused:
        register(personas.admin, police)
    assert refused.value.message == services.MSG_WARNING_UNIT_NOT_TERRITORIAL
    assert nothing_written()


def test_an_order_number_is_registered_once(personas, worker_grid):
    register(personas.admin, worker_grid, order_number="GJ-1")
    with pytest.raises(errors.DomainError) as refused:
        register(personas.admin, worker_grid, order_number="GJ-1")
    assert refused.value.message == services.MSG_ORDER_NUMBER_TAKEN.format(number="GJ-1")
    assert WarningOrder.objects.count() == 1


def test_a_bad_contact_writes_nothing(personas, worker_grid):
    received = timezone.now() - dt.timedelta(hours=1)
    warning = register(personas.admin, worker_grid, received_at=received)
    cases = [
        ({"method": "pigeon"}, "method"),
        ({"contacted_at": timezone.now() + dt.timedelta(minutes=10)}, "contacted_at"),
        ({"contacted_at": received - dt.timedelta(minutes=1)}, "contacted_at"),
    ]
    for kwargs, field in cases:
        with pytest.raises(errors.DomainError) as refused:
            contact(warning, personas.grid_worker, **kwargs)
        assert refused.value.field == field
    with pytest.raises(errors.StaleEdit):
        warning_contact_record(warning=warning, actor=personas.grid_worker,
                               expected_version=warning.version + 1, method=ContactMethod.PHONE, reached=True)
    warning.refresh_from_db()
    assert (warning.version, warning.status, warning.first_contact_at) == (1, WarningStatus.AWAITING_CONTACT,
                                                                           None)
    assert not ContactAttempt.objects.exists() and warning.events.count() == 1


def test_the_person_is_masked_and_a_full_view_is_recorded(personas, worker_grid, hangbu):
    warning = register(personas.admin, worker_grid, person_id_number=ID_NUMBER,
                       person_address="浙江省衢州市柯城区航埠镇缪村村12号")
    masked = person_of(warning, full=False)
    assert (masked.name, masked.phone, masked.masked) == ("周**", "139****1234", True)
    assert masked.address == "浙江省衢州市****"
    assert masked.id_number == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    # The grid worker must call them: a handler over the warning may see them in full.
    assert may_view_person(personas.grid_worker, warning)
    full = warning_person_full(warning=warning, actor=personas.grid_worker)
    assert (full.name, full.phone, full.masked) == ("周秀兰", "13905701234", False)
    viewed = warning.events.get(type=EventType.VIEWED_PERSONAL_DATA)
    assert viewed.actor == personas.grid_worker
    Role.objects.create(user=personas.outsider, unit=hangbu, role=RoleName.VIEWER)
    assert not may_view_person(personas.outsider, warning)
    with pytest.raises(errors.PermissionDenied):
        warning_person_full(warning=warning, actor=personas.outsider)
    with pytest.raises(errors.NotFound):
        warning_person_full(warning=warning, actor=personas.fire_handler)
    assert warning.events.filter(type=EventType.VIEWED_PERSONAL_DATA).count() == 1


def test_an_unreached_warning_escalates_like_any_case(personas, worker_grid, settings):
    settings.PINGAN_FRAUD_WARNING_CONTACT_HOURS = {"high": 1, "medium": 24, "low": 72}
    warning = register(personas.admin, worker_grid, received_at=timezone.now() - dt.timedelta(hours=3))
    assert escalate_overdue() == 1
    warning.refresh_from_db()
    assert warning.escalation_level == 1
    escalated = warning.events.get(type=EventType.ESCALATED)
    assert escalated.after["unit"] == worker_grid.parent.code
    # Reaching the person sets a new deadline: escalation starts again from the grid.
    contact(warning, personas.grid_worker)
    warning.refresh_from_db()
    assert warning.escalation_level == 0 and warning.due_at > timezone.now()
