"""Finding cases by their words: the one text filter of every list, API and export.

A list's ``q`` matches a case when the term appears anywhere in one of the list's text
fields, case-insensitively as the database's ``LIKE`` is (Django's ``icontains``). A
scan of a million cases for a rare phrase reads every row (117–340 ms measured), so terms of
three characters or more go through a trigram index:

* PostgreSQL: ``pg_trgm`` GIN indexes on ``UPPER(column)``, the very expression
  ``icontains`` compiles to;
* SQLite: the FTS5 table ``core_case_text`` with the trigram tokenizer, kept in step with
  ``core_case`` by triggers. It folds case beyond ASCII (``Ä``/``ä``, full-width ``Ａ``/``ａ``)
  where SQLite's ``LIKE`` does not, so it only narrows the candidates and the ``LIKE``
  condition still decides: the hits are exactly the scan's.

The index is asked for the cases first (see ``CANDIDATE_LIMIT``), then the list runs with
their ids and its other filters. Terms of one or two characters are scanned (see
``MIN_INDEXED_LENGTH``).

Both are created by ``core/migrations/0006_case_text_search``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, router
from django.db.models import Q

from pingan.core.models import Case

# A trigram index holds every run of three characters: it can find nothing shorter. A term
# of one or two characters is scanned, and the list's other filters and its order narrow
# the scan: chosen by measurement (bench/README.md, "Text search"). The two-character words
# people search for are hazard words (燃气, 电梯, 楼道, 消防) in 1–14% of a ledger, and walking
# the list's order finds a page of them after a few thousand rows: 17–37 ms of CPU at a
# million hazards, as fast as a rare phrase through the index. Only a two-character word
# almost no case holds costs a full scan, as every search did before. The alternatives cost
# more than that: a bigram column must be written by every path that writes a case (the
# bulk imports write rows directly) and doubles the index, and PostgreSQL here has no
# pg_bigm; segmenting with jieba finds words, not substrings (燃气 is not found in a text
# segmented as 燃气灶), so its hits would differ from the scan's.
MIN_INDEXED_LENGTH = 3
# The columns of ``core_case`` the index holds (and the only ones a list may search).
INDEXED_FIELDS = ("ref", "title", "description", "location", "external_ref")
# Neither database weighs the index's matches well against the list's own order. Handed
# them as a subquery SQLite fetches and sorts every one before the first page (1.6 s for a
# phrase in 90% of a 100,000-hazard ledger); PostgreSQL guesses a rare phrase of few
# trigrams common and walks the order instead (610 ms for 61 hazards in 100,000). So the
# index is asked first for the phrase's cases, at most this many: fewer, and the list is
# given them by id (the planner then knows how few); as many, and the phrase is common
# enough that walking the list's order finds a page sooner. Measured in bench/bench_search.py.
CANDIDATE_LIMIT = 5_000


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
    alias = router.db_for_read(Case)
    if connections[alias].vendor == "sqlite":
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT rowid FROM core_case_text WHERE core_case_text MATCH %s LIMIT %s",
                           (_fts_phrase(term, fields), CANDIDATE_LIMIT))
            ids = [row[0] for row in cursor.fetchall()]
        # The index's case folding reaches further than LIKE's: LIKE decides.
        found = Q(pk__in=ids) & matches
    else:
        # The scan's own condition, which the pg_trgm indexes serve: the ids are the matches.
        # Repeating the condition beside them would only make the planner expect none.
        ids = list(Case.objects.using(alias).filter(matches).order_by()
                   .values_list("pk", flat=True)[:CANDIDATE_LIMIT])
        found = Q(pk__in=ids)
    return matches if len(ids) >= CANDIDATE_LIMIT else found
