"""Fixtures shared by every app's tests: the demo district and its five personas.

    admin         district admin (柯城区)
    town_handler  航埠镇 handler
    grid_worker   handler at a grid cell in 航埠镇
    fire_handler  消防救援大队 handler (sees fire categories district-wide)
    outsider      石梁镇 handler: must never see 航埠镇's items
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import zoneinfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import override_settings
from django.urls import reverse

from pingan.core.models import Unit, UnitKind
from pingan.demo.district import DEMO_PASSWORD, Personas, build_district, build_personas
from pingan.testing import tiny_png


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """MD5 instead of PBKDF2 for the whole run: every persona made and every login hashed
    costs a millisecond rather than a third of a second of CPU. No test is about the
    hasher's strength; the project's setting stays PBKDF2."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session")
def django_db_setup(_fast_password_hasher, django_db_setup, django_db_blocker):
    """Build the district once for the session; tests roll back around it. A transactional
    test flushes it, and the ``district`` fixture then builds it again."""
    with django_db_blocker.unblock():
        build_district(grids_per_village=1)
        _remember(build_personas())


# The session's personas, as (primary key, username) by Personas field: each test reads them
# afresh (one query) instead of running build_personas' forty get_or_creates again.
_session_personas: dict[str, tuple[int, str]] = {}


def _remember(personas: Personas) -> Personas:
    for field in dataclasses.fields(Personas):
        user = getattr(personas, field.name)
        _session_personas[field.name] = (user.pk, user.username)
    return personas


# The days a date computation most often gets wrong. A test marked ``edge_days`` runs once on
# each, with the clock frozen there (ticking) at 10:00 in the district's time zone.
EDGE_DAYS = {
    "ordinary": dt.date(2026, 6, 16),
    "month-end": dt.date(2026, 4, 30),
    "year-end": dt.date(2026, 12, 31),
    "leap-day": dt.date(2028, 2, 29),
}
DISTRICT_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def _ten_am(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=DISTRICT_TZ)


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("edge_days"):
        metafunc.fixturenames.insert(0, "edge_day")  # before any login or data
        metafunc.parametrize("edge_day", list(EDGE_DAYS.values()), ids=list(EDGE_DAYS), indirect=True)


@pytest.fixture
def edge_day(request, _suite_today):  # inside the run's travel, so the test's own day wins
    with time_machine.travel(_ten_am(request.param), tick=True):
        yield request.param


@pytest.fixture(autouse=True)
def _suite_today():
    """With PINGAN_TEST_TODAY=YYYY-MM-DD the whole run travels to that day (a test's own
    freeze still wins): it finds the tests that depend on today without freezing it."""
    today = os.environ.get("PINGAN_TEST_TODAY")
    if not today:
        yield
        return
    with time_machine.travel(_ten_am(dt.date.fromisoformat(today)), tick=True):
        yield


@pytest.fixture(autouse=True)
def _platform_language():
    """Each test starts in the platform's language: a request in English (the test client's
    Accept-Language) leaves its language active in the thread, which would otherwise decide
    the messages of whichever test runs next."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _holiday_schedule_read_afresh():
    """Each test reads the holiday schedule from its own database state: the one kept in
    memory may hold a year that an earlier test confirmed and then rolled back."""
    from pingan.core.holidays import forget_schedule

    forget_schedule()
    yield
    forget_schedule()


@pytest.fixture(autouse=True)
def _national_petition_profile(settings):
    """The petition tests count the national terms. The test district's code (330802) would
    set it up with Zhejiang's, as the demo is (petitions.profiles.profile_in_force): tests of
    that set-up clear the setting."""
    settings.PINGAN_PETITION_PROFILE = "national"


@pytest.fixture
def district(db) -> Unit:
    return build_district(grids_per_village=1)


@pytest.fixture
def personas(district) -> Personas:
    """The five personas, fresh instances for each test. Made once for the session; made again
    when they are gone (a transactional test flushes the database)."""
    users = get_user_model().objects.in_bulk([pk for pk, _ in _session_personas.values()])
    if all(pk in users and users[pk].username == username for pk, username in _session_personas.values()):
        return Personas(**{name: users[pk] for name, (pk, _) in _session_personas.items()})
    return _remember(build_personas())


@pytest.fixture
def hangbu(district) -> Unit:
    return Unit.objects.get(name="航埠镇")


@pytest.fixture
def shiliang(district) -> Unit:
    return Unit.objects.get(name="石梁镇")


@pytest.fixture
def worker_grid(personas) -> Unit:
    """The grid cell where the grid worker holds their role."""
    return personas.grid_worker.roles.get().unit


@pytest.fixture
def hangbu_village(worker_grid) -> Unit:
    return worker_grid.parent


@pytest.fixture
def photo() -> tuple[str, bytes]:
    return ("before.png", tiny_png())


@pytest.fixture
def make_hazard(personas, worker_grid, photo):
    """Report a hazard through the service (as the grid worker, in their grid, by default)."""
    from pingan.hazards.services import hazard_report

    def make(**overrides):
        fields = {
            "actor": personas.grid_worker,
            "unit": worker_grid,
            "title": "楼道内电动车充电",
            "category": "ebike_charging",
            "photos": [photo],
        }
        fields.update(overrides)
        return hazard_report(**fields)

    return make


@pytest.fixture
def grid_in(district):
    def pick(town_name: str) -> Unit:
        return (
            Unit.objects.filter(kind=UnitKind.GRID, parent__parent__name=town_name)
            .order_by("prefix")
            .first()
        )

    return pick


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium driven by Playwright (which cannot download a browser here)."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is not installed: scripts/test.sh installs it")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API leaves its event loop set as running, so Django takes the test's
    # own (synchronous) ORM calls for async code and refuses them without this.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
        # Connections opened while Playwright's loop was current belong to its context; close
        # them here, or PostgreSQL refuses to drop the test database at the end.
        connections.close_all()


# A shared 2-core machine can be slow to answer a POST that rewrites a page: wait longer
# than Playwright's 30 s before calling a step failed.
BROWSER_TIMEOUT_MS = 90_000


def answered(page):
    """Wait for the page a click leads to: its document, not every image and font on it. On a
    busy machine the load event after a step's POST has kept a test waiting past 90 s."""
    return page.expect_navigation(wait_until="domcontentloaded")


def browser_login(page, live_server, username: str) -> None:
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(live_server.url + reverse("my-work"))


PHONE_SCREEN = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
                "has_touch": True, "locale": "zh-CN"}


def phone_login(browser, live_server, username: str):
    """A phone-sized page logged in as ``username``, and the list its script errors go to."""
    page = browser.new_context(**PHONE_SCREEN).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(page, live_server, username)
    return page, errors


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

