"""Stored images leave storage with whatever deletes them: a brand kit, its client, its
workspace (and the workspace's plans nobody started), once the deletion is committed; a
deletion rolled back keeps them. Real files in the tests' media root."""

import io

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from PIL import Image

from brand.models import BrandImage, BrandKit
from campaigns.models import Campaign
from providers.base import ImageInput
from tests.factories import make_workspace
from videos.images import save_inputs
from workspaces.access import membership_of

pytestmark = pytest.mark.django_db


def png_bytes(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 96), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def kit_of(workspace, name="House style", client=None) -> BrandKit:
    kit = BrandKit.objects.create(workspace=workspace, client=client, name=name)
    kit.add_image(BrandImage.Kind.LOGO, "image/png", png_bytes("#000000"))
    kit.add_image(BrandImage.Kind.PRODUCT, "image/png", png_bytes("#336699"))
    return kit


def stored(kit) -> list[str]:
    paths = [image.path for image in kit.images.all()]
    assert len(paths) == 2 and all(default_storage.exists(p) for p in paths)
    return paths


def gone(paths) -> bool:
    return not any(default_storage.exists(p) for p in paths)


def test_a_kit_deleted_on_its_page_takes_its_files(
    agency, alice, django_capture_on_commit_callbacks
):
    kit = kit_of(agency)
    paths = stored(kit)
    edit = reverse("brand:kit_edit", args=[agency.slug, kit.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        assert alice.post(edit, {"action": "delete"}).status_code == 302
    assert not BrandKit.objects.filter(pk=kit.pk).exists()
    assert gone(paths)


def test_a_kit_deletion_rolled_back_keeps_its_files(agency, django_capture_on_commit_callbacks):
    kit = kit_of(agency)
    paths, pk = stored(kit), kit.pk
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        kit.remove()
        raise RuntimeError("something later in the same change failed")
    assert [i.path for i in BrandKit.objects.get(pk=pk).images.all()] == paths
    assert all(default_storage.exists(p) for p in paths)


def test_a_client_deleted_takes_its_kits_files(
    agency, user, alice, django_capture_on_commit_callbacks
):
    northwind = agency.add_client("Northwind", by=membership_of(user, agency))
    theirs = stored(kit_of(agency, "Northwind style", client=northwind))
    everyones = stored(kit_of(agency, "Agency style"))
    edit = reverse("workspaces:client_edit", args=[agency.slug, northwind.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        assert alice.post(edit, {"action": "delete"}).status_code == 302
    assert gone(theirs)
    assert all(default_storage.exists(p) for p in everyones)  # the workspace's own kit stays


def test_a_workspace_deleted_takes_its_kits_and_unstarted_plans_files(
    user, django_capture_on_commit_callbacks
):
    workspace = make_workspace(user, "Short-lived")
    client = workspace.add_client("Northwind", by=membership_of(user, workspace))
    kits = stored(kit_of(workspace)) + stored(kit_of(workspace, "Theirs", client=client))
    images = save_inputs((ImageInput("first_frame", "image/png", png_bytes("#aa0000")),))
    Campaign.objects.create(workspace=workspace, name="Spring", image_inputs=images)
    plan = [entry["path"] for entry in images]
    assert all(default_storage.exists(p) for p in plan)
    with django_capture_on_commit_callbacks(execute=True):
        workspace.delete()  # as Django's admin deletes it
    assert gone(kits) and gone(plan)
