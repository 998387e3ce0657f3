"""A fraud case's steps as a workflow.

    reported ─investigate→ investigating ─solve→ solved
        └──────────────close───────┴──→ closed (without solving: the note says why)

The police run the investigation on their own terms: the platform records where it stands.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pingan.core.workflow import Effect, Step, Transition, Workflow
from pingan.fraud.models import KIND, Status


def _tell_reporter(step: Step) -> Effect:
    """Whoever recorded the case hears how it ended."""
    return Effect(notify=[step.case.reporter])


FRAUD_WORKFLOW = Workflow(
    kind=KIND,
    states=dict(Status.choices),
    initial=Status.REPORTED,
    closed_states=frozenset({Status.SOLVED, Status.CLOSED}),
    transitions=(
        Transition("investigate", _("Open an investigation"), (Status.REPORTED,), Status.INVESTIGATING,
                   town_or_above=True),
        Transition("solve", _("Mark solved"), (Status.INVESTIGATING,), Status.SOLVED, town_or_above=True,
                   style="success", effect=_tell_reporter),
        Transition("close", _("Close without solving"), (Status.REPORTED, Status.INVESTIGATING),
                   Status.CLOSED, town_or_above=True, note_required=True, style="outline-danger",
                   effect=_tell_reporter),
    ),
)
