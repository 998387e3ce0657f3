"""The demo's supervision: the source's work meeting with its orders made into tasks (the
epidemic one dropped), catch-up tasks on the district's weak indicators of its worst quarter —
one done and verified, others behind and escalated — and a published circular."""

from __future__ import annotations

import datetime as dt

import pytest

from pingan.core.models import EventType
from pingan.demo import league, supervision
from pingan.demo.generator import DemoContext
from pingan.supervision.models import Circular, DecisionState, Meeting, Origin, Status, SupervisedTask

pytestmark = pytest.mark.django_db


def test_a_year_of_supervision(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ctx = DemoContext.ending(personas=personas, today=dt.date(2026, 12, 7), seed=7)
    league.generate(ctx, 5)
    summary = supervision.generate(ctx, 6)

    meeting = Meeting.objects.get()
    assert meeting.held_on == dt.date(2026, 4, 25)
    states = list(meeting.decisions.order_by("number").values_list("state", flat=True))
    assert len(states) == 5 and states.count(DecisionState.DROPPED) == 1  # 常态化疫情防控
    from_meeting = SupervisedTask.objects.filter(origin=Origin.DECISION)
    assert from_meeting.count() == 4
    assert all(t.opened_at.date() == dt.date(2026, 4, 28) and t.responsible_leader for t in from_meeting)

    catch_up = SupervisedTask.objects.filter(origin=Origin.INDICATOR)
    assert catch_up.exists() and all("2026Q1" in t.origin_key for t in catch_up)
    assert catch_up.filter(status=Status.DONE, verifier=personas.admin).exists()
    late = catch_up.filter(is_open=True, due_at__lt=ctx.now)
    assert late.exists()
    assert all(t.events.filter(type=EventType.ESCALATED).exists() for t in late)

    circular = Circular.objects.get()
    assert circular.is_published and circular.period == "2026Q3" and circular.pdf and circular.docx
    assert summary.named["circular"] == circular.number == "柯平安办〔2026〕13号"
