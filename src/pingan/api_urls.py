from django.urls import path
from ninja import NinjaAPI

api = NinjaAPI(title="Pingan API", version="1", urls_namespace="api", docs_url="/docs")

urlpatterns = [path("", api.urls)]
