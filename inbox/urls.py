from django.urls import path

from . import views

app_name = "inbox"

urlpatterns = [
    path("notifications/", views.notifications, name="list"),
    path("notifications/read/", views.mark_all_read, name="mark_all_read"),
    path("notifications/<int:pk>/open/", views.open_notification, name="open"),
]
