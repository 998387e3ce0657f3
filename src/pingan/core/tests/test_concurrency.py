"""Two people at once: one stale edit wins, the other is told; reference numbers never
collide. Real threads with their own database connections (a file database on SQLite)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import translation

from pingan.core import errors
from pingan.core.references import next_reference
from pingan.hazards.models import Hazard
from pingan.hazards.services import hazard_update

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(fn):
    def run(*args):
        try:
            return fn(*args)
        finally:
            connection.close()

    return run


def test_two_stale_edits_one_wins_the_other_is_refused(make_hazard, personas):
    hazard = make_hazard()
    copies = [Hazard.objects.get(pk=hazard.pk), Hazard.objects.get(pk=hazard.pk)]
    actors = [personas.town_handler, personas.grid_worker]
    titles = ["镇里改的标题", "网格员改的标题"]
    barrier = threading.Barrier(2)

    @in_thread
    def edit(i):
        translation.activate("en")
        barrier.wait()
        try:
            hazard_update(hazard=copies[i], actor=actors[i], expected_version=1,
                          changes={"title": titles[i]})
            return "saved"
        except errors.StaleEdit as refused:
            return refused.message

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(edit, [0, 1]))
    assert outcomes.count("saved") == 1
    refusal = next(o for o in outcomes if o != "saved")
    assert "Nothing was saved" in refusal
    stored = Hazard.objects.get(pk=hazard.pk)
    assert stored.version == 2
    assert stored.title == titles[outcomes.index("saved")]
    assert stored.events.filter(type="updated").count() == 1


def test_concurrent_reference_numbers_are_unique_and_gapless(district):
    barrier = threading.Barrier(6)

    @in_thread
    def take_five(_):
        barrier.wait()
        return [next_reference("YH", 2026) for _ in range(5)]

    with ThreadPoolExecutor(6) as pool:
        refs = [ref for batch in pool.map(take_five, range(6)) for ref in batch]
    assert len(set(refs)) == 30
    assert sorted(refs) == [f"YH-2026-{n:06d}" for n in range(1, 31)]
    # Years and kinds count separately.
    assert next_reference("YH", 2027) == "YH-2027-000001"
    assert next_reference("XF", 2026) == "XF-2026-000001"
