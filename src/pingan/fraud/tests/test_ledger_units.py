"""The fraud case ledger names its units as the police write them: at any level (a case the
district's own police record is a district-level case), by any form of the division code or
by the full or short name (``core.ledger.Units``)."""

from pingan.core.ledger import MSG_UNIT_NOT_IN_SCOPE
from pingan.core.models import Unit, UnitKind
from pingan.fraud.models import FraudCase
from pingan.fraud.tests.test_ledger import counts, ledger_row, now, run, xlsx  # noqa: F401 (now: a fixture)


def test_a_unit_at_any_level_by_code_or_name(personas, district, hangbu, hangbu_village):
    result = run(xlsx([ledger_row("D-1", 所属乡镇="330802"), ledger_row("D-2", 所属乡镇="330802000000"),
                       ledger_row("D-3", 所属乡镇="柯城区"), ledger_row("D-4", 所属乡镇=hangbu.prefix),
                       ledger_row("D-5", 所属乡镇="府山"), ledger_row("D-6", 所属乡镇=hangbu_village.code)]),
                 personas.admin)
    assert result.ok, result.errors
    placed = dict(FraudCase.objects.filter(external_ref__startswith="D-")
                  .values_list("external_ref", "unit__name"))
    assert placed == {"D-1": "柯城区", "D-2": "柯城区", "D-3": "柯城区", "D-4": "航埠镇", "D-5": "府山街道",
                      "D-6": hangbu_village.name}


def test_a_name_is_settled_by_the_readers_area(personas, hangbu, shiliang):
    ours = Unit.objects.create(code=hangbu.prefix + "901", prefix=hangbu.prefix + "901", name="同名村",
                               kind=UnitKind.VILLAGE, parent=hangbu)
    Unit.objects.create(code=shiliang.prefix + "901", prefix=shiliang.prefix + "901", name="同名村",
                        kind=UnitKind.VILLAGE, parent=shiliang)
    assert run(xlsx([ledger_row("T-1", 所属乡镇="同名村")]), personas.town_handler).ok
    assert FraudCase.objects.get(external_ref="T-1").unit == ours
    before = counts()
    [error] = run(xlsx([ledger_row("T-2", 所属乡镇="同名村")]), personas.grid_worker).errors
    assert (error.column, error.message) == ("所属乡镇", str(MSG_UNIT_NOT_IN_SCOPE).format(value="同名村"))
    assert counts() == before
