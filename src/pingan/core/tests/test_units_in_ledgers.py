"""A unit as a ledger names it: at any level of the tree, by any form of its division code or
by its full or short name, a name several units answer to settled by the reader's scope."""

import pytest

from pingan.core.divisions import division_prefix, short_name
from pingan.core.filters import ListFilters
from pingan.core.ledger import MSG_AMBIGUOUS_UNIT, MSG_UNIT_MISMATCH, MSG_UNIT_NOT_IN_SCOPE, Units
from pingan.core.models import Unit, UnitKind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("code", "prefix"), [
    ("330802", "330802"), ("330802000", "330802"), ("330802000000", "330802"),
    ("330802101", "330802101"), ("330802101000", "330802101"), ("330802101001", "330802101001"),
    # A grid cell's code, a department's and a malformed one have no shorter form.
    ("330802101001001", "330802101001001"), ("330802D01", "330802D01"), ("3308020000", "3308020000"),
    ("３３０８０２000000", "３３０８０２000000"),
])
def test_a_division_code_in_any_of_its_forms_comes_to_its_significant_part(code, prefix):
    assert division_prefix(code) == prefix


@pytest.mark.parametrize(("name", "short"), [
    ("航埠镇", "航埠"), ("府山街道", "府山"), ("姜家山乡", "姜家山"), ("缪村村", "缪村"),
    ("白云社区", "白云"), ("柯城区", "柯城"), ("府山街道办事处", "府山"), ("新湖社区居委会", "新湖"),
    # Too little would be left, or nothing to leave off.
    ("石村", None), ("缪村村第1网格", None), ("消防救援大队", None),
])
def test_the_short_name_leaves_off_the_administrative_word(name, short):
    assert short_name(name) == short


def unit_of(actor, *, code=None, name=None):
    unit, problem = Units(actor).resolve(code=code, name=name)
    assert problem is None, problem
    return unit


def problem_of(actor, *, code=None, name=None):
    unit, problem = Units(actor).resolve(code=code, name=name)
    assert unit is None
    return problem


def test_every_level_by_every_form_of_its_code(personas, district, hangbu, hangbu_village, worker_grid):
    admin = personas.admin
    town_12 = hangbu.prefix + "000"
    for code in ("330802", "330802000", "330802000000"):
        assert unit_of(admin, code=code) == district
        assert unit_of(admin, name=code) == district  # a code in the name column
    for code in (hangbu.prefix, town_12):
        assert unit_of(admin, code=code) == hangbu
    assert unit_of(admin, code=hangbu_village.code) == hangbu_village
    assert unit_of(admin, code=worker_grid.code) == worker_grid
    assert problem_of(admin, code="330802999") is not None


def test_a_unit_stored_with_a_short_code_is_found_by_its_full_one(personas, hangbu):
    village = Unit.objects.create(code=hangbu.prefix + "777", prefix=hangbu.prefix + "777", name="短码村",
                                  kind=UnitKind.VILLAGE, parent=hangbu)
    town = Unit.objects.create(code="330802888", prefix="330802888", name="短码镇", kind=UnitKind.TOWN,
                               parent=hangbu.parent)
    assert unit_of(personas.admin, code="330802888000") == town
    assert unit_of(personas.admin, code=village.code) == village


def test_full_and_short_names_at_every_level(personas, district, hangbu_village):
    admin = personas.admin
    fushan = Unit.objects.get(name="府山街道")
    assert unit_of(admin, name="柯城区") == district
    assert unit_of(admin, name="柯城") == district
    assert unit_of(admin, name="府山街道") == fushan
    assert unit_of(admin, name="府山") == fushan
    assert unit_of(admin, name="九华") == Unit.objects.get(name="九华乡")
    assert unit_of(admin, name=hangbu_village.name) == hangbu_village
    # A full name is never taken for another unit's short one.
    assert unit_of(admin, name="航埠村") == Unit.objects.get(name="航埠村")
    assert unit_of(admin, name="航埠镇") == Unit.objects.get(name="航埠镇")


def test_a_short_name_two_units_answer_to_is_refused_naming_both(personas, hangbu):
    village = Unit.objects.get(name="航埠村")
    assert problem_of(personas.admin, name="航埠") == str(MSG_AMBIGUOUS_UNIT).format(
        value="航埠", candidates=f"航埠镇 (柯城区, {hangbu.code})、航埠村 (航埠镇, {village.code})")
    # The town handler reaches both as well.
    assert "航埠镇" in problem_of(personas.town_handler, name="航埠")


def test_a_name_is_the_one_unit_of_it_in_the_readers_scope(personas, hangbu, shiliang):
    ours = Unit.objects.create(code=hangbu.prefix + "901", prefix=hangbu.prefix + "901", name="同名村",
                               kind=UnitKind.VILLAGE, parent=hangbu)
    theirs = Unit.objects.create(code=shiliang.prefix + "901", prefix=shiliang.prefix + "901", name="同名村",
                                 kind=UnitKind.VILLAGE, parent=shiliang)
    assert unit_of(personas.town_handler, name="同名村") == ours
    assert unit_of(personas.outsider, name="同名") == theirs
    assert "同名村 (石梁镇" in problem_of(personas.admin, name="同名村")
    # A grid worker reaches neither: nothing is said of the units outside their area.
    assert problem_of(personas.grid_worker, name="同名村") == str(MSG_UNIT_NOT_IN_SCOPE).format(
        value="同名村")
    # A unit only one of is named by its name, in scope or not: the services judge the scope.
    assert unit_of(personas.outsider, name="航埠镇") == hangbu


def test_a_code_and_a_name_must_agree_the_short_name_too(personas, hangbu):
    assert unit_of(personas.admin, code=hangbu.prefix + "000", name="航埠") == hangbu
    assert problem_of(personas.admin, code=hangbu.prefix, name="石梁") == str(MSG_UNIT_MISMATCH).format(
        code=hangbu.prefix, name="航埠镇", value="石梁")


def test_departments_only_where_asked_for(personas):
    fire = Unit.objects.get(name="消防救援大队")
    assert Units(personas.admin).resolve(code=None, name="消防救援大队", departments=True) == (fire, None)
    assert problem_of(personas.admin, name="消防救援大队") is not None


class _Filters(ListFilters):
    unit: str | None = None


@pytest.mark.parametrize(("given", "prefix"), [("330802101000", "330802101"), ("330802000000", "330802"),
                                                ("330802101001", "330802101001"), ("", None)])
def test_a_lists_unit_filter_takes_any_form_of_the_code(given, prefix):
    assert _Filters(unit=given).unit == prefix
