"""The demo year: the same seed gives the same year, every hazard went round the real loop
(hash-chained, back-dated, verified by someone else), and the mix looks like a district's."""

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from pingan.core.deadlines import due_state_of
from pingan.core.events import ChainBreak, verify_chains
from pingan.core.models import (
    AttachmentKind,
    Domain,
    DueState,
    Event,
    EventType,
    Notification,
    Role,
    UnitKind,
)
from pingan.core.people import leaders_for
from pingan.demo.district import SAFETY_LEADERS, build_district, build_personas
from pingan.demo.generator import DemoContext
from pingan.demo.hazards import generate
from pingan.hazards.models import Category, Hazard, RejectionReason, Status

TODAY = dt.date(2026, 4, 20)
COUNT = 150

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def year(django_db_setup, django_db_blocker, tmp_path_factory):
    """One year shared by the module's tests (making it takes seconds), inside a transaction
    rolled back when the module is done; each test runs in a savepoint within it."""
    with django_db_blocker.unblock(), transaction.atomic(), \
            override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        build_district(grids_per_village=1)
        yield generate(DemoContext.ending(personas=build_personas(), seed=11, today=TODAY), COUNT)
        transaction.set_rollback(True)


def _fingerprint() -> tuple[list, list]:
    hazards = list(Hazard.objects.order_by("ref").values_list(
        "ref", "title", "category", "severity", "status", "unit_prefix", "opened_at", "due_at",
        "closed_at", "reporter__username", "assignee__username", "verifier__username",
    ))
    events = list(Event.objects.order_by("case__ref", "seq").values_list(
        "case__ref", "seq", "at", "type", "transition", "actor__username", "note",
    ))
    return hazards, events


class _Undo(Exception):
    pass


def test_the_same_seed_gives_the_same_year(personas):
    before = Hazard.objects.count()
    try:
        with transaction.atomic():
            generate(DemoContext.ending(personas=personas, seed=5, today=TODAY), 40)
            first = _fingerprint()
            raise _Undo
    except _Undo:
        pass
    assert Hazard.objects.count() == before

    generate(DemoContext.ending(personas=personas, seed=5, today=TODAY), 40)

    assert len(first[0]) == before + 40
    assert _fingerprint() == first


def test_every_hazard_has_an_intact_back_dated_chain(year):
    assert year.total == Hazard.objects.count() == COUNT
    assert [item for item in verify_chains() if isinstance(item, ChainBreak)] == []
    assert Event.objects.count() > 4 * COUNT
    year_ago = year.now - dt.timedelta(days=366)
    last_at: dict[int, dt.datetime] = {}
    for case_id, at in Event.objects.order_by("case_id", "seq").values_list("case_id", "at"):
        assert year_ago < at <= year.now
        assert at >= last_at.get(case_id, at), "events of a case run forward in time"
        last_at[case_id] = at
    # Notices carry the time of what they report, not the time the demo was generated.
    assert not Notification.objects.exclude(created_at=F("event__at")).exists()


def test_open_hazards_span_every_due_state_and_the_overdue_are_escalated(year, personas):
    states = Counter(
        due_state_of(is_open=h.is_open, due_at=h.due_at, now=year.now) for h in Hazard.objects.all()
    )
    assert states[DueState.CLOSED] > 0.8 * COUNT
    assert states[DueState.OVERDUE] > 0
    assert states[DueState.LONG_OVERDUE] > 0
    assert states[DueState.ON_TIME] + states[DueState.DUE_SOON] > 0
    overdue = Hazard.objects.filter(is_open=True, due_at__lt=year.now)
    assert all(h.escalation_level > 0 for h in overdue)
    escalations = Event.objects.filter(type=EventType.ESCALATED).select_related("case")
    assert escalations.filter(case__is_open=False).exists(), "some were closed late, after escalating"
    for event in escalations:
        if event.case.extended_at is None:
            assert event.at > event.case.due_at
    notified = Notification.objects.filter(event__type=EventType.ESCALATED)
    assert notified.filter(user=personas.admin).exists()
    town_kinds = (UnitKind.TOWN, UnitKind.TOWNSHIP, UnitKind.SUBDISTRICT)
    assert notified.filter(user__roles__unit__kind__in=town_kinds).exists()


def test_flood_and_typhoon_hazards_follow_the_season(year):
    months = [timezone.localtime(at).month
              for at in Hazard.objects.filter(category=Category.FLOOD).values_list("opened_at", flat=True)]
    assert len(months) >= 5
    assert sum(4 <= m <= 9 for m in months) >= 0.75 * len(months)


def test_major_hazards_are_planned_listed_and_accepted_before_closing(year):
    majors = list(Hazard.objects.filter(severity="major"))
    assert len(majors) >= 2
    for hazard in majors:
        if hazard.status not in (Status.REPORTED, Status.ASSIGNED):
            assert hazard.missing_plan_parts() == []
            assert hazard.is_listed and hazard.supervision_deadline
            assert leaders_for(hazard.unit, Domain.HAZARDS).filter(user=hazard.responsible_leader).exists()
    closed = [h for h in majors if h.status == Status.CLOSED]
    assert closed
    for hazard in closed:
        accept = hazard.events.get(transition="accept")
        assert accept.note.startswith("验收结论") and accept.actor == hazard.accepted_by
        assert accept.attachments.filter(kind="document").exists()
        assert accept.seq < hazard.events.get(transition="verify").seq


def test_closed_hazards_were_rectified_with_photos_and_verified_by_someone_else(year):
    closed = Hazard.objects.filter(status=Status.CLOSED)
    assert closed.count() > 0.7 * COUNT
    assert not closed.filter(verifier__isnull=True).exists()
    assert not closed.filter(verifier=F("rectifier")).exists()
    assert not closed.exclude(attachments__kind=AttachmentKind.AFTER).exists()
    assert Event.objects.filter(transition="rework").exists()
    extended = Hazard.objects.filter(extended_at__isnull=False)
    assert extended.exists()
    assert not extended.filter(extension_reason="").exists()


def test_rejections_say_why_and_duplicates_point_to_an_earlier_original(year):
    rejected = Hazard.objects.filter(status=Status.REJECTED)
    assert rejected.filter(rejection_reason=RejectionReason.NOT_A_HAZARD).exists()
    duplicates = rejected.filter(rejection_reason=RejectionReason.DUPLICATE).select_related("duplicate_of")
    assert duplicates.exists()
    for duplicate in duplicates:
        original = duplicate.duplicate_of
        assert original is not None
        assert original.opened_at < duplicate.opened_at
        assert (original.category, original.unit_id) == (duplicate.category, duplicate.unit_id)
        assert original.status != Status.REJECTED
        assert original.ref in duplicate.events.get(transition="reject").note


def test_the_personas_do_much_of_the_work_and_keep_their_places(year, personas):
    grid, town = personas.grid_worker, personas.town_handler
    grid_workers = Role.objects.filter(unit__kind=UnitKind.GRID).values("user")
    average = Hazard.objects.filter(reporter__in=grid_workers).count() / grid_workers.count()
    assert Hazard.objects.filter(reporter=grid).count() > 3 * average
    assert Hazard.objects.filter(rectifier=grid).count() > 3 * average
    assert Event.objects.filter(actor=town, transition__in=["assign", "verify"]).count() >= 5
    assert Hazard.objects.filter(reporter=personas.fire_handler).exists()
    for persona in (personas.admin, town, grid, personas.fire_handler, personas.outsider):
        assert persona.roles.count() == 1


def test_the_staff_are_people_with_roles_in_every_town_and_village(year, district):
    hired = get_user_model().objects.exclude(
        username__in=["admin", "hangbu", "grid", "fire", "shiliang",
                      *(username for username, *_rest in SAFETY_LEADERS)]
    )
    assert hired.count() == year.counts["staff created"] > 0
    for user in hired:
        assert user.username.isascii() and user.username.isalnum()
        assert not user.first_name.isascii()
        assert user.roles.exists()
    for town in district.children.exclude(kind=UnitKind.DEPARTMENT):
        assert Role.objects.filter(unit=town).count() >= 2
        for village in town.children.all():
            assert Role.objects.filter(unit=village).exists()
