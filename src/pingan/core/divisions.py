"""Division codes and unit names as offices write them, without the database.

A national division code (行政区划代码) has 12 digits: 6 for the county or district, 3 for
the town, township or sub-district, 3 for the village or community. Offices shorten it to
its significant part, so one unit is written several ways: 330802, 330802000 and
330802000000 are the district itself, 330802101 and 330802101000 the same town. A unit's
``prefix`` is that significant part, and ``division_prefix`` turns any of the ways into it.
Grid cells extend a village's code by three digits each and have no shorter form.

Names are shortened too: 航埠 for 航埠镇, 府山 for 府山街道 (``short_name``).

Pure functions, imported where no database exists (``pingan fraud link`` and its Spark
workers) as well as by the ledgers' unit resolver (``core.ledger.Units``).
"""

from __future__ import annotations

COUNTY_DIGITS = 6
LEVEL_DIGITS = 3
# The lengths of the national code's forms: a county's, a town's, the full code.
DIVISION_CODE_LENGTHS = (6, 9, 12)
# An unused level of a code: 330802000000 is no town and no village of 330802.
_EMPTY_LEVEL = "0" * LEVEL_DIGITS

# What a name ends with that offices leave off, longest first (街道办事处 before 街道 before
# 区). A short name keeps at least two characters: "石" says nothing.
NAME_SUFFIXES = ("街道办事处", "社区居委会", "办事处", "居委会", "村委会", "街道", "社区", "镇", "乡",
                 "村", "区", "县", "市")
SHORT_NAME_MIN = 2


def division_prefix(code: str) -> str:
    """The significant part of a division code of 9 or 12 digits (its empty levels off);
    any other code as it is."""
    if len(code) in DIVISION_CODE_LENGTHS[1:] and code.isascii() and code.isdigit():
        while len(code) > COUNTY_DIGITS and code.endswith(_EMPTY_LEVEL):
            code = code[:-LEVEL_DIGITS]
    return code


def short_name(name: str) -> str | None:
    """The name without the administrative word offices leave off, or None when it has none
    (or too little would be left)."""
    for suffix in NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= SHORT_NAME_MIN:
            return name[:-len(suffix)]
    return None
