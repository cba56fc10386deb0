"""The move from single owners to workspaces keeps every user's keys and jobs theirs."""

from datetime import UTC

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("videos", "0006_panel_version"), ("workspaces", None)]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()  # see what the last run applied
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def latest():
    """Every app's last migration: going back unapplied the apps that depend on workspaces
    (review) too, and the tests that run after this one need their tables."""
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_every_user_gets_a_personal_workspace_holding_their_keys_and_jobs():
    old = migrate(BEFORE)
    User = old.get_model("auth", "User")
    ProviderKey = old.get_model("videos", "ProviderKey")
    VideoJob = old.get_model("videos", "VideoJob")
    made = {}
    # Two usernames that slugify alike, and a user without anything.
    for name in ("alice", "Bob Smith", "bob-smith", "carol"):
        user = User.objects.create(username=name)
        keys = [
            ProviderKey.objects.create(
                owner=user, provider=provider, label="Main", secret_encrypted="x", masked="m"
            )
            for provider in (["openrouter", "gemini"] if name != "carol" else [])
        ]
        jobs = [
            VideoJob.objects.create(owner=user, key=key, idempotency_key="same", model="m")
            for key in keys[:1]
        ]
        made[user.pk] = ({k.pk for k in keys}, {j.pk for j in jobs})

    new = migrate(latest())
    Workspace = new.get_model("workspaces", "Workspace")
    Membership = new.get_model("workspaces", "Membership")
    ProviderKey = new.get_model("keys", "ProviderKey")
    VideoJob = new.get_model("videos", "VideoJob")
    assert Workspace.objects.count() == 4
    slugs = set(Workspace.objects.values_list("slug", flat=True))
    assert slugs == {"alice", "bob-smith", "bob-smith-2", "carol"}
    for user_pk, (keys, jobs) in made.items():
        membership = Membership.objects.get(user_id=user_pk)
        assert membership.role == "owner" and membership.workspace.personal
        workspace = membership.workspace
        assert (
            set(ProviderKey.objects.filter(workspace=workspace).values_list("pk", flat=True))
            == keys
        )
        assert (
            set(VideoJob.objects.filter(workspace=workspace).values_list("pk", flat=True)) == jobs
        )
    assert not VideoJob.objects.filter(workspace=None).exists()

    # And back again: the columns go, the keys and jobs stay.
    old = migrate(BEFORE)
    assert old.get_model("videos", "ProviderKey").objects.count() == 6
    migrate(latest())


@pytest.mark.django_db(transaction=True)
def test_duplicate_open_invitations_keep_only_the_newest_open():
    from datetime import datetime, timedelta

    old = migrate([("workspaces", "0003_clients_and_projects")])
    Workspace = old.get_model("workspaces", "Workspace")
    Invitation = old.get_model("workspaces", "Invitation")
    workspace = Workspace.objects.create(name="Acme", slug="acme")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    made = [
        Invitation.objects.create(
            workspace=workspace, email=email, role="member", created_at=start + timedelta(days=n)
        )
        for n, email in enumerate(["carol@example.com", "carol@example.com", "dave@example.com"])
    ]
    new = migrate(latest())
    Invitation = new.get_model("workspaces", "Invitation")
    still_open = Invitation.objects.filter(accepted_at=None, revoked_at=None)
    assert set(still_open.values_list("pk", flat=True)) == {made[1].pk, made[2].pk}
    assert Invitation.objects.get(pk=made[0].pk).revoked_at is not None
