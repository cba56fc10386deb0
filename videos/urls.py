from django.urls import path

from keys import views as key_views

from . import views

app_name = "videos"

job = "videos/<uuid:public_id>"
clip = f"{job}/clips/<int:number>"
scoped = "w/<slug:workspace>"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("readyz", views.ready, name="ready"),
    path("metrics", views.metrics, name="metrics"),
    path("generate/", views.generate, name="generate"),
    path("generate/options/", views.generate_options, name="generate_options"),
    # The generate form's settings saved as a preset of the key's workspace.
    path("workspaces/<slug:slug>/presets/save/", views.preset_save, name="preset_save"),
    path("videos/", views.videos, name="videos"),
    path("library/", views.library, name="library"),
    path(f"{job}/", views.job_detail, name="job"),
    path(f"{job}/live/", views.job_live, name="job_live"),
    path(f"{job}/resubmit/", views.job_resubmit, name="job_resubmit"),
    path(f"{job}/cancel/", views.job_cancel, name="job_cancel"),
    path(f"{job}/compare/", views.job_compare, name="job_compare"),
    path(f"{job}/project/", views.job_project, name="job_project"),
    path(f"{job}/clips.zip", views.job_zip, name="job_zip"),
    path(f"{clip}/video", views.clip_file, name="clip_file"),
    path(f"{clip}/poster.jpg", views.clip_poster, name="clip_poster"),
    path(f"{clip}/download", views.clip_download, name="clip_download"),
    path(f"{clip}/retry/", views.clip_retry, name="clip_retry"),
    path(f"{clip}/rename/", views.clip_rename, name="clip_rename"),
    path(f"{clip}/star/", views.clip_star, name="clip_star"),
    path(f"{clip}/delete/", views.clip_delete, name="clip_delete"),
    path(f"{clip}/exports/<slug:format>/", views.clip_export, name="clip_export"),
    path(f"{clip}/exports/<slug:format>/video", views.rendition_file, name="rendition_file"),
    path(
        f"{clip}/exports/<slug:format>/download",
        views.rendition_download,
        name="rendition_download",
    ),
    # After the fixed names above: any other word is a kind of next version.
    path(f"{clip}/<slug:kind>/", views.clip_continue, name="clip_continue"),
    # The Keys pages are the keys app's, under the names they always had.
    path("keys/", key_views.keys, name="keys"),
    # The same pages inside one workspace (the menu switches between them).
    path(f"{scoped}/generate/", views.generate, name="generate"),
    path(f"{scoped}/videos/", views.videos, name="videos"),
    path(f"{scoped}/library/", views.library, name="library"),
    path(f"{scoped}/keys/", key_views.keys, name="keys"),
    path("keys/<uuid:public_id>/", key_views.key_detail, name="key_detail"),
    path("keys/<uuid:public_id>/replace/", key_views.key_replace, name="key_replace"),
    path("keys/<uuid:public_id>/verify/", key_views.key_verify, name="key_verify"),
    path("keys/<uuid:public_id>/delete/", key_views.key_delete, name="key_delete"),
]
