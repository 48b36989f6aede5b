from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.index, name="index"),
    path("systems/<str:code>/", views.system_detail, name="system"),
    path("systems/<str:code>/indicators/<str:indicator>/edit/", views.indicator_edit, name="indicator_edit"),
    path("observations/", views.observations, name="observations"),
    path("observations/template.xlsx", views.observation_template, name="observation_template"),
    path("results/", views.results, name="results"),
    path("results/export.xlsx", views.results_export, name="results_export"),
    path("results/<int:pk>/", views.result_detail, name="result"),
    path("db2020/", views.db2020_page, name="db2020"),
    path("db2020/preview", views.db2020_preview, name="db2020_preview"),
    path("db2020/whatif", views.db2020_whatif, name="db2020_whatif"),
    path("db2020/import", views.db2020_import, name="db2020_import"),
    path("db2020/template.xlsx", views.db2020_template, name="db2020_template"),
    path("db2020/scenarios/<int:pk>/export.xlsx", views.db2020_export, name="db2020_export"),
    path("plans/", views.plans, name="plans"),
    path("plans/actions/<int:pk>/status", views.action_status, name="action_status"),
]
