"""Ring linking: the engine's rings equal those of a plain breadth-first search written here,
on random graphs with planted rings, noise and over-common identifiers; incremental adds
equal a batch recompute; statistics, ranking, ring ids and explanations."""

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pingan.core.errors import DomainError, NotFound
from pingan.fraud.linking import LEFT_OUT_DEGREE, LEFT_OUT_STOPLIST, LeftOut, Link, Ring, RingIndex


def make_index(*, stoplist=(), max_degree=50, major_loss_yuan=500_000, major_victims=10):
    return RingIndex(stoplist=stoplist, max_degree=max_degree, major_loss_yuan=major_loss_yuan,
                     major_victims=major_victims)


def partition(index):
    """The engine's rings as sets of case refs, checked to be named after their smallest ref."""
    rings = defaultdict(set)
    for ref, ring_id in index.members():
        rings[ring_id].add(ref)
    for ring_id, refs in rings.items():
        assert ring_id == min(refs)
    return {frozenset(refs) for refs in rings.values()}


def reference_rings(refs, edges, *, stoplist, max_degree):
    """Connected components by breadth-first search over cases and the identifiers that link."""
    cases_of, idents_of = defaultdict(set), defaultdict(set)
    for ref, ident in edges:
        cases_of[ident].add(ref)
        idents_of[ref].add(ident)
    linking = {i for i, cases in cases_of.items() if i not in stoplist and len(cases) <= max_degree}
    seen, rings = set(), set()
    for start in refs:
        if start in seen:
            continue
        seen.add(start)
        ring, queue = {start}, [start]
        while queue:
            case = queue.pop()
            for ident in idents_of[case] & linking:
                for other in cases_of[ident] - seen:
                    seen.add(other)
                    ring.add(other)
                    queue.append(other)
        rings.add(frozenset(ring))
    return rings


@st.composite
def case_graphs(draw):
    """Cases cut into planted rings (each a random tree of shared identifiers), plus noise
    edges between any cases, one hub identifier on many cases, duplicates, and a stoplist."""
    refs = draw(st.lists(st.text(alphabet="AB案7z-", min_size=1, max_size=4), min_size=1, max_size=40,
                         unique=True))
    cuts = sorted(draw(st.lists(st.integers(0, len(refs)), max_size=6)))
    edges = []
    for lo, hi in zip([0, *cuts], [*cuts, len(refs)], strict=True):
        members = refs[lo:hi]
        for k in range(1, len(members)):
            shared = f"phone:ring{lo}-{draw(st.integers(0, k))}"  # sometimes reused within the ring
            edges += [(members[draw(st.integers(0, k - 1))], shared), (members[k], shared)]
    noise = draw(st.lists(st.tuples(st.sampled_from(refs), st.integers(0, 12)), max_size=25))
    edges += [(ref, f"url:noise{n}.com") for ref, n in noise]
    edges += [(ref, "app:hub") for ref in draw(st.lists(st.sampled_from(refs), max_size=25))]
    edges = draw(st.permutations(edges))
    identifiers = sorted({ident for _ref, ident in edges} | {"app:unused"})
    stoplist = draw(st.frozensets(st.sampled_from(identifiers), max_size=3))
    max_degree = draw(st.integers(1, 8))
    losses = {ref: draw(st.integers(0, 300_000)) for ref in refs}
    split = draw(st.integers(0, len(edges)))
    return refs, edges, stoplist, max_degree, losses, split


def expected_ranking(rings, losses):
    stats = [(-sum(losses[r] for r in ring), -len(ring), min(ring)) for ring in rings]
    return [ring_id for *_key, ring_id in sorted(stats)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_graphs())
def test_rings_equal_reference_components_batch_and_incremental(graph):
    refs, edges, stoplist, max_degree, losses, split = graph
    expected = reference_rings(refs, edges, stoplist=stoplist, max_degree=max_degree)

    batch = make_index(stoplist=stoplist, max_degree=max_degree)
    for ref in refs:
        batch.add_case(ref, loss=losses[ref])
    for ref, ident in edges:
        batch.add_row(ref, ident)
    assert partition(batch) == expected

    # Incremental: link after part of the rows, then add the rest one by one, reading as we go.
    incremental = make_index(stoplist=stoplist, max_degree=max_degree)
    for ref in reversed(refs):
        incremental.add_case(ref, loss=losses[ref])
    for ref, ident in edges[:split]:
        incremental.add_row(ref, ident)
    incremental.link()
    for ref, ident in edges[split:]:
        incremental.add_case(ref, [ident])
        assert incremental.ring_of(ref) == incremental.ring_of(min(incremental.ring_members(
            incremental.ring_of(ref))))
    assert partition(incremental) == expected
    assert list(incremental.rings()) == list(batch.rings())
    assert incremental.left_out() == batch.left_out()

    # Ranking: by loss, then victims (one per case here), then towns (none here), then ring id.
    assert [ring.ring_id for ring in batch.rings()] == expected_ranking(expected, losses)
    for ring in batch.rings():
        members = batch.ring_members(ring.ring_id)
        assert ring.cases == len(members)
        assert ring.total_loss == sum(Decimal(losses[r]) for r in members)


def test_every_recorded_case_is_in_exactly_one_ring():
    index = make_index()
    index.add_case("A", ["phone:13800000001"])
    index.add_case("B")
    index.add_case("C", ["phone:13800000001"])
    assert dict(index.members()) == {"A": "A", "B": "B", "C": "A"}
    assert len(index.rings()) == 2


def test_empty_index_has_no_rings():
    index = make_index()
    assert list(index.rings()) == []
    assert index.left_out() == []
    assert list(index.members()) == []


# -- stoplist and degree threshold ----------------------------------------------------------


def test_stoplisted_identifier_links_nothing_and_is_listed():
    index = make_index(stoplist={"phone:95588"})
    for ref in ("A", "B", "C"):
        index.add_case(ref, ["phone:95588"])
    index.add_case("D", ["bank_account:622202123456789012"])
    index.add_case("C", ["bank_account:622202123456789012"])
    assert partition(index) == {frozenset({"A"}), frozenset({"B"}), frozenset({"C", "D"})}
    assert index.left_out() == [LeftOut("phone:95588", 3, LEFT_OUT_STOPLIST)]


def test_degree_threshold_is_distinct_cases_and_inclusive():
    index = make_index(max_degree=3)
    for ref in ("A", "B", "C"):
        index.add_case(ref, ["app:three", "app:three"])  # a repeated row counts once
    for ref in ("P", "Q", "R", "S"):
        index.add_case(ref, ["app:four"])
    assert partition(index) == {frozenset("ABC"), *(frozenset(r) for r in "PQRS")}
    assert index.left_out() == [LeftOut("app:four", 4, LEFT_OUT_DEGREE)]
    assert index.ring_identifiers("A") == ["app:three"]


def test_left_out_listed_most_shared_first():
    index = make_index(stoplist={"phone:10086"}, max_degree=1)
    index.add_case("A", ["app:x", "phone:10086", "url:b.com"])
    index.add_case("B", ["app:x", "url:b.com"])
    index.add_case("C", ["app:x"])
    assert index.left_out() == [
        LeftOut("app:x", 3, LEFT_OUT_DEGREE),
        LeftOut("url:b.com", 2, LEFT_OUT_DEGREE),
        LeftOut("phone:10086", 1, LEFT_OUT_STOPLIST),
    ]


def test_settings_give_the_defaults(settings):
    settings.PINGAN_FRAUD_IDENTIFIER_STOPLIST = ("phone:+86 955-88",)
    settings.PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE = 2
    settings.PINGAN_FRAUD_MAJOR_LOSS_YUAN = 1000
    settings.PINGAN_FRAUD_MAJOR_VICTIMS = 3
    index = RingIndex()
    assert index.stoplist == {"phone:95588"}
    assert index.max_degree == 2
    index.add_case("A", ["phone:95588"], loss=1000)
    index.add_case("B", ["phone:95588"], loss=999)
    assert [(r.ring_id, r.major) for r in index.rings()] == [("A", True), ("B", False)]


# -- incremental ----------------------------------------------------------------------------


def build(rows, **kwargs):
    index = make_index(**kwargs)
    for ref, idents in rows:
        index.add_case(ref, idents)
    return index


def test_a_bridging_case_merges_two_rings_at_once():
    index = build([("B", ["phone:1"]), ("D", ["phone:1"]), ("C", ["url:x.com"]), ("E", ["url:x.com"])])
    assert index.ring_of("D") == "B" and index.ring_of("E") == "C"
    index.add_case("Z", ["phone:1", "url:x.com"], loss=10)
    assert index._linked  # joined by union, not by a recompute
    assert {index.ring_of(ref) for ref in "BCDEZ"} == {"B"}
    batch = build([("B", ["phone:1"]), ("D", ["phone:1"]), ("C", ["url:x.com"]), ("E", ["url:x.com"]),
                   ("Z", ["phone:1", "url:x.com"])])
    batch.add_case("Z", loss=10)
    assert list(index.rings()) == list(batch.rings())


def test_an_identifier_crossing_the_threshold_splits_its_ring():
    rows = [("A", ["app:x", "phone:1"]), ("B", ["app:x"]), ("C", ["phone:1"])]
    index = build(rows, max_degree=2)
    assert partition(index) == {frozenset("ABC")}
    index.add_case("D", ["app:x"])  # now three cases: app:x is left out
    assert partition(index) == {frozenset("AC"), frozenset("B"), frozenset("D")}
    assert partition(build([*rows, ("D", ["app:x"])], max_degree=2)) == partition(index)
    assert index.left_out() == [LeftOut("app:x", 3, LEFT_OUT_DEGREE)]


def test_more_identifiers_for_a_recorded_case():
    index = build([("A", ["phone:1"]), ("B", ["phone:2"])])
    index.add_case("A", ["phone:2"], loss=5)
    assert partition(index) == {frozenset("AB")}
    assert index.rings()[0].total_loss == Decimal("5.00")


def test_incremental_sequence_equals_batch_on_a_larger_random_file():
    rng = random.Random(4)
    rows = [(f"C{rng.randrange(3000):05d}", f"phone:{rng.randrange(2500)}") for _ in range(6000)]
    rows += [(f"C{rng.randrange(3000):05d}", "app:everyone") for _ in range(200)]
    batch = make_index(max_degree=20)
    for ref, ident in rows:
        batch.add_row(ref, ident)
    incremental = make_index(max_degree=20)
    for ref, ident in rows[:3000]:
        incremental.add_row(ref, ident)
    incremental.rings()
    for ref, ident in rows[3000:]:
        incremental.add_case(ref, [ident])
    assert partition(incremental) == partition(batch)
    assert list(incremental.rings()) == list(batch.rings())


# -- statistics, ranking, identity ----------------------------------------------------------


def test_ring_statistics():
    index = make_index()
    index.add_case("F-2", ["phone:13800000001"], loss=Decimal("1200.50"), victims=2,
                   unit_code="330802007001", reported_on=dt.date(2025, 3, 2))
    index.add_case("F-1", ["phone:13800000001", "bank_account:622202123456789012"], loss=300,
                   unit_code="330802007002", reported_on=dt.date(2025, 1, 9))
    index.add_case("F-3", ["bank_account:622202123456789012"], unit_code="330802001001003")
    # Facts are taken once per case: the first non-empty value wins.
    index.add_case("F-1", loss=999_999, victims=50, unit_code="330802009001",
                   reported_on=dt.date(2020, 1, 1))
    index.add_case("F-9", loss=0, victims=0, reported_on=dt.date(2024, 12, 31))
    assert list(index.rings()) == [
        Ring(rank=1, ring_id="F-1", cases=3, victims=2 + 50 + 1, total_loss=Decimal("1500.50"), towns=2,
             first_date=dt.date(2025, 1, 9), last_date=dt.date(2025, 3, 2), major=True, identifiers=2),
        Ring(rank=2, ring_id="F-9", cases=1, victims=0, total_loss=Decimal("0.00"), towns=0,
             first_date=dt.date(2024, 12, 31), last_date=dt.date(2024, 12, 31), major=False, identifiers=0),
    ]
    assert index.ring_members("F-1") == ["F-1", "F-2", "F-3"]
    assert index.ring_identifiers("F-1") == ["bank_account:622202123456789012", "phone:13800000001"]


def test_major_at_the_thresholds():
    index = make_index(major_loss_yuan=500_000, major_victims=10)
    index.add_case("A", loss=Decimal("499999.99"), victims=9)
    index.add_case("B", loss=500_000)
    index.add_case("C", victims=10)
    assert {r.ring_id: r.major for r in index.rings()} == {"A": False, "B": True, "C": True}


def test_ranking_by_loss_then_victims_then_towns_then_id():
    index = make_index()
    index.add_case("low", loss=10)
    index.add_case("b-more-victims", loss=100, victims=3)
    index.add_case("a-fewer", loss=100, victims=2, unit_code="330802001001")
    index.add_case("a-fewer-2", ["phone:1"])
    index.add_case("c-towns", ["phone:2"], loss=100, victims=1, unit_code="330802001001")
    index.add_case("d-towns", ["phone:2"], unit_code="330802002001", victims=1)
    index.add_case("e-tie", ["phone:3"], loss=100, unit_code="330802003001")
    index.add_case("f-tie", ["phone:3"], unit_code="330802004001")
    index.add_case("a-fewer", ["phone:1"])
    assert [(r.rank, r.ring_id) for r in index.rings()] == [
        (1, "a-fewer"),  # 100 yuan, 3 victims, 1 town — ahead of b on its name only
        (2, "b-more-victims"),  # 100, 3, 0
        (3, "c-towns"),  # 100, 2, 2
        (4, "e-tie"),  # 100, 2, 2: tie broken by ring id
        (5, "low"),
    ]


def test_ring_ids_do_not_depend_on_input_order():
    rows = [(f"R{n % 97:03d}", f"phone:{n % 41}") for n in range(400)]
    rows += [(f"S{n:03d}", f"url:site{n // 3}.com") for n in range(60)]
    orders = []
    for seed in range(3):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        index = make_index()
        for ref, ident in shuffled:
            index.add_row(ref, ident)
        orders.append([(r.ring_id, r.cases) for r in index.rings()])
    assert orders[0] == orders[1] == orders[2]


def test_ring_id_is_kept_while_membership_is_unchanged_or_only_grows():
    index = build([("K-005", ["phone:1"]), ("K-009", ["phone:1"]), ("K-001", ["url:a.com"])])
    assert index.ring_of("K-009") == "K-005"
    index.add_case("K-007", ["url:b.com"])  # an unrelated case
    index.add_case("K-008", ["phone:1"])  # joins with a larger reference
    assert index.ring_of("K-009") == "K-005"
    index.link()
    assert index.ring_of("K-009") == "K-005"
    assert index.ring_of("K-001") == "K-001"


def test_unknown_case_or_ring():
    index = build([("A", ["phone:1"]), ("B", ["phone:1"])])
    with pytest.raises(NotFound):
        index.ring_of("nope")
    with pytest.raises(NotFound):
        index.ring_members("B")  # a member, not a ring id
    with pytest.raises(NotFound):
        index.ring_identifiers("nope")


# -- explanations ---------------------------------------------------------------------------


def test_explain_gives_a_shortest_chain_of_shared_identifiers():
    index = build([
        ("A", ["phone:1"]),
        ("B", ["phone:1", "url:x.com"]),
        ("C", ["url:x.com", "bank_account:9"]),
        ("D", ["bank_account:9", "app:q"]),
        ("E", ["app:q"]),
        ("A", ["im_account:short"]),
        ("E", ["im_account:short"]),
    ])
    assert index.explain("A", "E") == [Link("A", "im_account:short", "E")]
    assert index.explain("B", "D") == [Link("B", "url:x.com", "C"), Link("C", "bank_account:9", "D")]
    assert index.explain("C", "C") == []
    chain = index.explain("B", "E")
    assert len(chain) == 2 and chain[0].case == "B" and chain[-1].next_case == "E"
    assert all(a.next_case == b.case for a, b in zip(chain, chain[1:], strict=False))


def test_explain_skips_left_out_identifiers_and_follows_incremental_adds():
    index = build([("A", ["app:common", "phone:1"]), ("B", ["app:common"]), ("C", ["app:common"]),
                   ("F", ["app:common"]), ("D", ["phone:1"])], max_degree=3)
    with pytest.raises(DomainError) as caught:
        index.explain("A", "B")
    assert caught.value.code == "not_linked"
    assert index.explain("A", "D") == [Link("A", "phone:1", "D")]
    index.add_case("E", ["phone:1", "url:e.com"])
    index.add_case("B", ["url:e.com"])
    assert index.explain("D", "B") == [Link("D", "phone:1", "E"), Link("E", "url:e.com", "B")]
    with pytest.raises(NotFound):
        index.explain("A", "nope")
