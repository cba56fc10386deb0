from django.urls import path

from . import views

app_name = "campaigns"

campaign = "campaigns/<uuid:public_id>"

urlpatterns = [
    path("campaigns/", views.campaigns, name="list"),
    path("w/<slug:workspace>/campaigns/", views.campaigns, name="list"),
    # The generate form, sent with its "Plan the campaign" button.
    path("campaigns/plan/", views.plan, name="plan"),
    path(f"{campaign}/", views.campaign, name="campaign"),
    path(f"{campaign}/start/", views.start, name="start"),
    path(f"{campaign}/discard/", views.discard, name="discard"),
    path(f"{campaign}/compare/", views.compare, name="compare"),
    path(f"{campaign}/package.zip", views.package, name="package"),
]
