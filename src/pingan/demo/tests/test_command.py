"""`pingan demo` walks the one registry of domain generators: an option for each domain's size,
each run in order with the same context, and each summary printed the same way."""

import io

import pytest
from django.core.management import call_command

from pingan.demo.management.commands import demo as demo_command
from pingan.demo.registry import DOMAIN_DEMOS
from pingan.hazards.models import Hazard
from pingan.petitions.models import Petition

pytestmark = pytest.mark.django_db


def test_every_domain_has_one_name_and_a_default_size():
    names = [demo.name for demo in DOMAIN_DEMOS]
    assert len(set(names)) == len(names)
    assert all(demo.default_count > 0 and demo.count_help for demo in DOMAIN_DEMOS)
    # The warning orders link to the fraud cases recorded before them.
    assert names.index("fraud") < names.index("warnings")
    # The league is computed from every domain; supervision follows its weak indicators; the
    # suggestions' key items are supervised by supervision's deputy district head.
    assert names[-3:] == ["league", "supervision", "suggestions"]


def test_a_small_demo_runs_every_domain_in_order(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    # The tests' session has the district already (without its year): the command must not
    # take it for a loaded demo.
    monkeypatch.setattr(demo_command, "DISTRICT_CODE", "not loaded")
    sizes = {"hazards": 8, "petitions": 20, "receptions": 5, "fraud": 40, "warnings": 10, "league": 2,
             "supervision": 2, "suggestions": 3}
    assert set(sizes) == {demo.name for demo in DOMAIN_DEMOS}
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("demo", "--no-serve", *(f"--{name}={n}" for name, n in sizes.items()),
                 stdout=stdout, stderr=stderr)

    assert Hazard.objects.count() == 8 and Petition.objects.count() > 0
    summaries = stderr.getvalue().splitlines()
    assert [line.split(" (")[0].split(" ", 1)[1] for line in summaries] == [
        "hazards", "petitions", "reception days", "fraud cases", "warning orders", "league values",
        "supervised tasks", "suggestions and proposals"]
    assert summaries[0].startswith("8 hazards (status: ")
    assert "Demo logins" in stdout.getvalue()
