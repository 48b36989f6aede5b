from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("enterprises/", views.enterprises, name="enterprises"),
    path("enterprises/options/", views.enterprise_options, name="enterprise_options"),
    path("enterprises/<int:pk>/", views.enterprise, name="enterprise"),
    path("enterprises/<int:pk>/assign", views.enterprise_assign, name="enterprise_assign"),
    path("stewards/", views.stewards, name="stewards"),
    path("stewards/<int:pk>/", views.steward, name="steward"),
    path("stewards/<int:pk>/assign", views.steward_bulk_assign, name="steward_assign"),
    path("coverage/", views.coverage, name="coverage"),
    path("progress/", views.progress, name="progress"),
]
