from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.search_page, name="search"),
    path("items/<str:code>/", views.item_page, name="item"),
    path("guides/<int:pk>/", views.guide_page, name="guide"),
    path("scenarios/", views.scenario_list, name="scenarios"),
    path("scenarios/<slug:code>/", views.scenario_page, name="scenario"),
    path("synonyms/", views.synonyms, name="synonyms"),
    path("synonyms/<int:pk>/", views.synonym_edit, name="synonym_edit"),
    path("synonyms/<int:pk>/delete", views.synonym_delete, name="synonym_delete"),
    path("reindex", views.reindex, name="reindex"),
]
