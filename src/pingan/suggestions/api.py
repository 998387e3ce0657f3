"""The suggestions API: ``/api/v1/suggestions``."""

from ninja import Router

router = Router(tags=["suggestions"])
