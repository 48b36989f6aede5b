"""URL map: web pages per app, the API under /api/v1/, JSON 404s for unknown API routes."""

from django.contrib import admin
from django.urls import include, path, re_path

from zhitongche.api.api import api, api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),
    path("accounts/", include("zhitongche.accounts.urls")),
    path("regions/", include("zhitongche.regions.urls")),
    path("appeals/", include("zhitongche.appeals.urls")),
    path("interactions/", include("zhitongche.interactions.urls")),
    path("licenses/", include("zhitongche.licenses.urls")),
    path("", include("zhitongche.licenses.public_urls")),
    path("assessment/", include("zhitongche.assessment.urls")),
    path("registry/", include("zhitongche.registry.urls")),
    path("imports/", include("zhitongche.imports.urls")),
    path("catalog/", include("zhitongche.catalog.urls")),
    path("", include("zhitongche.core.urls")),
]
