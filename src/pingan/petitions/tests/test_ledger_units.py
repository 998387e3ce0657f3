"""The petition ledger names its units as offices write them: at any level, by any form of
the division code or by the full or short name (``core.ledger.Units``)."""

from pingan.core.ledger import MSG_AMBIGUOUS_UNIT
from pingan.petitions.models import Petition
from pingan.petitions.tests.test_ledger import counts, ledger_row, now, run, xlsx  # noqa: F401 (now: a fixture)


def test_a_unit_at_any_level_by_code_or_name(personas, district, hangbu, hangbu_village):
    result = run(xlsx([ledger_row("U-1", district, 所属单位="330802"),
                       ledger_row("U-2", district, 所属单位="330802000000"),
                       ledger_row("U-3", hangbu, 所属单位=hangbu.prefix + "000"),
                       ledger_row("U-4", hangbu, 所属单位="九华"),
                       ledger_row("U-5", hangbu_village)]), personas.admin)
    assert result.ok, result.errors
    placed = dict(Petition.objects.filter(external_ref__startswith="U-")
                  .values_list("external_ref", "unit__name"))
    assert placed == {"U-1": "柯城区", "U-2": "柯城区", "U-3": "航埠镇", "U-4": "九华乡",
                      "U-5": hangbu_village.name}


def test_an_ambiguous_short_name_is_a_row_error_naming_the_units(personas, hangbu):
    before = counts()
    result = run(xlsx([ledger_row("V-1", hangbu, 所属单位="航埠")]), personas.admin)
    [error] = result.errors
    assert error.column == "所属单位"
    assert error.message.startswith(str(MSG_AMBIGUOUS_UNIT).split("{")[0] + "航埠")
    assert "航埠镇 (柯城区" in error.message and "航埠村 (航埠镇" in error.message
    assert counts() == before
