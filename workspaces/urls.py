from django.urls import path

from . import joining, views

app_name = "workspaces"

workspace = "workspaces/<slug:slug>"

urlpatterns = [
    path("workspaces/", views.workspaces, name="list"),
    path(f"{workspace}/members/", views.members, name="members"),
    path(f"{workspace}/members/<int:pk>/role/", views.member_role, name="member_role"),
    path(f"{workspace}/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path(f"{workspace}/invitations/", views.invite, name="invite"),
    path(
        f"{workspace}/invitations/<uuid:public_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(f"{workspace}/clients/", views.clients, name="clients"),
    path(f"{workspace}/clients/add/", views.client_add, name="client_add"),
    path(f"{workspace}/projects/add/", views.project_add, name="project_add"),
    path(f"{workspace}/clients/<uuid:public_id>/", views.client_edit, name="client_edit"),
    path(f"{workspace}/projects/<uuid:public_id>/", views.project_edit, name="project_edit"),
    path("invitations/<str:token>/", joining.invitation, name="invitation"),
]
