"""The supervision API under ``/api/v1/supervision``: tasks, and meetings and circulars."""

from ninja import Router

task_router = Router(tags=["supervision"])
meeting_router = Router(tags=["supervision"])
