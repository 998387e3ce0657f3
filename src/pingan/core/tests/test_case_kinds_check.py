"""Every kind of case is placed in a domain and has a page, or the platform refuses to start:
an unlisted kind would be reached by every domain's roles."""

import pytest
from django.core import management
from django.core.management.base import SystemCheckError

from pingan.core.checks import every_case_kind_is_placed


def test_the_platforms_kinds_are_all_placed():
    assert every_case_kind_is_placed(None) == []


def test_a_kind_in_no_domain_stops_the_platform(settings):
    domains = settings.PINGAN_CASE_DOMAINS
    settings.PINGAN_CASE_DOMAINS = {kind: d for kind, d in domains.items() if kind != "fraud_warning"}
    problems = every_case_kind_is_placed(None)
    assert [(p.id, p.obj) for p in problems] == [("pingan.E003", None)]
    assert "dissuasion.WarningOrder" in problems[0].msg and "fraud_warning" in problems[0].msg
    with pytest.raises(SystemCheckError, match="pingan.E003"):
        management.call_command("check")


def test_a_kind_with_no_page_is_named(settings):
    settings.PINGAN_CASE_PAGES = {k: page for k, page in settings.PINGAN_CASE_PAGES.items() if k != "hazard"}
    assert [p.id for p in every_case_kind_is_placed(None)] == ["pingan.E004"]
