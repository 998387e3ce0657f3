"""The league's fixtures: a ranked league with realistic figures, and the supervised task
page its weak indicators link to."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, clear_url_caches, path, reverse

from pingan.scoring.tests.league_data import build_league


@pytest.fixture
def league(personas):
    return build_league()


@pytest.fixture
def task_page():
    """supervision:task-new as the tasks' branch mounts it: the weak indicators' buttons link
    there only when it exists."""
    from pingan.supervision import urls as supervision_urls

    try:
        reverse("supervision:task-new")
        yield
        return
    except NoReverseMatch:
        pass
    supervision_urls.urlpatterns.append(path("tasks/new/", lambda request: None, name="task-new"))
    clear_url_caches()
    yield
    supervision_urls.urlpatterns.pop()
    clear_url_caches()
