"""The settings `pingan serve` runs with in test_serve: the project's own, except that the
static files are copied without WhiteNoise's compression. Compressing every vendored file
(ECharts, Bootstrap, Swagger UI: some 80 MB) took half of that test's time and is
WhiteNoise's business, not what the test proves (the server answers, the worker runs beside
it and ends with it)."""

from pingan.settings import *  # noqa: F403 (all of the project's settings, one replaced)
from pingan.settings import STORAGES

STORAGES = STORAGES | {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
