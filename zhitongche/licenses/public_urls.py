"""Public addresses outside /licenses/: the DID document, status lists and the verification pages."""

from django.urls import path

from . import views

app_name = "licenses_public"
urlpatterns = [
    path(".well-known/did.json", views.did_json, name="did"),
    path("credentials/status/<int:list_id>", views.status_list, name="status_list"),
    path("verify/", views.verify_lookup, name="lookup"),
    path("verify/<str:identifier>", views.verify_page, name="verify"),
    path("verify/<str:identifier>/qr.svg", views.qr_svg, name="qr"),
]
