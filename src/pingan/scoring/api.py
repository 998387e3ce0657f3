"""The league table's API under ``/api/v1/league``."""

from ninja import Router

router = Router(tags=["league"])
