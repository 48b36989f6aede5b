from django.urls import path

from . import views

app_name = "licenses"
urlpatterns = [
    path("", views.license_list, name="list"),
    path("mine/", views.license_list, {"mine": True}, name="mine"),
    path("types/", views.type_list, name="types"),
    path("issue/", views.issue, name="issue"),
    path("<str:identifier>/", views.detail, name="detail"),
    path("<str:identifier>/credential.json", views.credential_download, name="credential"),
    path("<str:identifier>/<str:action>", views.act, name="act"),
]
