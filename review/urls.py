from django.urls import path

from . import views

app_name = "review"

clip = "videos/<uuid:public_id>/clips/<int:number>"
comment = f"{clip}/comments/<uuid:comment>"
# The same clip pages for the guests of a share link (the link's own pages live beside them).
guest_clip = "s/<str:token>/clip/<uuid:public_id>/<int:number>"
guest_comment = f"{guest_clip}/comments/<uuid:comment>"

urlpatterns = [
    path(f"{clip}/review/", views.clip_review, name="clip"),
    path(f"{clip}/comments/", views.comment_add, name="comment"),
    path(f"{comment}/reply/", views.comment_reply, name="reply"),
    path(f"{comment}/resolve/", views.comment_resolve, name="resolve"),
    path(f"{comment}/reopen/", views.comment_reopen, name="reopen"),
    path(f"{clip}/revise/", views.revise, name="revise"),
    path(f"{clip}/verdict/", views.verdict, name="verdict"),
    path(
        "workspaces/<slug:slug>/projects/<uuid:public_id>/review/",
        views.project_review,
        name="project",
    ),
    path(f"{guest_clip}/", views.guest_clip, name="guest_clip"),
    path(f"{guest_clip}/comments/", views.guest_comment, name="guest_comment"),
    path(f"{guest_comment}/reply/", views.guest_reply, name="guest_reply"),
    path(f"{guest_comment}/resolve/", views.guest_resolve, name="guest_resolve"),
    path(f"{guest_comment}/reopen/", views.guest_reopen, name="guest_reopen"),
    path(f"{guest_clip}/verdict/", views.guest_verdict, name="guest_verdict"),
]
