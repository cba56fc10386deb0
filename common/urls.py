from django.urls import path

from . import views

app_name = "common"

urlpatterns = [
    path("uploads/", views.upload, name="upload"),
    path("uploads/<uuid:public_id>/", views.upload_file, name="upload_file"),
    path("uploads/<uuid:public_id>/remove/", views.upload_remove, name="upload_remove"),
]
