"""Managing clips: naming, starring and deleting them for good, filing their jobs under another
project; the library's filters; and pages that say what downloading does."""

import io
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse

from review.models import Comment, Reviewer, ShareLink
from tests.factories import logged_in, make_job, make_project, make_ready_clip, make_user
from videos.models import Clip, VideoJob
from workspaces.access import membership_of, personal_workspace

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def with_poster(clip):
    clip.poster = default_storage.save(
        f"posters/{clip.job.public_id}-{clip.number}.jpg", ContentFile(b"\xff\xd8" * 8)
    )
    clip.save(update_fields=["poster"])
    return clip


@pytest.fixture
def job(agency, user):
    job = make_job(
        user,
        workspace=agency,
        prompt="Spring launch teaser",
        status=VideoJob.Status.READY,
        parameters={"aspect_ratio": "9:16", "duration": 8},
        project=make_project(agency),
    )
    with_poster(make_ready_clip(job, 0))
    with_poster(make_ready_clip(job, 1))
    return job


def clip_of(job, number=1):
    return Clip.objects.get(job=job, index=number - 1)


def url(name, job, number=1):
    if name == "job_project":
        return reverse("videos:job_project", args=[job.public_id])
    return reverse(f"videos:{name}", args=[job.public_id, number])


def people(agency, user):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    return {
        "member": logged_in(users.get(username="member")),
        "viewer": logged_in(users.get(username="viewer")),
        "stranger": logged_in(make_user("stranger")),
    }


ACTIONS = {
    "clip_rename": {"title": "Hero cut"},
    "clip_star": {},
    "clip_delete": {},
    "job_project": {"project": ""},
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_members_may_manage_clips_viewers_may_not_and_strangers_see_nothing(
    action, agency, user, job, django_capture_on_commit_callbacks
):
    clients = people(agency, user)
    target = url(action, job)
    assert clients["stranger"].post(target, ACTIONS[action]).status_code == 404
    assert clients["viewer"].post(target, ACTIONS[action]).status_code == 403
    clip, before = clip_of(job), VideoJob.objects.get(pk=job.pk)
    assert (clip.title, clip.starred, clip.status) == ("", False, Clip.Status.READY)
    assert before.project is not None
    with django_capture_on_commit_callbacks(execute=True):
        response = clients["member"].post(target, ACTIONS[action])
    assert response.status_code == 302
    clip, after = clip_of(job), VideoJob.objects.get(pk=job.pk)
    done = {
        "clip_rename": clip.title == "Hero cut",
        "clip_star": clip.starred,
        "clip_delete": clip.status == Clip.Status.DELETED,
        "job_project": after.project is None,
    }
    assert done[action]


@pytest.mark.parametrize("action", ["clip_rename", "clip_star", "clip_delete", "job_project"])
def test_the_actions_take_a_post(action, agency, user, job):
    member = people(agency, user)["member"]
    expected = 200 if action == "clip_delete" else 405  # the delete asks first
    assert member.get(url(action, job)).status_code == expected


def test_a_deleted_clip_leaves_storage_after_the_commit_and_is_never_served(
    agency, user, job, django_capture_on_commit_callbacks
):
    member = people(agency, user)["member"]
    clip = clip_of(job)
    Comment.add(clip, "Brighter, please", by=Reviewer(user=user), at_seconds=1)
    names = [clip.file.name, clip.poster.name]
    page = member.get(url("clip_delete", job)).content.decode()
    assert "removed from storage" in page and "What stays" in page and "1 comment" in page
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        member.post(url("clip_delete", job))
        # Not yet committed: the files are still there.
        assert all(default_storage.exists(name) for name in names)
    assert len(callbacks) == 1
    assert not any(default_storage.exists(name) for name in names)
    clip.refresh_from_db()
    assert clip.status == Clip.Status.DELETED and clip.get_status_display() == "Deleted"
    assert clip.file.name == "" and clip.poster.name == ""
    assert clip.comments.count() == 1  # the review trail stays
    for name in ("clip_file", "clip_poster", "clip_download", "clip_delete", "clip_rename"):
        method = member.post if name == "clip_rename" else member.get
        assert method(url(name, job)).status_code == 404, name
    # The other clip is untouched; the job page says what happened to this one.
    assert default_storage.exists(clip_of(job, 2).file.name)
    page = member.get(job.get_absolute_url()).content.decode()
    assert "Clip 1 was deleted: its file is no longer stored." in page


def test_a_rolled_back_delete_keeps_the_files(job, django_capture_on_commit_callbacks):
    clip = clip_of(job)
    names = [clip.file.name, clip.poster.name]
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        assert clip.discard()
        raise RuntimeError("something after it failed")
    assert callbacks == []
    assert all(name and default_storage.exists(name) for name in names)
    assert clip_of(job).status == Clip.Status.READY


def test_a_clip_is_deleted_once(job, django_capture_on_commit_callbacks):
    clip, again = clip_of(job), clip_of(job)
    with django_capture_on_commit_callbacks(execute=True):
        assert clip.discard()
        assert not again.discard()  # lost the race: nothing more to do
        assert not clip.rename("Late") and not clip.star(True)


def test_zips_share_links_and_the_library_skip_a_deleted_clip(
    agency, user, job, django_capture_on_commit_callbacks
):
    alice = logged_in(user)
    with django_capture_on_commit_callbacks(execute=True):
        clip_of(job).discard()
    response = alice.get(reverse("videos:job_zip", args=[job.public_id]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist() == ["spring-launch-teaser-2-of-2.mp4", "manifest.json"]
    manifest = json.loads(archive.read("manifest.json"))
    assert [entry["index"] for entry in manifest["clips"]] == [2]
    link, _ = ShareLink.create(by=membership_of(user, agency), job=job)
    assert list(link.clips()) == [clip_of(job, 2)]
    library = alice.get(reverse("videos:library")).content.decode()
    assert url("clip_poster", job, 2) in library and url("clip_poster", job, 1) not in library
    with django_capture_on_commit_callbacks(execute=True):
        clip_of(job, 2).discard()
    assert alice.get(reverse("videos:job_zip", args=[job.public_id])).status_code == 404
    # Its clips were copied, then deleted: the job stays ready, and stops polling.
    assert VideoJob.objects.get(pk=job.pk).status == VideoJob.Status.READY
    live = alice.get(reverse("videos:job_live", args=[job.public_id]))
    assert live.status_code == 286


def test_a_collecting_job_whose_copied_clip_was_deleted_still_ends_ready(job):
    VideoJob.objects.filter(pk=job.pk).update(status=VideoJob.Status.COLLECTING)
    Clip.objects.filter(job=job, index=0).update(status=Clip.Status.DELETED)
    Clip.objects.filter(job=job, index=1).update(status=Clip.Status.FAILED)
    job.refresh_from_db()
    assert job.finish_if_collected()
    assert job.status == VideoJob.Status.READY and job.error == "1 of 2 clips could not be copied."


# --- names ------------------------------------------------------------------------------------


def test_a_named_clip_is_shown_and_downloaded_by_its_name(agency, user, job):
    alice = logged_in(user)
    response = alice.post(url("clip_rename", job), {"title": "  Hero / cut:   v2!  "})
    assert response.status_code == 302
    clip = clip_of(job)
    assert clip.title == "Hero / cut: v2!" and clip.name == "Hero / cut: v2!"
    download = alice.get(url("clip_download", job))
    assert 'filename="hero-cut-v2-1-of-2.mp4"' in download["Content-Disposition"]
    assert "Hero / cut: v2!" in alice.get(reverse("videos:library")).content.decode()
    page = alice.get(job.get_absolute_url()).content.decode()
    assert "<strong>Hero / cut: v2!</strong> · clip 1 of 2" in page
    # The other clip keeps its number as its name.
    assert clip_of(job, 2).name == "Clip 2"
    # File names stay plain ASCII; a title with nothing to keep falls back to the prompt.
    clip.rename("Café d'été")
    assert clip.download_name(2) == "cafe-dete-1-of-2.mp4"
    clip.rename("日本 ../../")
    assert clip.download_name(2) == "spring-launch-teaser-1-of-2.mp4"


def test_an_empty_name_is_clip_n_again_and_an_overlong_one_is_refused(agency, user, job):
    alice = logged_in(user)
    alice.post(url("clip_rename", job), {"title": "Hero cut"})
    response = alice.post(url("clip_rename", job), {"title": "x" * 101})
    assert response.status_code == 400
    assert "at most 100 characters (this one has 101)" in response.content.decode()
    assert 'value="' + "x" * 101 + '"' in response.content.decode()  # what was typed stays
    assert clip_of(job).title == "Hero cut"  # nothing lost
    htmx = alice.post(url("clip_rename", job), {"title": "x" * 101}, headers=HTMX)
    # htmx swaps in 200 answers only: the panel comes back with the error beside the field.
    assert htmx.status_code == 200 and "at most 100 characters" in htmx.content.decode()
    assert 'value="xxxxx' in htmx.content.decode()  # what was typed is not lost
    response = alice.post(url("clip_rename", job), {"title": "   "}, follow=True)
    assert "Clip 1 is now called “Clip 1”." in response.content.decode()
    assert clip_of(job).title == "" and clip_of(job).name == "Clip 1"
    with pytest.raises(ValueError, match="at most 100"):
        clip_of(job).rename("y" * 101)


def test_renaming_with_htmx_answers_with_the_panel(agency, user, job):
    response = logged_in(user).post(url("clip_rename", job), {"title": "Teaser A"}, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="job-live"') and "<html" not in page
    assert "<strong>Teaser A</strong>" in page


# --- stars ------------------------------------------------------------------------------------


def test_star_toggles_with_htmx_and_with_a_plain_form(agency, user, job):
    alice = logged_in(user)
    response = alice.post(url("clip_star", job), headers=HTMX)
    fragment = response.content.decode()
    assert response.status_code == 200 and "<html" not in fragment
    assert fragment.lstrip().startswith('<form method="post"')
    assert 'aria-pressed="true"' in fragment and clip_of(job).starred
    library = reverse("videos:library") + "?starred=on"
    response = alice.post(url("clip_star", job), {"next": library})
    assert response.status_code == 302 and response["Location"] == library
    assert not clip_of(job).starred
    page = alice.get(job.get_absolute_url()).content.decode()
    assert 'aria-pressed="false"' in page and 'aria-label="Star Clip 1"' in page


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""]
)
def test_an_unsafe_next_is_ignored(agency, user, job, unsafe):
    response = logged_in(user).post(url("clip_star", job), {"next": unsafe})
    assert response.status_code == 302
    assert response["Location"] == f"{job.get_absolute_url()}#clip-1"


def test_viewers_see_stars_but_no_buttons(agency, user, job):
    clip_of(job).star(True)
    viewer = people(agency, user)["viewer"]
    library = viewer.get(reverse("videos:library")).content.decode()
    assert "★ Starred" in library and "aria-pressed" not in library
    page = viewer.get(job.get_absolute_url()).content.decode()
    assert "aria-pressed" not in page and "Rename" not in page and "Delete clip" not in page


# --- projects ---------------------------------------------------------------------------------


def test_moving_a_job_between_the_projects_of_its_workspace(agency, user, job):
    alice = logged_in(user)
    autumn = make_project(agency, client="Contoso", name="Autumn sale")
    response = alice.post(url("job_project", job), {"project": str(autumn.public_id)}, follow=True)
    assert "Filed under Contoso — Autumn sale." in response.content.decode()
    assert VideoJob.objects.get(pk=job.pk).project == autumn
    response = alice.post(url("job_project", job), {"project": ""}, headers=HTMX)
    fragment = response.content.decode()
    assert response.status_code == 200 and fragment.lstrip().startswith('<div id="job-project"')
    assert VideoJob.objects.get(pk=job.pk).project is None
    page = alice.get(job.get_absolute_url()).content.decode()
    assert "Move to this project" in page and "Autumn sale" in page


def test_a_project_of_another_workspace_is_refused_plainly(agency, user, job):
    alice = logged_in(user)
    elsewhere = make_project(personal_workspace(user), client="Own", name="Side project")
    before = VideoJob.objects.get(pk=job.pk).project
    response = alice.post(url("job_project", job), {"project": str(elsewhere.public_id)})
    assert response.status_code == 400
    assert "belongs to another workspace than “Acme Agency”" in response.content.decode()
    htmx = alice.post(url("job_project", job), {"project": str(elsewhere.public_id)}, headers=HTMX)
    assert htmx.status_code == 200 and "belongs to another workspace" in htmx.content.decode()
    assert VideoJob.objects.get(pk=job.pk).project == before
    # A project nobody here can see is no project at all.
    stranger = make_project(personal_workspace(make_user("zed")), client="Z", name="Hidden")
    response = alice.post(url("job_project", job), {"project": str(stranger.public_id)})
    assert response.status_code == 400 and "There is no such project" in response.content.decode()


def test_only_people_who_may_generate_move_jobs(agency, user, job):
    from django.contrib.auth import get_user_model

    viewer = get_user_model().objects.get(username="viewer")
    with pytest.raises(PermissionDenied):
        job.move_to(None, by=viewer)
    assert VideoJob.objects.get(pk=job.pk).project is not None


# --- the library ------------------------------------------------------------------------------


def test_the_library_filters_by_star_format_client_and_project(agency, user, job):
    alice = logged_in(user)
    clip_of(job).rename("Vertical teaser")
    clip_of(job, 2).discard()
    landscape = make_job(
        user,
        workspace=agency,
        prompt="Autumn sale banner",
        status=VideoJob.Status.READY,
        parameters={"aspect_ratio": "16:9"},
        project=make_project(agency, client="Contoso", name="Autumn sale"),
    )
    wide = make_ready_clip(landscape)
    wide.rename("Wide cut")
    wide.star(True)

    def names(**query):
        page = alice.get(reverse("videos:library"), query).content.decode()
        return {name for name in ("Vertical teaser", "Wide cut") if f"<strong>{name}" in page}

    assert names() == {"Vertical teaser", "Wide cut"}
    assert names(starred="on") == {"Wide cut"}
    assert names(aspect="9:16") == {"Vertical teaser"}
    assert names(aspect="16:9") == {"Wide cut"}
    assert names(aspect="9:16", starred="on") == set()
    assert names(client=str(landscape.project.client.public_id)) == {"Wide cut"}
    assert names(project=str(job.project.public_id)) == {"Vertical teaser"}
    page = alice.get(reverse("videos:library")).content.decode()
    assert "Format" in page and "Vertical (Reels, TikTok, Shorts)" in page
    assert "Landscape (YouTube)" in page and "Square (feed)" in page and "Starred only" in page
    assert "Aspect ratio" not in page
    assert "Clips stay here until you delete them; downloading saves a copy on your device." in page


def test_pages_say_download_not_save(agency, user, job):
    page = logged_in(user).get(job.get_absolute_url()).content.decode()
    assert "Download clip" in page and "Download all (zip, 2 clips)" in page
    assert "Save clip" not in page and "Save all" not in page
    assert "they stay in your library until you delete them" in page


def test_a_version_is_compared_only_with_clips_still_in_storage(
    user, job, django_capture_on_commit_callbacks
):
    alice = logged_in(user)
    later = make_job(
        user,
        workspace=job.workspace,
        prompt="Spring launch teaser, longer",
        status=VideoJob.Status.READY,
        parent=clip_of(job),
        continuation="extend",
        version=2,
    )
    make_ready_clip(later)
    compare = reverse("videos:job_compare", args=[later.public_id])
    page = alice.get(compare).content.decode()
    assert url("clip_file", job, 1) in page
    assert compare in alice.get(later.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        clip_of(job).discard()
    # The clip it was made from is gone: the earlier version's other clip plays instead.
    page = alice.get(compare).content.decode()
    assert url("clip_file", job, 1) not in page and url("clip_file", job, 2) in page
    with django_capture_on_commit_callbacks(execute=True):
        clip_of(job, 2).discard()
    assert alice.get(compare).status_code == 404
    page = alice.get(later.get_absolute_url()).content.decode()
    assert compare not in page and "Version 1" in page  # the chain still makes sense


def test_a_workspace_without_projects_offers_no_move_and_every_clip_a_review(user):
    job = make_job(user, status=VideoJob.Status.READY, prompt="A dog on a beach")
    make_ready_clip(job)
    page = logged_in(user).get(job.get_absolute_url()).content.decode()
    assert "Move to this project" not in page
    assert reverse("review:clip", args=[job.public_id, 1]) in page
    make_project(personal_workspace(user))
    page = logged_in(user).get(job.get_absolute_url()).content.decode()
    assert "Move to this project" in page
