from django.urls import path

from . import views

app_name = "videos"

urlpatterns = [
    path("", views.home, name="home"),
    path("keys/", views.keys, name="keys"),
    path("keys/<uuid:public_id>/", views.key_detail, name="key_detail"),
    path("keys/<uuid:public_id>/replace/", views.key_replace, name="key_replace"),
    path("keys/<uuid:public_id>/verify/", views.key_verify, name="key_verify"),
    path("keys/<uuid:public_id>/delete/", views.key_delete, name="key_delete"),
]
