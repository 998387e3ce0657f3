"""The demo's suggestions and proposals: the two 2022 sessions' items, handled on the statutory
clock — some late, three returned and re-assigned, one extended, one re-handled, promises kept
and two still open — every date where the terms put it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from pingan.core.deadlines import end_of_day, local_date
from pingan.core.models import AttachmentKind, Domain, Event, Leadership, Unit
from pingan.demo import suggestions
from pingan.demo.generator import DemoContext
from pingan.demo.suggestion_texts import ITEMS
from pingan.suggestions import selectors, terms
from pingan.suggestions.models import (
    CoHandling,
    Contact,
    Return,
    Satisfaction,
    Session,
    Status,
    Suggestion,
)
from pingan.suggestions.terms import Term
from pingan.suggestions.workflow import is_assigning_office

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 7)


@pytest.fixture
def demo(personas):
    ctx = DemoContext.ending(personas=personas, today=TODAY, seed=7)
    return ctx, suggestions.generate(ctx, len(ITEMS))


def _day_of(suggestion: Suggestion, transition: str, *, last: bool = False) -> dt.date:
    events = Event.objects.filter(case=suggestion, transition=transition).order_by("seq")
    event = events.last() if last else events.first()
    return local_date(event.at)


def test_two_sessions_of_about_sixty_items(demo):
    ctx, summary = demo
    sessions = {s.name: s.opened_on for s in Session.objects.all()}
    assert sessions == {"市八届人大一次会议": dt.date(2022, 4, 26),
                        "市政协八届一次会议": dt.date(2022, 4, 25)}
    assert summary.total == Suggestion.objects.count() == 60
    assert Suggestion.objects.filter(title__contains="双岭南路", proposers__startswith="蒋薇").exists()
    assert Suggestion.objects.filter(proposers__startswith="马凌").count() == 5
    assert Return.objects.count() == summary.counts["returned"] == 3
    assert Suggestion.objects.exclude(rehandle_due=None).count() == 1
    assert Suggestion.objects.filter(first_reply_on_time=False).count() == summary.counts["late"] > 0
    assert Suggestion.objects.filter(extended_at__isnull=False).count() == 1
    # Every item assigned in May 2022 (after the sessions), replied and rated; nothing after today.
    assigned = {local_date(s.assigned_at) for s in Suggestion.objects.all()}
    assert dt.date(2022, 5, 1) <= min(assigned) and max(assigned) <= dt.date(2022, 5, 31)
    assert not Suggestion.objects.filter(replied_at=None).exists()
    assert not Suggestion.objects.filter(rated_at=None).exists()
    assert not Event.objects.filter(at__gt=ctx.now).exists()
    # A third or so are co-handled; four to six are key, each with a district leader of the domain.
    co_handled = Suggestion.objects.filter(co_handlings__isnull=False).distinct().count()
    assert 15 <= co_handled <= 25
    key = Suggestion.objects.filter(is_key=True)
    assert 4 <= key.count() <= 6
    district = Unit.objects.get(prefix="330802")
    for suggestion in key:
        assert Leadership.objects.filter(user=suggestion.supervising_leader, unit=district,
                                         domain=Domain.SUGGESTIONS).exists()


def test_every_date_obeys_the_terms(demo):
    for suggestion in Suggestion.objects.all():
        # Played in time order: the trail reads as it happened.
        moments = list(suggestion.events.order_by("seq").values_list("at", flat=True))
        assert moments == sorted(moments), suggestion.ref
        assigned = local_date(suggestion.assigned_at)
        reply_term = Term.REPLY_EXTENDED if suggestion.extended_at else Term.REPLY
        assert suggestion.reply_due == terms.due(reply_term, assigned), suggestion.ref
        assert suggestion.return_due == terms.due(Term.RETURN, assigned), suggestion.ref
        for co_handling in CoHandling.objects.filter(suggestion=suggestion):
            assert co_handling.opinion_due == terms.due(Term.CO_OPINION, assigned)
            assert assigned <= local_date(co_handling.opinion_at) <= local_date(suggestion.replied_at)
        first_reply = _day_of(suggestion, "reply")
        assert suggestion.first_reply_on_time == (first_reply <= suggestion.reply_due), suggestion.ref
        # A contact with the proposer since the assignment, before the reply; a reply document.
        contacts = Contact.objects.filter(suggestion=suggestion, contacted_on__gte=assigned,
                                          contacted_on__lte=first_reply)
        assert contacts.exists(), suggestion.ref
        assert suggestion.attachments.filter(kind=AttachmentKind.DOCUMENT,
                                             original_name__endswith="答复函.pdf").exists()


def test_returns_within_the_window_and_reassigned(demo):
    for returned in Return.objects.select_related("suggestion"):
        suggestion = returned.suggestion
        first_assigned = _day_of(suggestion, "assign")
        assert local_date(returned.returned_at) <= terms.due(Term.RETURN, first_assigned)
        assert suggestion.assignments == 2
        # Re-assigned to another unit: the reply term counts from the second assignment.
        assert returned.unit_id not in (suggestion.department_id, suggestion.unit_id)
        assert local_date(suggestion.assigned_at) == _day_of(suggestion, "assign", last=True) > first_assigned


def test_one_item_rehandled_after_a_dissatisfied_rating(demo):
    suggestion = Suggestion.objects.exclude(rehandle_due=None).get()
    rated_dissatisfied = _day_of(suggestion, "rate_dissatisfied")
    assert suggestion.rehandle_due == terms.due(Term.REHANDLE, rated_dissatisfied)
    assert rated_dissatisfied < _day_of(suggestion, "reply", last=True) <= suggestion.rehandle_due
    assert suggestion.status == Status.CLOSED and suggestion.satisfaction == Satisfaction.BASICALLY
    assert Contact.objects.filter(suggestion=suggestion, contacted_on__gte=rated_dissatisfied).exists()


def test_promises_kept_and_two_open_falling_due(demo):
    kept = Suggestion.objects.exclude(promise_kept_at=None)
    assert kept.count() >= 4
    assert all(s.result_class in ("B", "C") and s.status == Status.CLOSED for s in kept)
    open_promises = Suggestion.objects.filter(status=Status.PROMISE)
    assert open_promises.count() == 2
    assert all(s.promise_due.year == 2027 and s.due_at == end_of_day(s.promise_due) for s in open_promises)
    soon = TODAY + dt.timedelta(days=settings.PINGAN_SUGGESTION_PROMISE_SOON_DAYS)
    assert sum(TODAY < s.promise_due <= soon for s in open_promises) == 1


def test_the_office_and_the_transport_bureau_log_in(demo):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    assert is_assigning_office(users.get(username="renda"))
    bureau = Unit.objects.get(name="交通运输局")
    jiaotong = users.get(username="jiaotong")
    seen = selectors.suggestions_for(jiaotong)
    led_or_co_handled = Suggestion.objects.filter(department=bureau) | Suggestion.objects.filter(
        co_handlings__unit=bureau)
    assert set(seen) == set(led_or_co_handled.distinct())
    assert seen.filter(title__contains="双岭南路").exists() and seen.count() < Suggestion.objects.count()
