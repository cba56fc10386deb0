from django.urls import path

from . import views

app_name = "brand"

brand = "workspaces/<slug:slug>/brand"

urlpatterns = [
    path(f"{brand}/", views.kits, name="kits"),
    path(f"{brand}/kits/new/", views.kit_add, name="kit_add"),
    path(f"{brand}/kits/<uuid:public_id>/", views.kit_edit, name="kit_edit"),
    path(
        f"{brand}/kits/<uuid:public_id>/images/<int:number>",
        views.kit_image,
        name="kit_image",
    ),
    path(f"{brand}/presets/<uuid:public_id>/", views.preset_edit, name="preset_edit"),
]
