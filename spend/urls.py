from django.urls import path

from . import views

app_name = "spend"

scoped = "w/<slug:workspace>"
# Budgets are set inside one workspace (named by ``slug``, not a page of the workspace menu).
budgets = "workspaces/<slug:slug>/budgets"

urlpatterns = [
    path("spend/", views.overview, name="overview"),
    path("spend/export.csv", views.export, name="export"),
    path(f"{scoped}/spend/", views.overview, name="overview"),
    path(f"{scoped}/spend/export.csv", views.export, name="export"),
    path(f"{budgets}/", views.budget_set, name="budget_set"),
    path(f"{budgets}/<uuid:public_id>/remove/", views.budget_remove, name="budget_remove"),
]
