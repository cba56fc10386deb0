"""Rows the tests need, made the way the app makes them (import from here, not from conftest)."""

import uuid

OPENROUTER_KEY = "sk-or-v1-sandbox-0123456789abcdef0123456789abcdef"
GEMINI_KEY = "AIzaSandbox-0123456789abcdefghijklmnopqrs"


def make_key(owner, secret=OPENROUTER_KEY, provider="openrouter", label="Agency", workspace=None):
    """A provider key, stored encrypted as the keys page would store it (in the owner's
    personal workspace unless another is given)."""
    from videos.models import ProviderKey
    from workspaces.access import personal_workspace

    key = ProviderKey(
        workspace=workspace or personal_workspace(owner),
        owner=owner,
        provider=provider,
        label=label,
    )
    key.set_secret(secret)
    key.save()
    return key


def make_job(owner, workspace=None, **fields):
    """A job row as it stands in the database (nothing queued): in its key's workspace, else
    in ``workspace``, else in the owner's personal one."""
    from videos.models import VideoJob
    from workspaces.access import personal_workspace

    key = fields.get("key")
    fields.setdefault("idempotency_key", uuid.uuid4().hex)
    fields.setdefault("provider", key.provider if key else "openrouter")
    fields.setdefault("model", "google/veo-3.1")
    workspace = workspace or (key.workspace if key else personal_workspace(owner))
    return VideoJob.objects.create(owner=owner, workspace=workspace, **fields)


def add_member(workspace, user, role):
    """``user`` joins ``workspace`` with ``role`` (a Membership.Role)."""
    from workspaces.models import Membership

    return Membership.objects.create(workspace=workspace, user=user, role=role)


def make_workspace(owner, name="Acme Agency"):
    """A shared workspace ``owner`` started (and owns), as the Workspaces page makes it."""
    from workspaces.access import create_workspace

    return create_workspace(owner, name)


def make_user(name):
    """A user ``name`` with the e-mail ``name@example.com`` (and their personal workspace)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(name, f"{name}@example.com", f"{name}-pw-1234")


def make_project(workspace, client="Northwind", name="Spring launch"):
    """A project ``name`` of the client ``client`` in ``workspace`` (the client made if new)."""
    from workspaces.models import Client, Project

    found, _ = Client.objects.get_or_create(workspace=workspace, name=client)
    return Project.objects.create(client=found, name=name)


def member(workspace, who):
    """The membership of ``workspace`` of ``who`` (a persona of tests/personas.py, or a
    username)."""
    return workspace.memberships.get(user__username=getattr(who, "username", who))


def logged_in(user):
    """A test client logged in as ``user``."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def make_clip(job, index=0, *, video_bytes=None, poster_bytes=None, source_url=None, **fields):
    """A clip row of ``job`` (pending, as the provider's answer leaves it, unless ``status``
    says otherwise). ``video_bytes`` and ``poster_bytes`` are stored as its files, named as a
    finished copy names them; ``source_url`` is the provider's address of the clip."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from videos.models import Clip

    name = f"clips/{job.public_id}/clip-{index + 1}"
    if source_url is None:
        source_url = f"https://openrouter.ai/api/v1/videos/x/content?index={index}"
    if video_bytes is not None:
        fields["file"] = default_storage.save(f"{name}.mp4", ContentFile(video_bytes))
        fields.setdefault("size", len(video_bytes))
        fields.setdefault("content_type", "video/mp4")
    if poster_bytes is not None:
        fields["poster"] = default_storage.save(f"{name}.jpg", ContentFile(poster_bytes))
    return Clip.objects.create(job=job, index=index, source_url=source_url, **fields)


def make_ready_clip(job, index=0, duration=8.0):
    """A clip of ``job`` in storage (a few placeholder bytes), as a finished copy leaves it."""
    from videos.models import Clip

    return make_clip(
        job, index, status=Clip.Status.READY, video_bytes=b"\x00" * 64, duration=duration
    )
