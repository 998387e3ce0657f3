"""The petition profile in force is the district's, kept in the database: set up from the
setting or the division code, switched by the district admin on the petition rules page
(recorded: who, when, from, to, why), and applied to the petitions registered afterwards."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from pingan.core import errors
from pingan.core.models import ConfigurationChange, Role, RoleName, Unit
from pingan.demo.district import DISTRICT_CODE
from pingan.petitions import profiles
from pingan.petitions.models import Profile, ProfileBasis, ProfileInForce
from pingan.petitions.profiles import (
    current_profile,
    petition_profile_switch,
    profile_in_force,
)
from pingan.petitions.tests.test_views import client_for

pytestmark = pytest.mark.django_db

URL = "/petitions/settings/"
NOW = "2026-03-02 09:00 +08:00"


def switch(actor, profile="zhejiang", expected="national", reason="省信访局通知"):
    return petition_profile_switch(actor=actor, profile=profile, expected=expected, reason=reason)


@pytest.mark.parametrize(("code", "profile"), [
    ("330802000000", Profile.ZHEJIANG),  # 衢州市柯城区, the demo district
    ("330100000000", Profile.ZHEJIANG),  # 杭州市: a city as the root works the same way
    ("340102000000", Profile.NATIONAL),  # 合肥市瑶海区, next door in Anhui
    ("110105000000", Profile.NATIONAL),  # 北京市朝阳区
])
def test_without_the_setting_the_division_code_picks_the_profile(settings, district, code, profile):
    settings.PINGAN_PETITION_PROFILE = ""
    Unit.objects.filter(pk=district.pk).update(code=code)
    record = profile_in_force()
    assert (record.profile, record.basis, record.seq) == (profile, ProfileBasis.DIVISION_CODE, 1)
    assert record.switched_by is None and record.previous == ""


def test_the_demo_district_runs_the_zhejiang_profile(settings, district):
    settings.PINGAN_PETITION_PROFILE = ""
    assert profiles.petition_settings_are_complete(None) == []  # empty is a valid setting
    assert district.prefix == DISTRICT_CODE
    assert current_profile() == Profile.ZHEJIANG


def test_the_setting_wins_at_set_up_and_then_no_longer_matters(settings, district):
    settings.PINGAN_PETITION_PROFILE = "national"
    assert (profile_in_force().profile, profile_in_force().basis) == (Profile.NATIONAL, ProfileBasis.SETTING)
    settings.PINGAN_PETITION_PROFILE = "zhejiang"
    assert current_profile() == Profile.NATIONAL
    assert ProfileInForce.objects.count() == 1


def test_before_there_is_a_district_nothing_is_set_up(settings, monkeypatch):
    monkeypatch.setattr(profiles, "district", lambda: None)
    settings.PINGAN_PETITION_PROFILE = ""
    assert profile_in_force() is None and current_profile() == Profile.NATIONAL
    settings.PINGAN_PETITION_PROFILE = "zhejiang"
    assert current_profile() == Profile.ZHEJIANG
    assert not ProfileInForce.objects.exists()


def test_a_switch_is_recorded_and_applies_to_petitions_registered_after_it(personas, make_petition):
    with time_machine.travel(NOW, tick=False):
        before = make_petition()
        record = switch(personas.admin)
        after = make_petition()
    assert (record.seq, record.previous, record.profile) == (2, "national", "zhejiang")
    assert (record.switched_by, record.basis, record.reason) == (personas.admin, ProfileBasis.SWITCH,
                                                                 "省信访局通知")
    assert record.since.isoformat() == "2026-03-02T01:00:00+00:00"
    assert [r.profile for r in ProfileInForce.objects.all()] == ["zhejiang", "national"]
    (audit,) = ConfigurationChange.objects.filter(model="petitions.profileinforce")
    assert (audit.actor, audit.before, audit.after, audit.message) == (
        personas.admin, {"profile": "national"}, {"profile": "zhejiang"}, "省信访局通知")
    before.refresh_from_db()
    assert (before.profile, after.profile) == ("national", "zhejiang")
    # Zhejiang: acceptance within 5 working days (浙江 art. 20), national 15 calendar days.
    assert f"{before.acceptance_due_at:%m-%d}" == "03-17" and f"{after.acceptance_due_at:%m-%d}" == "03-09"


@pytest.fixture
def town_admin(hangbu):
    user = get_user_model().objects.create_user("hangbu-admin", first_name="航埠镇管理员")
    Role.objects.create(user=user, unit=hangbu, role=RoleName.ADMIN)
    return user


def test_only_the_district_admin_may_switch(personas, town_admin):
    profile_in_force()
    for actor in (town_admin, personas.town_handler, personas.fire_handler):
        with pytest.raises(errors.PermissionDenied):
            switch(actor)
        assert client_for(actor).get(URL).status_code == 403
    assert ProfileInForce.objects.count() == 1 and current_profile() == Profile.NATIONAL


@pytest.mark.parametrize(("change", "error", "message"), [
    ({"profile": "national"}, errors.DomainError, "现行已是全国"),
    ({"expected": "zhejiang"}, errors.StaleEdit, "适用规则刚被切换"),
    ({"reason": "  "}, errors.DomainError, "请说明切换原因"),
    ({"profile": "beijing"}, errors.DomainError, "beijing"),
])
def test_a_refused_switch_changes_nothing(personas, change, error, message):
    profile_in_force()
    with pytest.raises(error) as refused:
        switch(personas.admin, **change)
    assert message in refused.value.message
    assert ProfileInForce.objects.count() == 1 and current_profile() == Profile.NATIONAL


def test_two_switches_from_the_same_record_land_once(personas):
    first = switch(personas.admin)
    with pytest.raises(errors.StaleEdit) as refused:
        switch(personas.admin)  # made from the page that still showed national in force
    assert "区平安办管理员" in refused.value.message and "浙江" in refused.value.message
    assert ProfileInForce.objects.first() == first


def test_a_switch_racing_another_is_refused_by_the_database(personas, monkeypatch):
    """Both read the set-up record before either wrote: the unique number lets one land."""
    setup = profile_in_force()
    first = switch(personas.admin)
    monkeypatch.setattr(profiles, "profile_in_force", lambda: setup)  # the slower one's read
    with pytest.raises(errors.StaleEdit) as refused:
        switch(personas.admin, reason="同时切换")
    assert "区平安办管理员" in refused.value.message
    assert list(ProfileInForce.objects.all()) == [first, setup]


def test_the_page_asks_for_confirmation_then_switches(personas):
    client = client_for(personas.admin)
    page = client.get(URL)
    body = page.content.decode()
    assert page.status_code == 200 and 'data-in-force="national"' in body
    assert "《浙江省信访条例》第二十三条" in body and "《信访工作条例》第三十四条" in body
    assert "地方惯例（无法定期限）" in body and "5 个工作日" in body

    asked = client.post(URL, {"profile": "zhejiang", "expected": "national", "reason": "省信访局通知"})
    text = asked.content.decode()
    assert asked.status_code == 200 and "data-confirm" in text and "确认切换" in text
    assert ProfileInForce.objects.count() == 1

    done = client.post(URL, {"profile": "zhejiang", "expected": "national", "reason": "省信访局通知",
                             "confirmed": "on"}, follow=True)
    text = done.content.decode()
    assert 'data-in-force="zhejiang"' in text and "此后新登记的信访事项按浙江" in text
    assert "区平安办管理员" in text and "省信访局通知" in text
    assert current_profile() == Profile.ZHEJIANG


def test_the_page_refuses_a_confirmation_that_came_too_late(personas):
    client = client_for(personas.admin)
    switch(personas.admin)
    late = client.post(URL, {"profile": "zhejiang", "expected": "national", "reason": "再切一次",
                             "confirmed": "on"})
    assert late.status_code == 409 and "适用规则刚被切换" in late.content.decode()
    same = client.post(URL, {"profile": "zhejiang", "expected": "zhejiang", "reason": "x"})
    assert same.status_code == 400 and "data-confirm" not in same.content.decode()
    assert ProfileInForce.objects.count() == 2


def test_the_calculator_and_a_petition_show_their_profile_and_article(personas, make_petition, xinfang):
    national = make_petition()
    switch(personas.admin)
    zhejiang = make_petition()
    client = client_for(xinfang)
    page = client.get(reverse("petitions:detail", args=[national.ref])).content.decode()
    assert "全国（《信访工作条例》，2022年）" in page and "《信访工作条例》第三十四条" in page
    page = client.get(reverse("petitions:detail", args=[zhejiang.ref])).content.decode()
    assert "浙江（《浙江省信访条例》）" in page and "《浙江省信访条例》第二十三条" in page
    assert "《浙江省信访条例》第二十条" in page  # acceptance in 5 working days

    calculator = client.get(reverse("deadline")).content.decode()
    assert 'data-in-force="zhejiang"' in calculator and '<option value="zhejiang" selected>' in calculator
    assert reverse("petitions:settings") not in calculator  # not the clerk's to change
    result = client.get(reverse("deadline"), {"profile": "national", "rule": "suggestion_reply",
                                                        "start": "2026-03-02"}).content.decode()
    assert "地方惯例（无法定期限）" in result and "local practice" not in result


def test_the_record_is_read_only_in_the_admin_site(personas):
    switch(personas.admin)
    client = client_for(personas.admin)
    listing = client.get("/admin/petitions/profileinforce/")
    assert listing.status_code == 200 and "省信访局通知" in listing.content.decode()
    record = ProfileInForce.objects.first()
    deleted = client.post(f"/admin/petitions/profileinforce/{record.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    assert ProfileInForce.objects.count() == 2
