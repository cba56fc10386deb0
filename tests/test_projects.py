"""Clients and projects: agency work filed by client, a client's campaign being a project; the
rules that keep a job's project in the job's workspace, the pages that add and list them, the
generate form's project choice and the filters of the videos list and the library."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError
from django.urls import reverse

from providers.base import JobSpec
from tests.factories import (
    logged_in,
    make_clip,
    make_job,
    make_key,
    make_project,
    make_user,
    make_workspace,
    member,
)
from tests.personas import ADMIN, MEMBER, VIEWER
from videos import lifecycle
from videos.models import Clip, VideoJob
from workspaces import access
from workspaces.models import Client, Membership, Project, TeamRuleBroken

pytestmark = pytest.mark.django_db
Role = Membership.Role


# --- models and rules -------------------------------------------------------------------------


def test_generators_add_clients_and_projects_with_names_unique_where_they_live(agency, user):
    client = agency.add_client("  Northwind ", by=member(agency, MEMBER))
    assert client.name == "Northwind" and client.workspace == agency
    project = client.add_project("Spring launch", by=member(agency, ADMIN))
    assert project.workspace == agency and str(project) == "Northwind — Spring launch"

    with pytest.raises(TeamRuleBroken, match="already has a client"):
        agency.add_client("northwind", by=member(agency, user.username))
    with pytest.raises(TeamRuleBroken, match="already has a project"):
        client.add_project("SPRING LAUNCH", by=member(agency, user.username))
    # The same names are free in another workspace and for another client.
    other = make_workspace(user, "Other Agency")
    other.add_client("Northwind", by=access.membership_of(user, other))
    agency.add_client("Contoso", by=member(agency, MEMBER)).add_project(
        "Spring launch", by=member(agency, MEMBER)
    )


def test_viewers_and_strangers_add_nothing(agency, other_user):
    with pytest.raises(PermissionDenied):
        agency.add_client("Northwind", by=member(agency, VIEWER))
    client = agency.add_client("Northwind", by=member(agency, MEMBER))
    with pytest.raises(PermissionDenied):
        client.add_project("Spring", by=member(agency, VIEWER))
    own = access.membership_of(other_user, access.personal_workspace(other_user))
    with pytest.raises(PermissionDenied):
        client.add_project("Spring", by=own)
    assert not Project.objects.exists()


def test_clients_and_projects_are_visible_to_the_workspace_only(agency, user, other_user):
    project = make_project(agency)
    viewer = member(agency, VIEWER).user
    assert list(Project.objects.visible_to(viewer)) == [project]
    assert list(Client.objects.visible_to(viewer)) == [project.client]
    assert not Project.objects.visible_to(other_user).exists()
    assert not Client.objects.visible_to(other_user).exists()
    assert list(Project.objects.generating_for(member(agency, MEMBER).user)) == [project]
    assert not Project.objects.generating_for(viewer).exists()


def test_named_by_takes_a_public_id_or_a_number_and_nothing_else(agency):
    project = make_project(agency)
    assert list(Project.objects.named_by(str(project.public_id))) == [project]
    assert list(Project.objects.named_by(str(project.pk))) == [project]
    for junk in ("", "nope", "-1", str(uuid.uuid4()), "1.5", "9" * 30):
        assert not Project.objects.named_by(junk).exists(), junk


def test_a_jobs_client_is_its_projects(agency, user):
    project = make_project(agency)
    job = make_job(user, workspace=agency, project=project)
    assert job.client == project.client
    assert make_job(user, workspace=agency).client is None


def test_a_project_with_videos_cannot_be_deleted(agency, user):
    project = make_project(agency)
    make_job(user, workspace=agency, project=project)
    with pytest.raises(ProtectedError):
        project.delete()


def test_start_job_refuses_a_project_of_another_workspace(agency, user, providers):
    key = make_key(user, workspace=agency)
    foreign = make_project(make_workspace(make_user("bob"), "Bob's Shop"))
    spec = JobSpec(model="google/veo-3.1", prompt="A harbour", duration=8)
    with pytest.raises(TeamRuleBroken, match="another workspace"):
        lifecycle.start_job(user, key, spec, uuid.uuid4().hex, project=foreign)
    assert not VideoJob.objects.exists()
    own = make_project(agency)
    job, created = lifecycle.start_job(user, key, spec, uuid.uuid4().hex, project=own)
    assert created and job.project == own and job.client == own.client


def test_resubmitted_and_continued_jobs_keep_the_project(agency, user, providers):
    key = make_key(user, workspace=agency)
    project = make_project(agency)
    spec = JobSpec(model="google/veo-3.1", prompt="A harbour", duration=8)
    job, _ = lifecycle.start_job(user, key, spec, uuid.uuid4().hex, project=project)
    again, _ = lifecycle.resubmit(job, uuid.uuid4().hex, by=member(agency, MEMBER).user)
    assert again.project == project
    assert job.form_initial()["project"] == str(project.public_id)


# --- the clients page -------------------------------------------------------------------------


def test_members_who_generate_add_clients_and_projects_on_the_clients_page(agency):
    browser = logged_in(member(agency, MEMBER).user)
    url = reverse("workspaces:clients", args=[agency.slug])
    assert "No clients yet." in browser.get(url).content.decode()

    response = browser.post(reverse("workspaces:client_add", args=[agency.slug]), {"name": "Nw"})
    assert response.status_code == 302 and response["Location"] == url
    client = Client.objects.get(workspace=agency, name="Nw")
    response = browser.post(
        reverse("workspaces:project_add", args=[agency.slug]),
        {"client": client.public_id, "name": "Spring launch"},
    )
    assert response.status_code == 302
    page = browser.get(url).content.decode()
    assert "Nw" in page and "Spring launch" in page and "Add project" in page


def test_the_clients_page_says_what_is_wrong(agency):
    browser = logged_in(member(agency, ADMIN).user)
    agency.add_client("Nw", by=member(agency, ADMIN))
    response = browser.post(reverse("workspaces:client_add", args=[agency.slug]), {"name": "nw"})
    assert response.status_code == 400
    assert "already has a client called" in response.content.decode()
    foreign = make_project(make_workspace(make_user("bob"), "Bob's Shop")).client
    response = browser.post(
        reverse("workspaces:project_add", args=[agency.slug]),
        {"client": foreign.public_id, "name": "Stolen"},
    )
    assert response.status_code == 400
    assert "Choose one of this workspace" in response.content.decode()
    assert not Project.objects.filter(name="Stolen").exists()


def test_viewers_see_the_list_without_the_forms(agency):
    make_project(agency)
    browser = logged_in(member(agency, VIEWER).user)
    page = browser.get(reverse("workspaces:clients", args=[agency.slug])).content.decode()
    assert "Northwind" in page and "Spring launch" in page
    assert "Add client" not in page and "Add project" not in page
    response = browser.post(reverse("workspaces:client_add", args=[agency.slug]), {"name": "X"})
    assert response.status_code == 403


# --- the generate form ------------------------------------------------------------------------


def generate(browser, key, **data):
    payload = {
        "idempotency_key": uuid.uuid4().hex,
        "key": key.pk,
        "model": "google/veo-3.1",
        "resolution": "720p",
        "aspect_ratio": "16:9",
        "duration": 8,
        "prompt": "A harbour at dawn",
    }
    return browser.post(reverse("videos:generate"), payload | data)


def test_a_video_made_for_a_project_shows_its_client_and_project(agency, user, reachable):
    key = make_key(user, workspace=agency)
    project = make_project(agency)
    browser = logged_in(member(agency, MEMBER).user)
    page = browser.get(reverse("videos:generate")).content.decode()
    assert '<optgroup label="Northwind">' in page and "Northwind — Spring launch" in page

    response = generate(browser, key, project=str(project.public_id))
    assert response.status_code == 302, response.content.decode()[:2000]
    job = VideoJob.objects.get()
    assert job.project == project and job.client == project.client
    page = browser.get(job.get_absolute_url()).content.decode()
    assert "Northwind" in page and "Spring launch" in page
    # A new prompt from this video starts with its project chosen.
    page = browser.get(f"{reverse('videos:generate')}?from={job.public_id}").content.decode()
    assert f'value="{project.public_id}" selected' in page


def test_a_project_of_another_workspace_than_the_keys_is_refused_plainly(agency, user, reachable):
    own_key = make_key(user, label="Own")  # Alice's personal workspace
    project = make_project(agency)
    browser = logged_in(user)
    response = generate(browser, own_key, project=str(project.public_id))
    assert response.status_code == 400
    assert "belongs to another workspace" in response.content.decode()
    # One the visitor cannot generate in at all is not even a choice.
    foreign = make_project(make_workspace(make_user("bob"), "Bob's Shop"), client="Globex")
    response = generate(browser, own_key, project=str(foreign.public_id))
    assert response.status_code == 400 and "Globex" not in response.content.decode()
    assert not VideoJob.objects.exists()


def test_a_viewer_is_offered_no_project(agency, reachable):
    make_project(agency)
    page = logged_in(member(agency, VIEWER).user).get(reverse("videos:generate"))
    assert "Spring launch" not in page.content.decode()


# --- filters of the videos list and the library -----------------------------------------------


def ready_job(user, workspace, prompt, project=None):
    job = make_job(
        user, workspace=workspace, project=project, prompt=prompt, status=VideoJob.Status.READY
    )
    make_clip(
        job,
        source_url="https://openrouter.ai/x",
        status=Clip.Status.READY,
        video_bytes=b"\x00" * 64,
    )
    return job


@pytest.fixture
def filed(agency, user):
    """Three videos in the agency: one per project of two clients, and one unfiled."""
    spring = make_project(agency, "Northwind", "Spring launch")
    autumn = make_project(agency, "Contoso", "Autumn sale")
    ready_job(user, agency, "Tulips in the wind", spring)
    ready_job(user, agency, "Leaves falling", autumn)
    ready_job(user, agency, "Unfiled harbour")
    return spring, autumn


PAGES = ["videos:videos", "videos:library"]


@pytest.mark.parametrize("name", PAGES)
def test_filter_by_client_or_project_by_public_id_or_number(name, filed, agency):
    spring, autumn = filed
    browser = logged_in(member(agency, VIEWER).user)
    url = reverse(name)
    page = browser.get(url).content.decode()
    assert all(p in page for p in ("Tulips", "Leaves", "Unfiled"))
    assert 'name="client"' in page and 'name="project"' in page
    for query in (
        {"client": spring.client.public_id},
        {"client": spring.client.pk},
        {"project": spring.public_id},
        {"project": spring.pk},
    ):
        page = browser.get(url, query).content.decode()
        assert "Tulips" in page and "Leaves" not in page and "Unfiled" not in page, query
    page = browser.get(url, {"client": spring.client.public_id, "project": autumn.public_id})
    assert "No " in page.content.decode() and "Tulips" not in page.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_a_foreign_or_unknown_filter_shows_nothing_and_never_fails(name, filed, agency):
    bob = make_user("bob")
    shop = make_workspace(bob, "Bob's Shop")
    foreign = make_project(shop, "Globex", "Secret")
    ready_job(bob, shop, "Bob's secret video", foreign)
    browser = logged_in(member(agency, MEMBER).user)
    for query in (
        {"project": foreign.public_id},
        {"project": foreign.pk},
        {"client": foreign.client.public_id},
        {"client": foreign.client.pk},
        {"project": "nonsense"},
        {"client": str(uuid.uuid4())},
        {"project": "99999999999999999999999"},
    ):
        response = browser.get(reverse(name), query)
        page = response.content.decode()
        assert response.status_code == 200, query
        assert "Tulips" not in page and "secret" not in page and "Globex" not in page, query


def test_pagination_keeps_the_filter(agency, user):
    project = make_project(agency)
    for number in range(13):
        make_job(user, workspace=agency, project=project, prompt=f"Take {number}")
    browser = logged_in(user)
    page = browser.get(reverse("videos:videos"), {"project": project.public_id}).content.decode()
    assert f"project={project.public_id}&amp;page=2" in page
    page = browser.get(
        reverse("videos:videos"), {"project": project.public_id, "page": 2}
    ).content.decode()
    assert "Take 0" in page


def test_clients_and_projects_are_renamed_and_deleted_from_their_page(agency, user):
    project = make_project(agency, client="Northwind", name="Spring launch")
    make_project(agency, client="Northwind", name="Summer")
    browser = logged_in(member(agency, MEMBER).user)
    url = reverse("workspaces:project_edit", args=[agency.slug, project.public_id])
    assert browser.get(url).status_code == 200
    # A name its client already uses: refused, the page says why.
    response = browser.post(url, {"action": "rename", "name": "summer"})
    assert response.status_code == 400 and "already a project" in response.content.decode()
    assert browser.post(url, {"action": "rename", "name": "Spring relaunch"}).status_code == 302
    project.refresh_from_db()
    assert project.name == "Spring relaunch"
    assert browser.post(url, {"action": "delete"}).status_code == 302
    assert not Project.objects.filter(pk=project.pk).exists()
    client = Client.objects.get(name="Northwind")
    url = reverse("workspaces:client_edit", args=[agency.slug, client.public_id])
    assert browser.post(url, {"action": "rename", "name": " "}).status_code == 400
    assert browser.post(url, {"action": "delete"}).status_code == 302
    assert not Client.objects.filter(pk=client.pk).exists()
    assert not Project.objects.filter(name="Summer").exists()


def test_a_client_or_project_with_videos_is_kept_and_the_page_says_why(agency, user):
    project = make_project(agency)
    make_job(user, agency, project=project)
    browser = logged_in(user)
    for name, public_id in [
        ("workspaces:project_edit", project.public_id),
        ("workspaces:client_edit", project.client.public_id),
    ]:
        response = browser.post(reverse(name, args=[agency.slug, public_id]), {"action": "delete"})
        assert response.status_code == 400
        assert "1 video" in response.content.decode()
    project.refresh_from_db()  # still there


def test_viewers_rename_and_delete_nothing(agency):
    project = make_project(agency)
    viewer = logged_in(member(agency, VIEWER).user)
    url = reverse("workspaces:project_edit", args=[agency.slug, project.public_id])
    assert viewer.post(url, {"action": "delete"}).status_code == 403
    assert viewer.post(url, {"action": "rename", "name": "Mine"}).status_code == 403
