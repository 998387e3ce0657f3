"""Finding cases by their words: the one text filter of every list, API and export.

A list's ``q`` matches a case when the term appears anywhere in one of the list's text
fields, case-insensitively as the database's ``LIKE`` is (Django's ``icontains``). A
scan of a million cases for a rare phrase reads every row (117–340 ms measured), so terms of
three characters or more go through a trigram index:

* PostgreSQL: ``pg_trgm`` GIN indexes on ``UPPER(column)``, the very expression
  ``icontains`` compiles to, so the query is unchanged and the planner picks the index;
* SQLite: the FTS5 table ``core_case_text`` with the trigram tokenizer, kept in step with
  ``core_case`` by triggers, for a phrase with fewer than ``SQLITE_CANDIDATE_LIMIT``
  candidates (a commoner one is found sooner by walking the list's order). It folds case
  beyond ASCII (``Ä``/``ä``, full-width ``Ａ``/``ａ``) where SQLite's ``LIKE`` does not, so it
  only narrows the candidates and the ``LIKE`` condition still decides: the hits are
  exactly the scan's.

Both are created by ``core/migrations/0006_case_text_search``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, router
from django.db.models import Q
from django.db.models.expressions import RawSQL

from pingan.core.models import Case

# A trigram index holds every run of three characters: it can find nothing shorter.
MIN_INDEXED_LENGTH = 3
# The columns of ``core_case`` the index holds (and the only ones a list may search).
INDEXED_FIELDS = ("ref", "title", "description", "location", "external_ref")
# SQLite cannot weigh a list of candidates against the list's own order: handed the
# index's matches it fetches and sorts every one before the first page (1.6 s for a phrase
# in 90% of a 100,000-hazard ledger), where walking the order finds a page of a common
# phrase at once. So it is asked first whether the phrase has this many candidates; if so
# the list walks its order and tests each case. Measured in bench/bench_search.py.
SQLITE_CANDIDATE_LIMIT = 5_000


def like_q(term: str, fields: Sequence[str]) -> Q:
    """The term anywhere in any of the fields: the plain scan, and the rule every indexed
    search must agree with."""
    q = Q()
    for name in fields:
        q |= Q(**{f"{name}__icontains": term})
    return q


def _fts_phrase(term: str, fields: Sequence[str]) -> str:
    # One FTS5 string (its only escape is a doubled quote), so nothing in the term is read
    # as query syntax; limited to the fields' columns.
    quoted = term.replace('"', '""')
    return f'{{{" ".join(fields)}}} : "{quoted}"'


def text_q(term: str, fields: Sequence[str]) -> Q:
    """The filter for ``term`` in ``fields`` (columns of ``core_case``), through the trigram
    index where the term is long enough for one."""
    unknown = set(fields) - set(INDEXED_FIELDS)
    if unknown:
        raise ValueError(f"not in the text index: {', '.join(sorted(unknown))}")
    matches = like_q(term, fields)
    if len(term) < MIN_INDEXED_LENGTH:
        return matches
    connection = connections[router.db_for_read(Case)]
    if connection.vendor != "sqlite":
        return matches
    phrase = _fts_phrase(term, fields)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM (SELECT 1 FROM core_case_text WHERE core_case_text MATCH %s "
                       "LIMIT %s)", (phrase, SQLITE_CANDIDATE_LIMIT))
        (candidates,) = cursor.fetchone()
    if candidates >= SQLITE_CANDIDATE_LIMIT:
        return matches
    return Q(pk__in=RawSQL(  # noqa: S611 (the term is a bound parameter)
        "SELECT rowid FROM core_case_text WHERE core_case_text MATCH %s", (phrase,))) & matches

