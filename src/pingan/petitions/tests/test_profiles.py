"""Both profiles' numbers are seeded from the settings, shown and edited in the admin site,
and from then on the admin's numbers are the ones in force."""

import datetime as dt

import pytest
from django.core import checks
from django.test import Client

from pingan.core.calculator import calculate
from pingan.core.models import DayType
from pingan.petitions.models import PetitionRule, PetitionRuleSet
from pingan.petitions.profiles import petition_settings_are_complete, rulebook
from pingan.petitions.services import petition_transition

pytestmark = pytest.mark.django_db
ADMIN_URL = "/admin/petitions/petitionruleset/"


def test_both_profiles_are_seeded_from_the_settings(settings):
    for profile, defaults in settings.PINGAN_PETITION_PROFILES.items():
        ruleset = PetitionRuleSet.objects.get(profile=profile)
        assert ruleset.extension_max_days == defaults["extension_max_days"]
        assert ruleset.extension_cap_days == defaults["extension_cap_days"]
        stored = {r.rule: (r.days, r.day_type) for r in ruleset.rules.all()}
        assert stored == {rule: tuple(defaults[rule]) for rule in stored}
        assert len(stored) == 9
    zhejiang = rulebook("zhejiang")
    acceptance = zhejiang.term("acceptance")
    assert (acceptance.duration, acceptance.day_type) == (5, DayType.WORKING)
    assert (zhejiang.extension_max_days, zhejiang.extension_cap_days) == (60, 90)


def test_a_missing_rule_is_seeded_again_and_an_edited_one_kept():
    PetitionRule.objects.filter(ruleset__profile="national", rule="objection").delete()
    PetitionRule.objects.filter(ruleset__profile="national", rule="route").update(days=10)
    book = rulebook("national")
    assert book.term("objection").duration == 5
    assert book.term("route").duration == 10


def _admin_client(personas) -> Client:
    client = Client()
    client.force_login(personas.admin)  # the district admin, staff but not superuser
    return client


def test_the_district_admin_sees_both_profiles(personas):
    client = _admin_client(personas)
    body = client.get(ADMIN_URL).content.decode()
    assert "全国（《信访工作条例》，2022年）" in body and "浙江（《浙江省信访条例》）" in body
    zhejiang = PetitionRuleSet.objects.get(profile="zhejiang")
    page = client.get(f"{ADMIN_URL}{zhejiang.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "决定是否受理并告知" in text and "《浙江省信访条例》第二十条" in text
    assert client.get(f"{ADMIN_URL}add/").status_code == 403  # profiles are not invented here


def _change_form(ruleset, **days) -> dict:
    """The change form as the browser posts it, with ``days`` changed per rule."""
    rules = list(ruleset.rules.order_by("id"))
    data = {"extension_max_days": ruleset.extension_max_days,
            "extension_cap_days": ruleset.extension_cap_days or "",
            "rules-TOTAL_FORMS": len(rules), "rules-INITIAL_FORMS": len(rules),
            "rules-MIN_NUM_FORMS": 0, "rules-MAX_NUM_FORMS": 1000}
    for i, rule in enumerate(rules):
        data |= {f"rules-{i}-id": rule.pk, f"rules-{i}-ruleset": ruleset.pk,
                 f"rules-{i}-days": days.get(rule.rule, rule.days),
                 f"rules-{i}-day_type": rule.day_type, f"rules-{i}-source": rule.source}
    return data


def test_an_edit_in_the_admin_takes_effect(personas, make_petition, settings):
    client = _admin_client(personas)
    zhejiang = PetitionRuleSet.objects.get(profile="zhejiang")
    data = _change_form(zhejiang, resolution=20) | {"extension_max_days": 45}
    response = client.post(f"{ADMIN_URL}{zhejiang.pk}/change/", data)
    assert response.status_code == 302
    assert calculate(profile="zhejiang", rule="resolution", start=dt.date(2026, 3, 2)).days == 20
    assert rulebook("zhejiang").extension_max_days == 45
    settings.PINGAN_PETITION_PROFILE = "zhejiang"
    petition = make_petition()
    petition_transition(petition=petition, name="accept", actor=personas.town_handler,
                        expected_version=petition.version)
    petition.refresh_from_db()
    assert petition.resolution_days == 20


def test_the_admin_refuses_a_term_of_zero_days(personas):
    client = _admin_client(personas)
    national = PetitionRuleSet.objects.get(profile="national")
    response = client.post(f"{ADMIN_URL}{national.pk}/change/", _change_form(national, acceptance=0))
    assert response.status_code == 200  # the form again, with the error
    assert rulebook("national").term("acceptance").duration == 15


def test_reset_restores_the_settings_defaults(personas):
    PetitionRule.objects.filter(ruleset__profile="national", rule="resolution").update(days=45)
    PetitionRuleSet.objects.filter(profile="national").update(extension_max_days=10)
    client = _admin_client(personas)
    national = PetitionRuleSet.objects.get(profile="national")
    response = client.post(ADMIN_URL, {"action": "reset_to_defaults", "_selected_action": [national.pk]})
    assert response.status_code == 302
    book = rulebook("national")
    assert (book.term("resolution").duration, book.extension_max_days) == (60, 30)


def test_settings_are_checked_at_start(settings):
    assert petition_settings_are_complete(None) == []
    settings.PINGAN_PETITION_PROFILE = "beijing"
    settings.PINGAN_PETITION_PROFILES = {
        **settings.PINGAN_PETITION_PROFILES,
        "national": {**settings.PINGAN_PETITION_PROFILES["national"], "resolution": (0, "calendar")},
    }
    problems = petition_settings_are_complete(None)
    assert all(isinstance(p, checks.Error) and p.id == "pingan.E101" for p in problems)
    assert any("beijing" in p.msg for p in problems)
    assert any("'resolution'" in p.msg for p in problems)
