"""Workspaces, roles and the one access check (``workspaces.access``)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from tests.factories import add_member, make_clip, make_job, make_key
from videos.models import Clip, ProviderKey, VideoJob
from workspaces import access
from workspaces.models import Membership, Workspace

pytestmark = pytest.mark.django_db
Role = Membership.Role


def test_every_new_user_owns_a_personal_workspace(user):
    workspace = access.personal_workspace(user)
    assert workspace.personal and workspace.slug == "alice"
    assert access.role_of(user, workspace) == Role.OWNER
    assert list(Workspace.objects.visible_to(user)) == [workspace]


def test_personal_workspace_is_made_once(user):
    first = access.personal_workspace(user)
    assert access.personal_workspace(user) == first
    assert Workspace.objects.filter(personal=True).count() == 1
    assert Membership.objects.filter(user=user).count() == 1


def test_personal_workspace_slugs_stay_unique(db):
    Workspace.objects.create(name="taken", slug="alice-smith")
    users = get_user_model().objects
    first = access.personal_workspace(users.create_user("alice-smith"))
    second = access.personal_workspace(users.create_user("Alice Smith"))
    assert (first.slug, second.slug) == ("alice-smith-2", "alice-smith-3")


def test_a_user_made_without_the_signal_gets_one_when_asked(db):
    user = get_user_model().objects.create_user("zoe")
    Membership.objects.filter(user=user).delete()
    Workspace.objects.filter(slug="zoe").delete()
    workspace = access.personal_workspace(user)
    assert access.role_of(user, workspace) == Role.OWNER


@pytest.mark.parametrize(
    ("role", "generate", "manage_keys"),
    [
        (Role.OWNER, True, True),
        (Role.ADMIN, True, True),
        (Role.MEMBER, True, False),
        (Role.VIEWER, False, False),
    ],
)
def test_what_each_role_may_do(role, generate, manage_keys):
    membership = Membership(role=role)
    assert (membership.can_generate, membership.can_manage_keys) == (generate, manage_keys)
    assert membership.can_review
    assert Membership.Role(role).label == role.label.capitalize()


def test_role_of_and_require(user, other_user):
    workspace = access.personal_workspace(user)
    assert access.role_of(other_user, workspace) is None
    with pytest.raises(PermissionDenied):
        access.require(other_user, workspace, "can_review")
    add_member(workspace, other_user, Role.VIEWER)
    assert access.role_of(other_user, workspace) == Role.VIEWER
    access.require(other_user, workspace, "can_review")
    with pytest.raises(PermissionDenied):
        access.require(other_user, workspace, "can_generate")
    with pytest.raises(ValueError, match="Unknown capability"):
        access.require(user, workspace, "can_fly")


def test_get_for_user_hides_what_is_not_yours(user, other_user):
    key = make_key(user)
    found, membership = access.get_for_user(ProviderKey.objects, user, public_id=key.public_id)
    assert found == key and (membership.user, membership.role) == (user, Role.OWNER)
    with pytest.raises(Http404):
        access.get_for_user(ProviderKey.objects, other_user, public_id=key.public_id)
    add_member(access.personal_workspace(user), other_user, Role.MEMBER)
    found, membership = access.get_for_user(
        ProviderKey.objects, other_user, public_id=key.public_id
    )
    assert found == key and (membership.user, membership.role) == (other_user, Role.MEMBER)
    with pytest.raises(PermissionDenied):
        access.get_for_user(
            ProviderKey.objects, other_user, needs="can_manage_keys", public_id=key.public_id
        )
    with pytest.raises(ValueError, match="Unknown capability"):
        access.get_for_user(ProviderKey.objects, user, needs="can_fly", public_id=key.public_id)


def test_the_access_check_fetches_the_visitors_membership_with_what_it_finds(
    user, django_assert_num_queries
):
    """The object and the visitor's membership, in two queries; what the view does next
    (may they share, star, set budgets?) asks nothing more."""
    key = make_key(user)
    with django_assert_num_queries(2):
        found, membership = access.get_for_user(ProviderKey.objects, user, public_id=key.public_id)
        assert membership.can_share and membership.can_set_budgets and membership.can_star
    assert found == key


def test_visible_to_follows_membership(user, other_user):
    from django.contrib.auth.models import AnonymousUser

    key = make_key(user)
    job = make_job(user, key=key)
    clip = make_clip(job, source_url="x")
    make_job(other_user)  # in bob's own workspace: never alice's to see
    for model, row in ((ProviderKey, key), (VideoJob, job), (Clip, clip)):
        assert list(model.objects.visible_to(user)) == [row]
        assert not model.objects.visible_to(AnonymousUser()).exists()
    assert not Clip.objects.visible_to(other_user).exists()
    add_member(access.personal_workspace(user), other_user, Role.VIEWER)
    assert set(VideoJob.objects.visible_to(other_user)) == set(VideoJob.objects.all())
    assert list(Clip.objects.visible_to(other_user)) == [clip]


def test_a_job_goes_to_its_keys_workspace(client, user, other_user, providers):
    """A member generates with the shared key; the job lands in the key's workspace."""
    workspace = access.personal_workspace(user)
    key = make_key(user)
    add_member(workspace, other_user, Role.MEMBER)
    client.force_login(other_user)
    form = client.get(reverse("videos:generate")).context["form"]
    assert key in form.fields["key"].queryset
    response = client.post(
        reverse("videos:generate"),
        {
            "idempotency_key": "a" * 32,
            "key": key.pk,
            "model": "google/veo-3.1",
            "prompt": "A team launch",
            "duration": 8,
            "resolution": "720p",
            "aspect_ratio": "16:9",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = VideoJob.objects.get()
    assert (job.workspace, job.owner) == (workspace, other_user)


def test_a_viewer_cannot_generate_with_the_workspace_key(client, user, other_user, providers):
    key = make_key(user)
    add_member(access.personal_workspace(user), other_user, Role.VIEWER)
    client.force_login(other_user)
    form = client.get(reverse("videos:generate")).context["form"]
    assert key not in form.fields["key"].queryset
    response = client.post(
        reverse("videos:generate"),
        {"idempotency_key": "b" * 32, "key": key.pk, "model": "google/veo-3.1", "prompt": "x"},
    )
    assert response.status_code == 400 and not VideoJob.objects.exists()


def test_new_keys_go_to_the_personal_workspace(alice, user, providers):
    from tests.factories import OPENROUTER_KEY

    alice.post(
        reverse("videos:keys"),
        {"provider": "openrouter", "label": "Mine", "secret": OPENROUTER_KEY},
    )
    key = ProviderKey.objects.get()
    assert (key.workspace, key.owner) == (access.personal_workspace(user), user)


def test_a_workspace_with_work_in_it_cannot_be_deleted_by_accident(user):
    from django.db.models import ProtectedError

    make_key(user)
    with pytest.raises(ProtectedError):
        access.personal_workspace(user).delete()


def test_a_viewer_is_offered_no_action_that_spends(client, user, other_user, providers):
    """The job page offers a viewer nothing that would start, stop or retry paid work."""
    key = make_key(user)
    ready = make_job(user, key=key, prompt="Ready", status=VideoJob.Status.READY)
    make_clip(ready, source_url="https://cdn.example/0.mp4", status="failed")
    running = make_job(user, key=key, prompt="Queued", status=VideoJob.Status.QUEUED)
    actions = ["Make another take", "Try again", "Cancel this job", "Copy settings"]

    def offered(viewer_role):
        client.force_login(other_user)
        Membership.objects.filter(
            user=other_user, workspace=access.personal_workspace(user)
        ).delete()
        add_member(access.personal_workspace(user), other_user, viewer_role)
        pages = "".join(
            client.get(reverse("videos:job", args=[job.public_id])).content.decode()
            for job in (ready, running)
        )
        return [action for action in actions if action in pages]

    assert offered(Role.MEMBER) == actions
    assert offered(Role.VIEWER) == []
