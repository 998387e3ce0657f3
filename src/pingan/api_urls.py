"""The one REST API: ``/api/v1/…``, its OpenAPI schema at ``/api/openapi.json`` and the
Swagger UI at ``/api/docs``. Each app owns its router; this file only mounts them."""

from django.urls import path

from pingan.core.api import build_api, deadline_router, tokens_router, units_router
from pingan.dissuasion.api import fraud_paths as dissuasion_fraud_paths
from pingan.dissuasion.api import router as dissuasion_router
from pingan.fraud.api import router as fraud_router
from pingan.hazards.api import router as hazards_router
from pingan.petitions.api import router as petitions_router
from pingan.receptions.api import router as receptions_router
from pingan.scoring.api import router as scoring_router
from pingan.suggestions.api import router as suggestions_router
from pingan.supervision.api import meeting_router, task_router

api = build_api()
api.add_router("/v1/units", units_router)
api.add_router("/v1/tokens", tokens_router)
# Every domain's terms; the petitions' old path (/v1/petitions/deadline) answers too, deprecated.
api.add_router("/v1/deadline", deadline_router)
api.add_router("/v1/hazards", hazards_router)
api.add_router("/v1/petitions", petitions_router)
api.add_router("/v1/fraud", fraud_router)
# Warning orders answered under /v1/fraud before they had an app: deprecated, kept for clients.
api.add_router("/v1/fraud", dissuasion_fraud_paths)
api.add_router("/v1/dissuasion", dissuasion_router)
api.add_router("/v1/receptions", receptions_router)
api.add_router("/v1/league", scoring_router)
api.add_router("/v1/supervision", task_router)
api.add_router("/v1/supervision", meeting_router)
api.add_router("/v1/suggestions", suggestions_router)

urlpatterns = [path("", api.urls)]
