"""Linking fraud cases into rings (串并案), in process and fast on one machine.

Cases that share an identifier are in one ring, transitively: the rings are the connected
components of the bipartite graph of cases and identifiers. Identifiers that would join
everything are left out before linking: those on the stoplist, and those shared by more than
``max_degree`` distinct cases (a bank's service number, a common app). What was left out is
listed (:meth:`RingIndex.left_out`), never silently dropped.

How it stays fast at 10⁷ rows: case references and identifier keys are numbered densely and
held as Arrow text (:class:`_Names`), the edges and facts in compact integer arrays; a case
file comes in whole columns at a time (:meth:`RingIndex.add_columns`, from ``casefile``). A
full link de-duplicates the edges and counts degrees with NumPy and finds the components
with SciPy's ``connected_components`` (C, linear time). On the 10⁷-row benchmark file (9.9 million
linking edges, ``bench/bench_fraud_link.py``) that call took 0.33 s, where a NumPy
union-find (hooking plus pointer jumping, no linear bound) took 1.05 s and a Python one 5.1 s;
ring statistics are computed column-wise with NumPy as well.

Incremental: after a link the components are kept as a union-find forest over the cases
(``parent``, path-halving ``find``), so :meth:`RingIndex.add_case` joins a new case to its
ring, or merges the rings it bridges, at once. The one change a union-find cannot follow is
an identifier crossing the degree threshold, which takes it out of linking and may split a
ring: the index then recomputes in full on the next read. Either way the rings equal a batch
recompute over the same cases (the tests hold it to that).

Ring identity: a ring's id is the smallest reference (in code-point order) among its cases.
It does not depend on the input's order, it is unchanged whenever the membership is
unchanged, and it survives a ring gaining cases whose references sort after it, or losing
any case but that one.

Ranking: by total loss, then victims, then towns spanned (all descending), then ring id.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from pingan.core.divisions import division_prefix
from pingan.core.errors import DomainError, NotFound
from pingan.fraud.identifiers import parse_key

MSG_NO_CASE = _("There is no case “{ref}” in this linking.")
MSG_NOT_LINKED = _("Cases “{a}” and “{b}” are not in the same ring.")
MSG_NO_RING = _("There is no ring “{ring}”.")

# A ring's victims when a case does not say: a reported fraud case has at least one.
DEFAULT_VICTIMS = 1
LEFT_OUT_STOPLIST = "stoplist"
LEFT_OUT_DEGREE = "degree"
# Division codes: the first 9 digits of a unit's 12-digit code (or a grid cell's longer
# one) are its town, township or sub-district.
TOWN_CODE_LENGTH = 9



def town_of(code: str) -> str:
    """The town a unit's division code lies in, in its significant form (``330802101`` for
    330802101, 330802101000 or 330802101001), or the district for a district-level unit
    (``330802`` for 330802, 330802000 or 330802000000): one place however it is written."""
    return division_prefix(code[:TOWN_CODE_LENGTH])


_UNKNOWN = -1
_NO_DAY = 0  # date.toordinal() starts at 1
# Rows handed out as Python objects at a time: millions at once would cost gigabytes.
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class Ring:
    """A ring's statistics. ``towns`` counts the distinct towns of its cases' units (a
    district-level case's place is its district: ``town_of``),
    ``identifiers`` the identifiers that link it (:meth:`RingIndex.ring_identifiers` names
    them); ``major`` is set at the major-case loss or victim threshold."""

    rank: int
    ring_id: str
    cases: int
    victims: int
    total_loss: Decimal
    towns: int
    first_date: dt.date | None
    last_date: dt.date | None
    major: bool
    identifiers: int


@dataclass(frozen=True, slots=True)
class LeftOut:
    identifier: str
    cases: int
    reason: str  # LEFT_OUT_STOPLIST or LEFT_OUT_DEGREE


@dataclass(frozen=True, slots=True)
class Link:
    """One step of an explanation: ``case`` and ``next_case`` share ``identifier``."""

    case: str
    identifier: str
    next_case: str


def default_stoplist() -> frozenset[str]:
    """The stoplist setting, each entry normalised like any identifier."""
    return frozenset(parse_key(entry).key for entry in settings.PINGAN_FRAUD_IDENTIFIER_STOPLIST)


def yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def _distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values. np.unique does the same, but took 9 s on 10⁷ 64-bit
    integers here (NumPy 2.4) where a sort and one comparison take a tenth of a second."""
    values = np.sort(values)
    keep = np.ones(len(values), dtype=bool)
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _column(values: array, dtype: type) -> np.ndarray:
    """A NumPy copy of a typed column. A view would pin the array's buffer, and an array
    whose buffer is exported refuses to grow."""
    return np.frombuffer(values, dtype=f"i{values.itemsize}").astype(dtype)


class _Names:
    """Distinct strings numbered 0, 1, … in the order they were first recorded.

    Held as Arrow text (the bytes and one offset each) rather than Python strings, which cost
    some 60 bytes more each plus a dictionary slot: a 10⁸-row case file names 3·10⁷ cases and
    5·10⁷ identifiers. The string → number dictionary, which only look-ups of single names
    need, is built at the first such look-up and kept up to date from then on."""

    def __init__(self) -> None:
        self._stored: pa.Array = pa.array([], pa.large_string())
        self._recent: list[str] = []  # recorded one at a time since _stored was last built
        self._numbers: dict[str, int] | None = {}

    def __len__(self) -> int:
        return len(self._stored) + len(self._recent)

    def number(self, name: str) -> int | None:
        if self._numbers is None:
            self._numbers = {name: number for number, name in enumerate(self.array().to_pylist())}
        return self._numbers.get(name)

    def add(self, name: str) -> int:
        """Record a name not recorded yet; its number."""
        number = len(self)
        self._recent.append(name)
        if self._numbers is not None:
            self._numbers[name] = number
        return number

    def extend(self, names: pa.Array) -> np.ndarray:
        """The numbers of ``names`` (distinct), recording those not recorded yet in their order."""
        if not len(self):  # a file read into a fresh index: no look-ups at all
            self._stored = names.cast(pa.large_string())
            self._numbers = None
            return np.arange(len(names), dtype=np.int64)
        numbers = np.empty(len(names), dtype=np.int64)
        for position, name in enumerate(names.to_pylist()):
            number = self.number(name)
            numbers[position] = self.add(name) if number is None else number
        return numbers

    def array(self) -> pa.Array:
        if self._recent:
            self._stored = pa.concat_arrays([self._stored, pa.array(self._recent, pa.large_string())])
            self._recent = []
        return self._stored

    def __getitem__(self, number: int) -> str:
        base = len(self._stored)
        return self._recent[number - base] if number >= base else self._stored[number].as_py()

    def take(self, numbers: np.ndarray) -> list[str]:
        return self.array().take(numbers).to_pylist()

    def numbers_of(self, names: Iterable[str]) -> np.ndarray:
        """The numbers of those of ``names`` that are recorded."""
        if self._numbers is not None:
            found = (self._numbers.get(name) for name in names)
            return np.array([number for number in found if number is not None], dtype=np.int64)
        wanted = pa.array(sorted(names), pa.large_string())
        return np.flatnonzero(pc.is_in(self.array(), value_set=wanted).to_numpy(zero_copy_only=False))

    def sort_order(self) -> np.ndarray:
        """The numbers in the order of their names (code points: UTF-8 sorts bytewise alike)."""
        return pc.sort_indices(self.array()).to_numpy().astype(np.int64)


class RingIndex:
    """Cases, their identifiers and facts, and the rings they form.

    Feed it with :meth:`add_row` (one CSV row: fast, for files of millions of rows) or
    :meth:`add_case`; read it with :meth:`rings`, :meth:`ring_of`, :meth:`members`,
    :meth:`ring_identifiers`, :meth:`left_out` and :meth:`explain`. Reads link first when
    something changed that only a full link can take in. Not thread-safe.

    A case's facts (loss, victims, unit, date) are taken once: the first non-empty value of
    each wins and later ones are ignored, since an export repeats them on each of a case's rows.
    """

    def __init__(self, *, stoplist: Iterable[str] | None = None, max_degree: int | None = None,
                 major_loss_yuan: int | None = None, major_victims: int | None = None):
        self.stoplist = frozenset(default_stoplist() if stoplist is None else stoplist)
        self.max_degree = settings.PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE if max_degree is None else max_degree
        loss = settings.PINGAN_FRAUD_MAJOR_LOSS_YUAN if major_loss_yuan is None else major_loss_yuan
        self.major_loss_fen = int(loss) * 100
        self.major_victims = settings.PINGAN_FRAUD_MAJOR_VICTIMS if major_victims is None else major_victims

        self._cases = _Names()
        self._idents = _Names()
        self._town_ids: dict[str, int] = {}
        # Each distinct unit code's town number, so that a code is normalised once (``town_of``).
        self._town_of_code: dict[str, int] = {}
        # Growable typed columns: a Python int costs 28 bytes and a list slot 8 more; these
        # cost 4 or 8, and NumPy reads them without a copy.
        self._edge_case = array("i")
        self._edge_ident = array("i")
        self._loss = array("q")  # fen, or _UNKNOWN
        self._victims = array("i")
        self._town = array("i")
        self._day = array("i")

        # Valid while self._linked: the union-find forest over cases, per identifier one case
        # it links (or -1) and its count of distinct cases, and the (case, identifier) pairs.
        self._linked = False
        self._parent = array("i")
        self._rep = array("i")
        self._degree = array("i")
        self._excluded: set[int] = set()
        self._pairs = np.empty(0, dtype=np.int64)  # sorted, from the last full link
        self._late_pairs: set[int] = set()  # added since, each a new pair
        self._late_kept: list[int] = []  # the late pairs that link
        self._kept = np.empty(0, dtype=np.int64)  # the batch pairs that link
        self._table: _Table | None = None
        self._adjacency: _Adjacency | None = None

    @property
    def case_count(self) -> int:
        return len(self._cases)

    @property
    def identifier_count(self) -> int:
        return len(self._idents)

    # -- writing ------------------------------------------------------------------------

    def add_case(self, case_ref: str, identifiers: Iterable[str] = (), *, loss: Decimal | int | None = None,
                 victims: int | None = None, unit_code: str | None = None,
                 reported_on: dt.date | None = None) -> None:
        """Record a case (or more of an already recorded one) with its identifier keys
        (``Identifier.key``); it joins, or merges, rings at once."""
        loss_fen = None if loss is None else int(Decimal(loss) * 100)
        day = None if reported_on is None else reported_on.toordinal()
        self.add_row(case_ref, None, loss_fen, victims, unit_code, day)
        for key in identifiers:
            self.add_row(case_ref, key)

    def add_row(self, case_ref: str, identifier: str | None, loss_fen: int | None = None,
                victims: int | None = None, unit_code: str | None = None, day: int | None = None) -> None:
        """One row of a case file: the case, one identifier key (or None) and the case's facts
        as far as the row gives them (``day`` is ``date.toordinal()``)."""
        case = self._cases.number(case_ref)
        if case is None:
            case = self._new_case(case_ref)
        if loss_fen is not None and self._loss[case] == _UNKNOWN:
            self._loss[case] = loss_fen
        if victims is not None and self._victims[case] == _UNKNOWN:
            self._victims[case] = victims
        if unit_code and self._town[case] == _UNKNOWN:
            town = self._town_of_code.get(unit_code)
            if town is None:
                town = self._town_of_code[unit_code] = self._town_ids.setdefault(town_of(unit_code),
                                                                                  len(self._town_ids))
            self._town[case] = town
        if day is not None and self._day[case] == _NO_DAY:
            self._day[case] = day
        self._table = None
        if identifier is None:
            return
        ident = self._idents.number(identifier)
        if ident is None:
            ident = self._new_identifier(identifier)
        self._edge_case.append(case)
        self._edge_ident.append(ident)
        if self._linked:
            self._link_one(case, ident)

    def add_columns(self, *, cases: pa.Array, loss_fen: np.ndarray, victims: np.ndarray, towns: pa.Array,
                    days: np.ndarray, identifiers: pa.Array, edge_case: np.ndarray,
                    edge_ident: np.ndarray) -> None:
        """Many rows at once, column-wise (a case file's): the distinct case references in the
        order of their first rows and each one's facts (``loss_fen`` and ``victims`` -1 and
        ``days`` 0 where not given, ``towns`` null), the distinct identifier keys, and one edge
        per row that has an identifier, as positions in ``cases`` and ``identifiers``. The same
        as the rows given one by one to :meth:`add_row`, in order; the next read links."""
        old_cases = len(self._cases)
        case_numbers = self._cases.extend(cases)
        ident_numbers = self._idents.extend(identifiers)
        added = len(self._cases) - old_cases
        for column, unknown in ((self._loss, _UNKNOWN), (self._victims, _UNKNOWN), (self._town, _UNKNOWN),
                                (self._day, _NO_DAY)):
            column.frombytes(np.full(added, unknown, dtype=f"i{column.itemsize}").view(np.uint8))
        town_names = pc.unique(towns.drop_null())
        town_numbers = pa.array([self._town_ids.setdefault(town, len(self._town_ids))
                                 for town in town_names.to_pylist()], pa.int32())
        town = pc.take(town_numbers, pc.index_in(towns, value_set=town_names))
        given = [(self._loss, loss_fen, _UNKNOWN), (self._victims, victims, _UNKNOWN),
                 (self._town, pc.fill_null(town, _UNKNOWN).to_numpy(), _UNKNOWN), (self._day, days, _NO_DAY)]
        for column, values, unknown in given:
            # A case recorded before keeps the facts it has (the first given wins).
            held = np.frombuffer(column, dtype=f"i{column.itemsize}")
            fill = (held[case_numbers] == unknown) & (values != unknown)
            held[case_numbers[fill]] = values[fill]
            del held  # a NumPy view pins the array's buffer: it could not grow
        self._edge_case.frombytes(case_numbers.astype(np.int32)[edge_case].view(np.uint8))
        self._edge_ident.frombytes(ident_numbers.astype(np.int32)[edge_ident].view(np.uint8))
        self._linked = False
        self._table = None
        self._adjacency = None

    def _new_case(self, case_ref: str) -> int:
        case = self._cases.add(case_ref)
        self._loss.append(_UNKNOWN)
        self._victims.append(_UNKNOWN)
        self._town.append(_UNKNOWN)
        self._day.append(_NO_DAY)
        if self._linked:
            self._parent.append(case)
        return case

    def _new_identifier(self, key: str) -> int:
        ident = self._idents.add(key)
        if self._linked:
            self._rep.append(_UNKNOWN)
            self._degree.append(0)
            if key in self.stoplist:
                self._excluded.add(ident)
        return ident

    def _link_one(self, case: int, ident: int) -> None:
        pair = case << 32 | ident
        position = int(np.searchsorted(self._pairs, pair))
        if pair in self._late_pairs or (position < len(self._pairs) and self._pairs[position] == pair):
            return
        self._late_pairs.add(pair)
        self._degree[ident] += 1
        self._adjacency = None
        if ident in self._excluded:
            return
        if self._degree[ident] > self.max_degree:
            # Leaving this identifier out may split its ring, which a union-find cannot undo.
            self._linked = False
            return
        self._late_kept.append(pair)
        other = self._rep[ident]
        if other == _UNKNOWN:
            self._rep[ident] = case
        else:
            self._union(case, other)

    def _find(self, node: int) -> int:
        parent = self._parent
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def _union(self, a: int, b: int) -> None:
        a, b = self._find(a), self._find(b)
        if a != b:
            # The smaller case id becomes the root: batch links do the same.
            self._parent[max(a, b)] = min(a, b)

    # -- linking ------------------------------------------------------------------------

    def link(self) -> None:
        """Recompute every ring from all the rows recorded (the batch path)."""
        n_cases, n_idents = len(self._cases), len(self._idents)
        pairs = _distinct(_column(self._edge_case, np.int64) << 32 | _column(self._edge_ident, np.int64))
        cases = (pairs >> 32).astype(np.int32)
        idents = (pairs & 0xFFFFFFFF).astype(np.int32)
        degree = np.bincount(idents, minlength=n_idents).astype(np.int32)
        excluded = degree > self.max_degree
        excluded[self._idents.numbers_of(self.stoplist)] = True
        keep = ~excluded[idents]
        kept_cases, kept_idents = cases[keep], idents[keep]

        # The bipartite graph as a CSR matrix built directly (the pairs are sorted by case):
        # cases are nodes 0..n_cases-1, identifiers follow.
        indptr = np.zeros(n_cases + n_idents + 1, dtype=np.int64)
        np.cumsum(np.bincount(kept_cases, minlength=n_cases), out=indptr[1:n_cases + 1])
        indptr[n_cases + 1:] = indptr[n_cases]
        graph = csr_matrix((np.ones(len(kept_cases), dtype=np.int8), kept_idents + n_cases, indptr),
                           shape=(n_cases + n_idents,) * 2)
        n_components, labels = connected_components(graph, directed=False)
        labels = labels[:n_cases]
        # Each component's root is its smallest case id, as _union keeps it.
        root = np.empty(n_components, dtype=np.int32)
        root[labels[::-1]] = np.arange(n_cases - 1, -1, -1, dtype=np.int32)
        rep = np.full(n_idents, _UNKNOWN, dtype=np.int32)
        rep[kept_idents] = kept_cases

        self._parent = array("i", root[labels].tobytes())
        self._rep = array("i", rep.tobytes())
        self._degree = array("i", degree.tobytes())
        self._excluded = set(np.flatnonzero(excluded).tolist())
        self._pairs = pairs
        self._kept = pairs[keep]
        self._late_pairs = set()
        self._late_kept = []
        self._linked = True
        self._table = None
        self._adjacency = None

    def _ensure_linked(self) -> None:
        if not self._linked:
            self.link()

    def _roots(self) -> np.ndarray:
        """Each case's root, by pointer jumping over a copy of the forest."""
        roots = _column(self._parent, np.int32)
        while True:
            jumped = roots[roots]
            if np.array_equal(jumped, roots):
                return roots
            roots = jumped

    def _kept_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        pairs = self._kept
        if self._late_kept:
            pairs = np.concatenate([pairs, np.array(self._late_kept, dtype=np.int64)])
        return (pairs >> 32).astype(np.int32), (pairs & 0xFFFFFFFF).astype(np.int32)

    # -- reading ------------------------------------------------------------------------

    def _summary(self) -> _Table:
        self._ensure_linked()
        if self._table is None:
            self._table = _Table.build(self)
        return self._table

    def rings(self) -> RankedRings:
        """Every ring, ranked; a case without a linking identifier is a ring of one."""
        return RankedRings(self._summary())

    def ring_of(self, case_ref: str) -> str:
        table = self._summary()
        return table.ring_id(table.position[table.roots[self._case(case_ref)]])

    def members(self) -> Iterator[tuple[str, str]]:
        """(case ref, ring id) for every case, in the order the cases were first recorded."""
        for refs, ring_ids in self.member_columns():
            yield from zip(refs.to_pylist(), ring_ids.to_pylist(), strict=True)

    def member_columns(self) -> Iterator[tuple[pa.Array, pa.Array]]:
        """:meth:`members` as Arrow columns, a slice of the cases at a time."""
        table = self._summary()
        refs = self._cases.array()
        for start in range(0, len(refs), _CHUNK):
            positions = table.position[table.roots[start:start + _CHUNK]]
            yield refs.slice(start, _CHUNK), table.ring_ids.take(positions)

    def ring_members(self, ring_id: str) -> list[str]:
        table = self._summary()
        root = self._ring_root(table, ring_id)
        return sorted(self._cases.take(np.flatnonzero(table.roots == root)))

    def ring_identifiers(self, ring_id: str) -> list[str]:
        """The identifier keys that link a ring's cases (left-out ones are not among them)."""
        table = self._summary()
        root = self._ring_root(table, ring_id)
        cases, idents = self._kept_pairs()
        mine = _distinct(idents[table.roots[cases] == root])
        return sorted(self._idents.take(mine))

    def left_out(self) -> list[LeftOut]:
        """Identifiers left out of linking, the most shared first."""
        self._ensure_linked()
        out = [
            LeftOut(key, self._degree[i], LEFT_OUT_STOPLIST if key in self.stoplist else LEFT_OUT_DEGREE)
            for i in self._excluded
            for key in (self._idents[i],)
        ]
        return sorted(out, key=lambda item: (-item.cases, item.identifier))

    def explain(self, case_a: str, case_b: str) -> list[Link]:
        """Why two cases are in one ring: a shortest chain of shared identifiers from
        ``case_a`` to ``case_b`` (breadth-first over cases and identifiers). Empty when they
        are the same case; a DomainError when they are in different rings."""
        a, b = self._case(case_a), self._case(case_b)
        table = self._summary()
        if table.roots[a] != table.roots[b]:
            raise DomainError(MSG_NOT_LINKED.format(a=case_a, b=case_b), code="not_linked")
        if self._adjacency is None:
            self._adjacency = _Adjacency(*self._kept_pairs(), len(self._cases), len(self._idents))
        came_from = self._adjacency.path(a, b)
        steps: list[Link] = []
        node = b
        while node != a:
            previous, ident = came_from[node]
            steps.append(Link(self._cases[previous], self._idents[ident], self._cases[node]))
            node = previous
        return steps[::-1]

    def _case(self, case_ref: str) -> int:
        case = self._cases.number(case_ref)
        if case is None:
            raise NotFound(MSG_NO_CASE.format(ref=case_ref))
        return case

    def _ring_root(self, table: _Table, ring_id: str) -> int:
        case = self._cases.number(ring_id)
        root = None if case is None else int(table.roots[case])
        if root is None or table.ring_id(table.position[root]) != ring_id:
            raise NotFound(MSG_NO_RING.format(ring=ring_id))
        return root


class _Table:
    """Ring statistics, computed column-wise with NumPy and held in rank order."""

    roots: np.ndarray  # per case: its ring's root case
    position: np.ndarray  # per root case: the ring's index in rank order (-1 for non-roots)
    ring_ids: pa.Array  # in rank order
    cases: np.ndarray
    victims: np.ndarray
    loss_fen: np.ndarray
    towns: np.ndarray
    first_day: np.ndarray
    last_day: np.ndarray
    major: np.ndarray
    identifiers: np.ndarray

    @classmethod
    def build(cls, index: RingIndex) -> _Table:
        self = cls()
        roots = index._roots()
        n = len(roots)
        order = np.argsort(roots, kind="stable")
        grouped = roots[order]
        new_group = np.ones(n, dtype=bool)
        new_group[1:] = grouped[1:] != grouped[:-1]
        starts = np.flatnonzero(new_group)
        ring_root = grouped[starts]
        group_of_case = np.empty(n, dtype=np.int64)
        group_of_case[order] = np.cumsum(new_group) - 1

        def per_ring(values: np.ndarray, reduce: np.ufunc) -> np.ndarray:
            return reduce.reduceat(values[order], starts) if n else values[:0]

        loss = _column(index._loss, np.int64)
        victims = _column(index._victims, np.int64)
        day = _column(index._day, np.int32)
        town = _column(index._town, np.int64)
        cases = np.diff(np.r_[starts, n])
        loss_fen = per_ring(np.where(loss == _UNKNOWN, 0, loss), np.add)
        ring_victims = per_ring(np.where(victims == _UNKNOWN, DEFAULT_VICTIMS, victims), np.add)
        first_day = per_ring(np.where(day == _NO_DAY, np.iinfo(np.int32).max, day), np.minimum)
        last_day = per_ring(day, np.maximum)
        known = town != _UNKNOWN
        town_pairs = _distinct(group_of_case[known] * max(len(index._town_ids), 1) + town[known])
        towns = np.bincount(town_pairs // max(len(index._town_ids), 1), minlength=len(starts))
        kept_cases, kept_idents = index._kept_pairs()
        ident_groups = _distinct(group_of_case[kept_cases] * max(len(index._idents), 1) + kept_idents)
        identifiers = np.bincount(ident_groups // max(len(index._idents), 1), minlength=len(starts))
        # The ring id is the smallest case reference: one sort of the references gives every
        # case its place, and the ring's smallest place its id. (Arrow sorts the text in C++;
        # Python's sort of the indices by reference took 8 times as long.)
        by_ref = index._cases.sort_order()
        ref_place = np.empty(n, dtype=np.int64)
        ref_place[by_ref] = np.arange(n)
        smallest = per_ring(ref_place, np.minimum)

        rank = np.lexsort((smallest, -towns, -ring_victims, -loss_fen))
        self.roots = roots
        self.position = np.full(n, -1, dtype=np.int64)
        self.position[ring_root[rank]] = np.arange(len(rank))
        self.ring_ids = index._cases.array().take(by_ref[smallest[rank]])
        self.cases = cases[rank]
        self.victims = ring_victims[rank]
        self.loss_fen = loss_fen[rank]
        self.towns = towns[rank]
        self.first_day = first_day[rank]
        self.last_day = last_day[rank]
        self.identifiers = identifiers[rank]
        self.rate(index.major_loss_fen, index.major_victims)
        return self

    def rate(self, major_loss_fen: int, major_victims: int) -> None:
        self.major = (self.loss_fen >= major_loss_fen) | (self.victims >= major_victims)

    def ring_id(self, position: int) -> str:
        return self.ring_ids[int(position)].as_py()


class RankedRings:
    """The rings in rank order: a sequence of :class:`Ring`, built as they are read."""

    def __init__(self, table: _Table):
        self._table = table

    @classmethod
    def from_columns(cls, *, ring_ids: pa.Array, cases: np.ndarray, victims: np.ndarray, loss_fen: np.ndarray,
                     towns: np.ndarray, first_day: np.ndarray, last_day: np.ndarray, identifiers: np.ndarray,
                     major_loss_yuan: int, major_victims: int) -> RankedRings:
        """Rings linked, counted and ranked elsewhere (the Spark engine), in rank order, with
        the statistics :meth:`columns` gives."""
        table = _Table()
        table.ring_ids = ring_ids
        table.cases, table.victims, table.loss_fen, table.towns = cases, victims, loss_fen, towns
        table.first_day, table.last_day, table.identifiers = first_day, last_day, identifiers
        table.rate(int(major_loss_yuan) * 100, major_victims)
        return cls(table)

    def __len__(self) -> int:
        return len(self._table.ring_ids)

    def __getitem__(self, position: int) -> Ring:
        t = self._table
        if not -len(self) <= position < len(self):
            raise IndexError(position)
        position %= len(self)
        first, last = int(t.first_day[position]), int(t.last_day[position])
        return Ring(
            rank=position + 1, ring_id=t.ring_id(position), cases=int(t.cases[position]),
            victims=int(t.victims[position]), total_loss=yuan(int(t.loss_fen[position])),
            towns=int(t.towns[position]),
            first_date=dt.date.fromordinal(first) if last != _NO_DAY else None,
            last_date=dt.date.fromordinal(last) if last != _NO_DAY else None,
            major=bool(t.major[position]), identifiers=int(t.identifiers[position]),
        )

    def __iter__(self) -> Iterator[Ring]:
        return (self[p] for p in range(len(self)))

    @property
    def linked_count(self) -> int:
        """Rings of two or more cases."""
        return int(np.count_nonzero(self._table.cases >= 2))

    @property
    def major_count(self) -> int:
        return int(np.count_nonzero(self._table.major))

    def columns(self) -> dict[str, np.ndarray | pa.Array]:
        """The rings column by column, in rank order: ``ring_id`` (Arrow text), ``cases``,
        ``victims``, ``loss_fen``, ``towns``, ``first_day`` and ``last_day`` (ordinals, 0 for
        none), ``major`` and ``identifiers`` (NumPy)."""
        t = self._table
        return {"ring_id": t.ring_ids, "cases": t.cases, "victims": t.victims, "loss_fen": t.loss_fen,
                "towns": t.towns, "first_day": np.where(t.last_day == _NO_DAY, _NO_DAY, t.first_day),
                "last_day": t.last_day, "major": t.major, "identifiers": t.identifiers}

    def rows(self) -> Iterator[tuple]:
        """Plain tuples for files, fast: (rank, ring id, cases, victims, total loss in fen,
        towns, first day ordinal or 0, last day ordinal or 0, major, identifiers)."""
        t = self._table
        first = np.where(t.last_day == _NO_DAY, _NO_DAY, t.first_day)
        for lo in range(0, len(self), _CHUNK):
            hi = lo + _CHUNK
            yield from zip(range(lo + 1, min(hi, len(self)) + 1), t.ring_ids.slice(lo, _CHUNK).to_pylist(),
                           t.cases[lo:hi].tolist(),
                           t.victims[lo:hi].tolist(), t.loss_fen[lo:hi].tolist(), t.towns[lo:hi].tolist(),
                           first[lo:hi].tolist(), t.last_day[lo:hi].tolist(), t.major[lo:hi].tolist(),
                           t.identifiers[lo:hi].tolist(), strict=True)


class _Adjacency:
    """Cases and identifiers in both directions (CSR), for breadth-first explanations."""

    def __init__(self, cases: np.ndarray, idents: np.ndarray, n_cases: int, n_idents: int):
        by_case = np.argsort(cases, kind="stable")
        self.case_start = np.r_[0, np.cumsum(np.bincount(cases, minlength=n_cases))]
        self.case_idents = idents[by_case]
        by_ident = np.argsort(idents, kind="stable")
        self.ident_start = np.r_[0, np.cumsum(np.bincount(idents, minlength=n_idents))]
        self.ident_cases = cases[by_ident]

    def path(self, a: int, b: int) -> dict[int, tuple[int, int]]:
        """Breadth-first from case ``a`` until case ``b``: each reached case's predecessor
        case and the identifier they share."""
        came_from: dict[int, tuple[int, int]] = {a: (a, -1)}
        seen_idents: set[int] = set()
        queue = deque([a])
        while queue and b not in came_from:
            case = queue.popleft()
            for ident in self.case_idents[self.case_start[case]:self.case_start[case + 1]].tolist():
                if ident in seen_idents:
                    continue
                seen_idents.add(ident)
                for other in self.ident_cases[self.ident_start[ident]:self.ident_start[ident + 1]].tolist():
                    if other not in came_from:
                        came_from[other] = (case, ident)
                        queue.append(other)
        return came_from
