from django.urls import path

from . import views

app_name = "interactions"
urlpatterns = [
    path("", views.stats, name="stats"),
    path("list/", views.interaction_list, name="list"),
    path("new/", views.record, name="record"),
]
