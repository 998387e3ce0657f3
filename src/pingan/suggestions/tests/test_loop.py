"""The loop end to end through the services: assign, contact, reply, rate, re-handle, promise."""

from __future__ import annotations

import datetime as dt

import pytest

from pingan.core.models import Case
from pingan.suggestions import services
from pingan.suggestions.models import CoHandling, Satisfaction, Status
from pingan.suggestions.tests.conftest import PDF, noon, step

pytestmark = pytest.mark.django_db


def test_the_clock_starts_at_assignment(assigned):
    suggestion = assigned(dt.date(2026, 3, 31))
    assert suggestion.status == Status.ASSIGNED
    assert suggestion.reply_due == dt.date(2026, 6, 30)  # 31 March + 3 months: June has no 31st
    assert suggestion.return_due == dt.date(2026, 4, 10)
    # 31 May is a Sunday: the opinion is due on Monday 1 June.
    assert CoHandling.objects.get(suggestion=suggestion).opinion_due == dt.date(2026, 6, 1)
    assert Case.objects.get(pk=suggestion.pk).due_at.date() == dt.date(2026, 6, 30)


def test_reply_needs_a_contact_first_then_dissatisfied_opens_rehandling(assigned, lead_handler, office):
    suggestion = assigned(dt.date(2026, 3, 31))
    with pytest.raises(Exception, match="沟通|contact"):
        step(suggestion, "reply", lead_handler, dt.date(2026, 5, 6), note="已答复", result_class="A",
              reply_document=[PDF])
    step(suggestion, "record_contact", lead_handler, dt.date(2026, 5, 6), note="电话沟通", way="phone",
          contacted_on=dt.date(2026, 5, 6))
    step(suggestion, "reply", lead_handler, dt.date(2026, 5, 7), note="已答复", result_class="A",
          reply_document=[PDF])
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REPLIED and suggestion.first_reply_on_time is True
    services.suggestion_rate(suggestion=suggestion, actor=office, satisfaction=Satisfaction.DISSATISFIED,
                             expected_version=suggestion.version, at=noon(dt.date(2026, 5, 8)))
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REHANDLING and suggestion.rehandle_due == dt.date(2026, 6, 8)
