"""The access matrix's world: an owner's workspace with one of everything a URL can point at.

``build_world(owner)`` makes its rows and files. The access matrix builds it once for the module
(``world_once``) and runs each case in a savepoint over it; tests that need the rows committed
(a browser driving a live server) use the ``world`` fixture here, which builds it for each test.
"""

import copy
import os
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from tests.factories import add_member, make_clip, make_job, make_key, make_project, make_user
from tests.helpers import png_upload
from tests.personas import OUTSIDER, OWNER, TEAMMATES


def build_world(owner):
    """An owner with a key, a ready job whose clip has a next version, both with files; a client's
    project, a comment, share links, a viewer to change and remove, an invitation, a notification,
    a budget, a brand kit and a preset, a started campaign and a pending upload."""
    from brand.models import BrandKit, Preset
    from campaigns.models import Campaign, Variant
    from common.models import PendingUpload
    from inbox.models import notify
    from review.models import Comment, Reviewer, ShareLink
    from videos.models import Clip, Rendition, VideoJob
    from workspaces.access import membership_of, personal_workspace
    from workspaces.models import Budget, Membership

    key = make_key(owner)

    def job_with_clip(**fields):
        job = make_job(
            owner,
            key=key,
            idempotency_key=uuid.uuid4().hex,
            provider="openrouter",
            model="google/veo-3.1",
            prompt="A harbour at dawn",
            parameters={"duration": 8, "sample_count": 1},
            status=VideoJob.Status.READY,
            provider_job_id=f"gen-vid-1-{uuid.uuid4().hex[:20]}",
            **fields,
        )
        clip = make_clip(
            job, status=Clip.Status.FAILED, video_bytes=b"\x00" * 64, poster_bytes=b"\xff\xd8" * 8
        )
        return job, clip

    first, first_clip = job_with_clip()
    second, _ = job_with_clip(parent=first_clip, continuation="extend", version=2)
    # The first clip is ready (so it can be shown and continued); the second job's is failed
    # (so it can be retried).
    Clip.objects.filter(pk=first_clip.pk).update(status=Clip.Status.READY)
    Clip.objects.filter(job=second).update(status=Clip.Status.READY)
    retry = make_clip(first, 1, source_url="x", status=Clip.Status.FAILED)
    # The first clip has a ready 9:16 export.
    Rendition.objects.create(
        clip=first_clip,
        format="vertical",
        status=Rendition.Status.READY,
        file=default_storage.save(f"renditions/{first.public_id}/v.mp4", ContentFile(b"\0" * 64)),
        size=64,
        width=180,
        height=320,
    )
    # A viewer to change and remove, and a pending invitation to revoke and open.
    workspace = personal_workspace(owner)
    # The first job is for a client's project, its clip has a comment, and it is shared.
    project = make_project(workspace)
    VideoJob.objects.filter(pk__in=[first.pk, second.pk]).update(project=project)
    comment = Comment.add(first_clip, "Brighter, please", by=Reviewer(user=owner), at_seconds=1)
    membership = membership_of(owner, workspace)
    full, full_token = ShareLink.create(by=membership, job=first, can_approve=True)
    view_only, view_only_token = ShareLink.create(by=membership, job=first, can_comment=False)
    target = add_member(workspace, make_user("target"), Membership.Role.VIEWER)
    invitation = workspace.invite("new@example.com", Membership.Role.MEMBER, by=membership)
    # A notification of the owner's, about the first job.
    (notification,) = notify(
        [owner],
        workspace=workspace,
        kind="job_ready",
        text=f"Your video “{first.prompt}” is ready",
        url=first.get_absolute_url(),
    )
    # The project is also shared by a live link (that grants downloads) and by a revoked one.
    link, token = ShareLink.create(by=membership, project=project, can_download=True)
    dead, dead_token = ShareLink.create(by=membership, project=project)
    dead.revoke(by=membership)
    budget = Budget.set(workspace, project.client, 500, by=membership)
    kit = BrandKit.objects.create(workspace=workspace, name="House style", voice_notes="Warm.")
    logo = kit.add_image("logo", "image/png", b"\x89PNG placeholder")
    preset = Preset.objects.create(workspace=workspace, name="Ours", prompt_template="{product}")
    # The first job is a video of a started campaign.
    campaign = Campaign.objects.create(
        workspace=workspace, key=key, name="Harbour launch", started_at=timezone.now()
    )
    Variant.objects.create(campaign=campaign, job=first, number=1, ad_format="landscape")
    # An image the owner chose on a form and has not used yet.
    image = png_upload(name="bottle.png")
    image = SimpleUploadedFile(image.name, image.getvalue(), content_type="image/png")
    pending = PendingUpload.keep(owner, image, "First frame")
    return {
        "pending": pending,
        "campaign": campaign,
        "kit": kit,
        "logo": logo,
        "preset": preset,
        "budget": budget,
        "notification": notification,
        "key": key,
        "job": first,
        "version": second,
        "retry": retry,
        "workspace": workspace,
        "target": target,
        "invitation": invitation,
        "project": project,
        "link": link,
        "token": token,
        "dead_token": dead_token,
        "comment": comment,
        "links": {True: (full, full_token), False: (view_only, view_only_token)},
    }


@pytest.fixture
def keep_provider_jobs(monkeypatch):
    """The provider still keeps the jobs the world's rows stand for (the sandbox never made
    them)."""
    from providers.openrouter import OpenRouterProvider

    monkeypatch.setattr(OpenRouterProvider, "source_kept", lambda self, parent: True)


@pytest.fixture
def world(user, providers, keep_provider_jobs):
    """The world, built for this test alone (its rows can be committed: a live server sees
    them)."""
    return build_world(user)


def _media_files() -> set[Path]:
    root = Path(default_storage.location)
    return {Path(folder, name) for folder, _, names in os.walk(root) for name in names}


@pytest.fixture(scope="module")
def world_once(django_db_setup, django_db_blocker):
    """The world and every persona, made once for a module inside a transaction that is rolled
    back when the module ends; each test (``django_db``) runs in a savepoint of it, so what a
    test changes is undone before the next. The files the world made are put back for each
    test (a test may delete one, as removing a pending upload does) and removed at the end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            before = _media_files()
            owner = make_user(OWNER.username)
            made = build_world(owner)
            made["owner"] = owner
            made["outsider"] = make_user(OUTSIDER.username)
            made["teammates"] = {
                role: add_member(made["workspace"], make_user(persona.username), role).user
                for role, persona in TEAMMATES.items()
            }
            files = {path: path.read_bytes() for path in _media_files() - before}
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield made, files
    for path in files:
        path.unlink(missing_ok=True)
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def world_for_this_test(world_once):
    """A copy of the world made once (so that a test changing an instance changes it for
    itself alone), its files as they were made."""
    made, files = world_once
    for path, data in files.items():
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return copy.deepcopy(made)
