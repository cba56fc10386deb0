"""Share links: managed by members; opened by guests under ``s/<token>/`` (counted and
rate limited by ``review.throttle``)."""

from django.urls import path

from . import share
from .throttle import PREFIX

app_name = "share"

guest = f"{PREFIX}<str:token>"
clip = f"{guest}/videos/<uuid:public_id>/clips/<int:number>"

urlpatterns = [
    path(
        "workspaces/<slug:slug>/projects/<uuid:public_id>/links/",
        share.project_links,
        name="project_links",
    ),
    path(
        "workspaces/<slug:slug>/links/<uuid:public_id>/revoke/",
        share.link_revoke,
        name="link_revoke",
    ),
    path("videos/<uuid:public_id>/links/", share.job_links, name="job_links"),
    path(f"{guest}/", share.gate, name="gate"),
    path(f"{guest}/videos/", share.overview, name="overview"),
    path(f"{guest}/videos/<uuid:public_id>/compare/", share.compare, name="compare"),
    path(f"{clip}/video", share.clip_file, name="clip_file"),
    path(f"{clip}/poster.jpg", share.clip_poster, name="clip_poster"),
    path(f"{clip}/download", share.clip_download, name="clip_download"),
]
