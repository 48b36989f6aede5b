from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:job_id>/", views.job, name="job"),
    path("<int:job_id>/errors.xlsx", views.error_file, name="errors"),
    path("templates/<slug:kind>.xlsx", views.template_file, name="template"),
]
