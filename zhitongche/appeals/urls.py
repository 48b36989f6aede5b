from django.urls import path

from . import views

app_name = "appeals"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.submit, name="submit"),
    path("list/", views.appeal_list, name="list"),
    path("pool/", views.pool, name="pool"),
    path("overdue/", views.overdue, name="overdue"),
    path("inbox/", views.inbox, name="inbox"),
    path("mine/", views.mine, name="mine"),
    path("stats/", views.stats, name="stats"),
    path("notifications/", views.notifications, name="notifications"),
    path("<int:appeal_id>/", views.detail, name="detail"),
    path("<int:appeal_id>/act/<str:action>/", views.act, name="act"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]
