"""Who sees what: blocks (the unit subtree) and lines (the department's categories)."""

import pytest

from pingan.core.models import Case, Role, RoleName, Unit, UnitKind
from pingan.core.scoping import forget_scope, scope_for
from pingan.hazards.models import Hazard


@pytest.fixture
def hazards(make_hazard, personas, grid_in, hangbu_village):
    other_village_grid = (
        Unit.objects.filter(kind=UnitKind.GRID, parent__parent=hangbu_village.parent)
        .exclude(parent=hangbu_village).order_by("prefix").first()
    )
    town = personas.town_handler
    return {
        "own_grid_ebike": make_hazard(),
        "own_grid_road": make_hazard(category="road", title="路口视线遮挡"),
        "next_village_fire": make_hazard(actor=town, unit=other_village_grid, category="fire",
                                         title="仓库灭火器过期"),
        "shiliang_ebike": make_hazard(actor=personas.admin, unit=grid_in("石梁镇"),
                                      title="石梁镇楼道充电"),
        "shiliang_road": make_hazard(actor=personas.admin, unit=grid_in("石梁镇"),
                                     category="road", title="石梁镇急弯无警示"),
    }


def visible_titles(user):
    return set(Hazard.objects.visible_to(user).values_list("title", flat=True))


def test_each_persona_sees_exactly_its_blocks_and_lines(hazards, personas):
    titles = {key: h.title for key, h in hazards.items()}
    everything = set(titles.values())
    assert visible_titles(personas.admin) == everything
    assert visible_titles(personas.town_handler) == {
        titles["own_grid_ebike"], titles["own_grid_road"], titles["next_village_fire"]}
    # One unit too far: the next village of the same town is outside a grid worker's reach.
    assert visible_titles(personas.grid_worker) == {
        titles["own_grid_ebike"], titles["own_grid_road"]}
    # The fire department sees fire categories district-wide, and nothing else.
    assert visible_titles(personas.fire_handler) == {
        titles["own_grid_ebike"], titles["next_village_fire"], titles["shiliang_ebike"]}
    assert visible_titles(personas.outsider) == {titles["shiliang_ebike"], titles["shiliang_road"]}


def test_anonymous_and_roleless_users_see_nothing(hazards, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert not Case.objects.visible_to(AnonymousUser()).exists()
    nobody = django_user_model.objects.create_user("nobody", password="x-very-long-pass")
    assert not Case.objects.visible_to(nobody).exists()


def test_counts_go_through_the_same_rule(hazards, personas):
    assert Case.objects.visible_to(personas.outsider).filter(unit_prefix__startswith="330802007").count() == 0
    assert Case.objects.visible_to(personas.town_handler).count() == 3


def test_rank_needs_town_level_for_town_decisions(hazards, personas):
    hazard = hazards["own_grid_ebike"]
    assert scope_for(personas.grid_worker).rank_for(hazard) == 2
    assert scope_for(personas.grid_worker).rank_for(hazard, town_or_above=True) == 0
    assert scope_for(personas.town_handler).rank_for(hazard, town_or_above=True) == 2
    assert scope_for(personas.fire_handler).rank_for(hazard, town_or_above=True) == 2
    assert scope_for(personas.fire_handler).rank_for(hazards["own_grid_road"]) == 0
    assert scope_for(personas.outsider).rank_for(hazard) == 0


def test_new_role_takes_effect_once_the_cached_scope_is_dropped(hazards, personas, shiliang):
    outsider = personas.outsider
    assert not scope_for(outsider).covers(hazards["own_grid_road"])
    Role.objects.create(user=outsider, unit=Unit.objects.get(name="航埠镇"), role=RoleName.VIEWER)
    forget_scope(outsider)
    assert scope_for(outsider).covers(hazards["own_grid_road"])


def test_district_admin_may_edit_deadline_policies_in_the_admin_site(personas, client):
    client.force_login(personas.admin)
    page = client.get("/admin/core/deadlinepolicy/add/")
    assert page.status_code == 200
    created = client.post("/admin/core/deadlinepolicy/add/", {
        "case_kind": "hazard", "category": "road", "severity": "", "duration": "10",
        "day_type": "working", "extension_allowed": "on", "extension_duration": "5", "note": "区定",
    })
    assert created.status_code == 302
    from pingan.core.models import DeadlinePolicy

    assert DeadlinePolicy.objects.get(category="road").duration == 10
    # Events are read-only, even for the district admin.
    assert client.get("/admin/core/event/add/").status_code == 403
    client.force_login(personas.town_handler)
    assert client.get("/admin/core/deadlinepolicy/add/").status_code == 302  # not staff: to login


# --- A department reaches the cases it leads -----------------------------------------------


def _led_case(*, unit, department, kind="task", category="catch_up", title="牵头事项"):
    """A bare case of ``kind`` filed at ``unit`` and handled by ``department``."""
    from django.utils import timezone

    return Case.objects.create(ref=f"T{Case.objects.count() + 1:06d}", kind=kind, title=title,
                               category=category, status="assigned", unit=unit, unit_prefix=unit.prefix,
                               department=department, opened_at=timezone.now())


@pytest.fixture
def police(district):
    return Unit.objects.get(kind=UnitKind.DEPARTMENT, name="公安分局")


@pytest.fixture
def fraud_officer(police):
    from pingan.demo.district import demo_login, demo_role

    user = demo_login("police_fraud", "公安分局 反诈民警")
    demo_role(user, police, RoleName.HANDLER, "反诈民警", "fraud")
    return user


def test_a_department_of_another_domain_reaches_what_it_leads(police, hangbu, fraud_officer, personas):
    filed_at_it = _led_case(unit=police, department=police, title="全区反诈追赶")
    led_for_a_town = _led_case(unit=hangbu, department=police, title="航埠镇反诈追赶")
    someone_elses = _led_case(unit=hangbu, department=None, title="航埠镇其他督办")
    reached = set(Case.objects.visible_to(fraud_officer).values_list("pk", flat=True))
    assert {filed_at_it.pk, led_for_a_town.pk} <= reached and someone_elses.pk not in reached
    scope = scope_for(fraud_officer)
    assert scope.covers(filed_at_it) and scope.covers(led_for_a_town) and not scope.covers(someone_elses)
    # Nobody else's department reaches them: the fire brigade's handler, a town's outsider.
    for user in (personas.fire_handler, personas.outsider):
        assert not Case.objects.visible_to(user).filter(pk__in=[filed_at_it.pk, led_for_a_town.pk]).exists()


def test_a_kind_the_department_holds_lines_of_stays_within_its_domain(district, hangbu):
    """The fire brigade handles fire hazards: a petitions-domain role there does not reach a
    hazard the brigade handles, though the brigade leads it."""
    from pingan.demo.district import demo_login, demo_role

    fire = Unit.objects.get(kind=UnitKind.DEPARTMENT, name="消防救援大队")
    clerk = demo_login("fire_petitions", "消防 信访联络员")
    demo_role(clerk, fire, RoleName.HANDLER, "信访联络员", "petitions")
    hazard = _led_case(unit=hangbu, department=fire, kind="hazard", category="fire", title="仓库消防")
    assert not Case.objects.visible_to(clerk).filter(pk=hazard.pk).exists()
    assert not scope_for(clerk).covers(hazard)
