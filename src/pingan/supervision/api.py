"""The supervision API under ``/api/v1/supervision``: tasks, and meetings and circulars."""

from ninja import Router

from pingan.supervision.meeting_api import meeting_router

task_router = Router(tags=["supervision"])

__all__ = ["meeting_router", "task_router"]
