"""The league's figures of suggestions and proposals, per lead unit, on hand-built rows for 2026Q2
(1 April to 1 July) seen on 15 July, or on 15 June while the quarter runs: the expected numbers
are worked out beside each set. A department's items are those it leads (``department``); a
town's those it leads, filed at it with no department. Rows are filed at their lead: a
department's code has a town's width, and its items must count for no town."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from pingan.core.models import Unit, UnitKind
from pingan.core.tallies import Figure, Groups, Span
from pingan.scoring.indicators import COMPUTED, compute_values, ensure_indicators
from pingan.scoring.models import Indicator, Member, Table, Value
from pingan.scoring.periods import Period
from pingan.scoring.services import ensure_members
from pingan.suggestions import services
from pingan.suggestions.models import KIND, Satisfaction, Status, Suggestion
from pingan.suggestions.selectors import league_reply_on_time, league_satisfaction
from pingan.suggestions.tests.conftest import noon
from pingan.testing import tiny_pdf

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
FINISHED = Span.of(dt.date(2026, 4, 1), dt.date(2026, 7, 1), dt.datetime(2026, 7, 15, 10, tzinfo=SHANGHAI))
RUNNING = Span.of(dt.date(2026, 4, 1), dt.date(2026, 7, 1), dt.datetime(2026, 6, 15, 10, tzinfo=SHANGHAI))
NUMBERS = itertools.count(1)


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def item(session):
    """A row as the services leave it, written directly: the figures read only these columns."""

    def make(lead: Unit, *, reply_due: str | None = None, on_time: bool | None = None,
             status: str = Status.ASSIGNED, rated: str | None = None, satisfaction: str = "") -> Suggestion:
        number = next(NUMBERS)
        return Suggestion.objects.create(
            ref=f"JY-T-{number:06d}", kind=KIND, title="测试", category="other", status=status,
            is_open=status not in (Status.CLOSED, Status.WITHDRAWN), unit=lead, unit_prefix=lead.prefix,
            department=lead if lead.is_department else None, opened_at=moment("2026-01-05T10:00"),
            session=session, number=str(number), proposers="测试代表",
            reply_due=dt.date.fromisoformat(reply_due) if reply_due else None, first_reply_on_time=on_time,
            rated_at=moment(rated) if rated else None, satisfaction=satisfaction)

    return make


@pytest.fixture
def places(district, traffic, housing, hangbu, shiliang):
    return Groups(prefixes=[hangbu.prefix, shiliang.prefix], departments=[traffic.pk, housing.pk])


def test_reply_on_time_counts_replies_due_in_the_period(item, places, traffic, housing, hangbu):
    # 交警大队: judged = due 1 April on time, due 30 June late, due 20 May unreplied (overdue) = 3;
    # on time 1 → 33.3333%. Not judged: due before or after the period, returned or withdrawn.
    item(traffic, reply_due="2026-03-31", on_time=True, status=Status.CLOSED)  # before the period
    item(traffic, reply_due="2026-04-01", on_time=True, status=Status.CLOSED)  # its first day
    item(traffic, reply_due="2026-06-30", on_time=False, status=Status.REPLIED)  # its last day, late
    item(traffic, reply_due="2026-07-01", on_time=True, status=Status.REPLIED)  # the day after
    item(traffic, reply_due="2026-05-20")  # unreplied past its day: late
    item(traffic, reply_due="2026-05-20", status=Status.RETURNED)  # awaiting re-assignment: owes no reply
    item(traffic, reply_due="2026-05-20", status=Status.WITHDRAWN)
    # 住建局: one on time → 100%. 航埠镇 leads two of its own: one on time, one late → 50%; the
    # departments' items are not 航埠镇's. 石梁镇 leads none: no figure.
    item(housing, reply_due="2026-06-10", on_time=True, status=Status.CLOSED)
    item(hangbu, reply_due="2026-04-15", on_time=True, status=Status.CLOSED)
    item(hangbu, reply_due="2026-06-01", on_time=False, status=Status.CLOSED)

    assert len(traffic.prefix) == len(hangbu.prefix)  # a department's code: a town's width
    assert league_reply_on_time(places, FINISHED) == {
        traffic.pk: Figure(Decimal("33.3333"), 3), housing.pk: Figure(Decimal("100.0000"), 1),
        hangbu.prefix: Figure(Decimal("50.0000"), 2)}


def test_while_the_period_runs_a_reply_still_in_time_is_not_judged(item, traffic):
    # Seen on 15 June: due 10 June on time, due 14 June unreplied (late) → 1 of 2. Due today or
    # later and unreplied: still in time, not judged.
    item(traffic, reply_due="2026-06-10", on_time=True, status=Status.CLOSED)
    item(traffic, reply_due="2026-06-14")
    item(traffic, reply_due="2026-06-15")
    item(traffic, reply_due="2026-06-20")
    assert league_reply_on_time(Groups(departments=[traffic.pk]), RUNNING) == {
        traffic.pk: Figure(Decimal("50.0000"), 2)}


def test_satisfaction_counts_the_ratings_given_in_the_period(item, places, traffic, hangbu):
    # 交警大队: rated at the period's first moment (满意), on its last evening (基本满意) and in
    # May (不满意) → 2 of 3. Rated just before or at the end: outside.
    item(traffic, rated="2026-03-31T23:59", satisfaction=Satisfaction.SATISFIED, status=Status.CLOSED)
    item(traffic, rated="2026-04-01T00:00", satisfaction=Satisfaction.SATISFIED, status=Status.CLOSED)
    item(traffic, rated="2026-06-30T23:59", satisfaction=Satisfaction.BASICALLY, status=Status.CLOSED)
    item(traffic, rated="2026-05-10T10:00", satisfaction=Satisfaction.DISSATISFIED, status=Status.REHANDLING)
    item(traffic, rated="2026-07-01T00:00", satisfaction=Satisfaction.DISSATISFIED, status=Status.CLOSED)
    item(traffic, status=Status.REPLIED)  # not rated yet
    item(hangbu, rated="2026-05-01T10:00", satisfaction=Satisfaction.SATISFIED, status=Status.CLOSED)

    assert league_satisfaction(places, FINISHED) == {
        traffic.pk: Figure(Decimal("66.6667"), 3), hangbu.prefix: Figure(Decimal("100.0000"), 1)}


@pytest.mark.parametrize("figure", [league_reply_on_time, league_satisfaction])
def test_one_grouped_query_per_table_whatever_the_units(figure, item, traffic, housing, hangbu,
                                                         django_assert_num_queries):
    item(traffic, reply_due="2026-05-01", on_time=True, rated="2026-05-10T10:00",
         satisfaction=Satisfaction.SATISFIED, status=Status.CLOSED)
    item(hangbu, reply_due="2026-05-01", on_time=False, rated="2026-05-10T10:00",
         satisfaction=Satisfaction.BASICALLY, status=Status.CLOSED)
    towns = Groups(prefixes=list(Unit.objects.filter(parent=hangbu.parent).exclude(kind=UnitKind.DEPARTMENT)
                                 .values_list("prefix", flat=True)))
    departments = Groups(departments=list(Unit.objects.filter(kind=UnitKind.DEPARTMENT)
                                          .values_list("pk", flat=True)))
    assert len(towns.prefixes) > 10 and len(departments.departments) > 10
    with django_assert_num_queries(1):
        assert set(figure(towns, FINISHED)) == {hangbu.prefix}
    with django_assert_num_queries(1):
        assert set(figure(departments, FINISHED)) == {traffic.pk}


def test_the_services_leave_what_the_figures_read(assigned, lead_handler, office, traffic):
    """Assigned 31 March (reply due 30 June), replied 6 May, rated 满意 on 20 May, through the
    services: on time and satisfied in 2026Q2."""
    suggestion = assigned(dt.date(2026, 3, 31))
    for name, day, inputs in (
            ("record_contact", "2026-05-06", {"contacted_on": dt.date(2026, 5, 6), "way": "phone"}),
            ("reply", "2026-05-06", {"result_class": "A", "reply_document": [("答复函.pdf", tiny_pdf())]})):
        suggestion.refresh_from_db()
        services.suggestion_transition(suggestion=suggestion, name=name, actor=lead_handler,
                                       note="已沟通并答复", expected_version=suggestion.version,
                                       at=noon(dt.date.fromisoformat(day)), **inputs)
    suggestion.refresh_from_db()
    services.suggestion_rate(suggestion=suggestion, actor=office, satisfaction=Satisfaction.SATISFIED,
                             expected_version=suggestion.version, at=noon(dt.date(2026, 5, 20)))
    groups = Groups(departments=[traffic.pk])
    full = Figure(Decimal("100.0000"), 1)
    assert league_reply_on_time(groups, FINISHED) == {traffic.pk: full}
    assert league_satisfaction(groups, FINISHED) == {traffic.pk: full}


def test_the_indicators_are_seeded_and_computed_for_both_tables(item, traffic, hangbu):
    ensure_indicators()
    ensure_members()
    names = dict(Indicator.objects.filter(code__startswith="suggestion_").values_list("code", "name"))
    assert names == {"suggestion_reply_on_time": "建议提案按时答复率",
                     "suggestion_satisfaction": "建议提案满意率"}
    assert all(set(COMPUTED[code].tables) == {Table.TOWNS, Table.DEPARTMENTS} for code in names)
    item(traffic, reply_due="2026-05-01", on_time=True, rated="2026-05-10T10:00",
         satisfaction=Satisfaction.SATISFIED, status=Status.CLOSED)
    item(hangbu, reply_due="2026-05-01", on_time=False, status=Status.REPLIED)

    compute_values(Period.parse("2026Q2"), now=FINISHED.now)
    values = {(v.indicator.code, v.member.unit_id): (v.value, v.sample)
              for v in Value.objects.filter(indicator__code__in=names).select_related("indicator", "member")}
    assert values == {("suggestion_reply_on_time", traffic.pk): (Decimal(100), 1),
                      ("suggestion_satisfaction", traffic.pk): (Decimal(100), 1),
                      ("suggestion_reply_on_time", hangbu.pk): (Decimal(0), 1)}
    assert Member.objects.filter(unit=hangbu, table=Table.TOWNS).exists()
