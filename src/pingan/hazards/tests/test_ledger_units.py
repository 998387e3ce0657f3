"""The hazard ledger names its units as offices write them: at any level, by any form of the
division code or by the full or short name (``core.ledger.Units``)."""

from pingan.core.ledger import MSG_AMBIGUOUS_UNIT
from pingan.core.models import Unit
from pingan.hazards.models import Hazard
from pingan.hazards.services import MSG_CANNOT_REPORT_HERE
from pingan.hazards.tests.test_ledger import refused, run, xlsx

HEADER = ["外部编号", "标题", "类别", "属地单位", "单位代码"]


def test_a_unit_at_any_level_by_code_or_name(personas, district, hangbu, hangbu_village):
    fushan = Unit.objects.get(name="府山街道")
    rows = {"L-1": ("", "330802"), "L-2": ("", "330802000000"), "L-3": ("柯城区", ""),
            "L-4": ("", hangbu.prefix), "L-5": ("航埠", hangbu.prefix + "000"), "L-6": ("府山", ""),
            "L-7": ("", hangbu_village.code), "L-8": (hangbu_village.name, "")}
    run(xlsx([HEADER, *([key, "消防通道堵塞", "消防", name, code] for key, (name, code) in rows.items())]),
        personas.admin)
    placed = dict(Hazard.objects.filter(external_ref__startswith="L-").values_list("external_ref", "unit"))
    assert placed == {"L-1": district.pk, "L-2": district.pk, "L-3": district.pk, "L-4": hangbu.pk,
                      "L-5": hangbu.pk, "L-6": fushan.pk, "L-7": hangbu_village.pk, "L-8": hangbu_village.pk}


def test_an_ambiguous_name_and_a_unit_outside_the_readers_area_are_row_errors(personas, district):
    before = Hazard.objects.count()
    errors = refused(xlsx([HEADER, ["M-1", "消防通道堵塞", "消防", "航埠", ""],
                           ["M-2", "消防通道堵塞", "消防", "", "330802"]]), personas.town_handler)
    assert [(e.row, e.column) for e in errors] == [(3, "属地单位"), (4, "单位代码")]
    assert errors[0].message.startswith(str(MSG_AMBIGUOUS_UNIT).split("{")[0] + "航埠")
    assert errors[1].message == str(MSG_CANNOT_REPORT_HERE).format(unit=district.name)
    assert Hazard.objects.count() == before
