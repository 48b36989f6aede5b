from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("prefs/large-type", views.toggle_large_type, name="large_type"),
    path("audit/", views.audit, name="audit"),
]
