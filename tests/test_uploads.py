"""Uploads are spooled to disk and counted as they arrive: an image is checked and stored from
its file, never copied whole into memory; one too large, or past what one request may bring,
is refused by name on its form while everything else sent with it is kept."""

import html
import io
import os
import re
import tracemalloc

import pytest
from django.core.files.storage import default_storage
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse
from PIL import Image

from brand.models import BrandKit
from common import views
from common.images import MAX_IMAGE_BYTES
from common.models import PendingUpload

pytestmark = pytest.mark.django_db


def noise_png(side: int, name: str) -> io.BytesIO:
    """A real PNG of random pixels (it does not compress): about 3 x side² bytes."""
    buffer = io.BytesIO()
    pixels = os.urandom(side * side * 3)
    Image.frombytes("RGB", (side, side), pixels).save(buffer, format="PNG", compress_level=0)
    buffer.seek(0)
    buffer.name = name
    return buffer


def field_data(field, files, label="Reference", multiple=True) -> dict:
    """The image field endpoint's form, as the page sends it when files are chosen."""
    return {
        field: files,
        "upload_for": field,
        "upload_id": f"id_{field}",
        "upload_label": label,
        "upload_multiple": "1" if multiple else "",
    }


def kept_ids(page: str, field: str) -> list[str]:
    return re.findall(rf'<input type="hidden" name="{field}" value="([0-9a-f-]{{36}})">', page)


def said(response) -> str:
    return html.unescape(response.content.decode())


def test_images_are_checked_and_stored_from_their_file_never_read_into_memory(user):
    def request(files):
        made = RequestFactory().post(reverse("common:upload"), field_data("reference", files))
        made.user = user
        return made

    views.upload(request([noise_png(100, "warm-up.png")]))  # templates compiled, as in a worker
    PendingUpload.objects.all().delete()
    files = [noise_png(1000, f"shot-{n}.png") for n in range(4)]
    sent = [f.getvalue() for f in files]
    size = len(sent[0])  # about 3 MB each
    request = request(files)
    tracemalloc.start()
    try:
        response = views.upload(request)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200
    assert len(kept_ids(response.content.decode(), "reference")) == 4
    # Read a chunk at a time from the temporary file they were spooled to as they arrived:
    # Python never held one of them whole (before, each was read whole, and copied).
    assert peak < size / 3, f"{peak / 1024**2:.1f} MB held for images of {size / 1024**2:.1f} MB"
    stored = [default_storage.open(u.path).read() for u in PendingUpload.objects.order_by("pk")]
    assert stored == sent
    assert [u.size for u in PendingUpload.objects.order_by("pk")] == [len(s) for s in sent]


def test_an_image_too_large_is_refused_by_name_as_it_arrives_and_the_others_are_kept(alice):
    huge = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_IMAGE_BYTES)
    huge.name = "huge.png"
    files = [noise_png(100, "first.png"), huge, noise_png(100, "last.png")]
    response = alice.post(reverse("common:upload"), field_data("reference", files))
    assert response.status_code == 200
    assert (
        "Reference 2: “huge.png” is larger than 10 MB; at most 10 MB is accepted. Make it "
        "smaller, or choose another." in said(response)
    )
    assert len(kept_ids(response.content.decode(), "reference")) == 2
    assert sorted(PendingUpload.objects.values_list("name", flat=True)) == ["first.png", "last.png"]


def test_images_past_what_one_request_may_bring_are_refused_and_the_form_keeps_the_rest(
    alice, user, settings
):
    """A brand kit sent without JavaScript with more images than one request may bring: those
    that fit are kept, the others named, and the words typed after them are all there."""
    from workspaces.access import personal_workspace

    settings.UPLOAD_MAX_REQUEST_BYTES = 1024**2
    products = [noise_png(365, f"product-{n}.png") for n in range(1, 5)]  # about 400 kB each
    workspace = personal_workspace(user)
    response = alice.post(
        reverse("brand:kit_add", args=[workspace.slug]),
        # The files first: every field sent after them is read all the same.
        {"products": products, "name": "House style", "voice_notes": "Warm, unhurried."},
    )
    assert response.status_code == 400
    page = said(response)
    assert (
        "Product image: 2 images were not added (“product-3.png” and “product-4.png”): the "
        "images sent at once came to more than 1 MB. Add them again, a few at a time." in page
    )
    assert 'value="House style"' in page and "Warm, unhurried.</textarea>" in page
    kept = kept_ids(response.content.decode(), "products")
    assert len(kept) == 2
    names = PendingUpload.objects.order_by("pk").values_list("name", flat=True)
    assert list(names) == ["product-1.png", "product-2.png"]
    assert not BrandKit.objects.exists()
    # Sent again with the two kept and the other two on their own, the kit is saved whole.
    again = {"name": "House style", "voice_notes": "Warm, unhurried.", "products": kept}
    again["products"] = [*kept, noise_png(365, "product-3.png")]
    response = alice.post(reverse("brand:kit_add", args=[workspace.slug]), again)
    assert response.status_code == 302
    assert BrandKit.objects.get().images.count() == 3


def test_more_references_than_the_model_takes_are_refused_before_any_is_read(
    alice, user, reachable
):
    from tests.factories import make_key
    from videos.forms import GenerateForm

    key = make_key(user)
    references = [noise_png(600, f"reference-{n}.png") for n in range(1, 5)]  # 1 MB each
    ids = kept_ids(alice.post(reverse("common:upload"), field_data("reference", references))
                   .content.decode(), "reference")  # fmt: skip
    data = {
        "idempotency_key": "a" * 32,
        "key": key.pk,
        "model": "google/veo-3.1",
        "resolution": "720p",
        "aspect_ratio": "16:9",
        "duration": 8,
        "prompt": "Our bottle on a beach",
        "reference": ids,
    }
    sent = QueryDict(mutable=True)  # as the request carries it
    sent.update({name: value for name, value in data.items() if name != "reference"})
    sent.setlist("reference", ids)
    form = GenerateForm(sent, user=user)
    tracemalloc.start()
    try:
        valid = form.is_valid()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not valid
    assert form.errors["reference"] == [
        "Google: Veo 3.1 takes at most 3 reference images: remove 1."
    ]
    assert peak < 1024**2  # none of the four was read (before, all four were, then refused)
    response = alice.post(reverse("videos:generate"), data)
    assert response.status_code == 400
    assert kept_ids(response.content.decode(), "reference") == ids  # all kept, to choose from


def small_png(name: str) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 80), "#336699").save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def test_images_waiting_past_a_persons_count_are_refused_saying_what_to_do(alice, settings):
    settings.PENDING_UPLOADS_MAX = 5
    files = [small_png(f"r{n}.png") for n in range(1, 9)]
    response = alice.post(reverse("common:upload"), field_data("reference", files))
    page = said(response)
    assert len(kept_ids(response.content.decode(), "reference")) == 5
    assert (
        "Reference 6: “r6.png”: you have 5 images waiting to be used, the most that are kept. "
        "Remove some, or use them, then choose it again; images not used within a day are "
        "forgotten." in page
    )
    assert "2 more images chosen with it were not kept either." in page
    assert PendingUpload.objects.count() == 5


def test_images_waiting_past_a_persons_bytes_are_refused_until_some_are_removed(alice, settings):
    settings.PENDING_UPLOADS_MAX_BYTES = 1024**2
    for n in (1, 2):
        alice.post(reverse("common:upload"), field_data("reference", [noise_png(365, f"{n}.png")]))
    response = alice.post(
        reverse("common:upload"), field_data("reference", [noise_png(365, "3.png")])
    )
    assert (
        "Reference 1: “3.png”: the images you have waiting to be used come to 0.8 MB, and at "
        "most 1 MB are kept. Remove some, or use them, then choose it again" in said(response)
    )
    assert PendingUpload.objects.count() == 2
    first = PendingUpload.objects.order_by("pk").first()
    alice.post(reverse("common:upload_remove", args=[first.public_id]))
    response = alice.post(
        reverse("common:upload"), field_data("reference", [noise_png(365, "3.png")])
    )
    assert len(kept_ids(response.content.decode(), "reference")) == 1
    assert sorted(PendingUpload.objects.values_list("name", flat=True)) == ["2.png", "3.png"]


def test_unstarted_plans_images_past_the_workspace_quota_are_refused_keeping_the_form(
    alice, user, reachable, settings
):
    from campaigns.models import Campaign
    from tests.factories import make_key

    settings.PLAN_IMAGES_MAX_BYTES = 1024**2
    key = make_key(user)

    def plan(name):
        field = field_data("first_frame", [noise_png(365, name)], "First frame", multiple=False)
        (frame,) = kept_ids(alice.post(reverse("common:upload"), field).content.decode(),
                            "first_frame")  # fmt: skip
        brief = {
            "idempotency_key": name,
            "key": key.pk,
            "model": "google/veo-3.1",
            "resolution": "720p",
            "aspect_ratio": "16:9",
            "duration": 8,
            "prompt": f"Our bottle on a beach, {name}",
            "first_frame": frame,
            "also_formats": ["vertical"],
        }
        return frame, alice.post(reverse("campaigns:plan"), brief)

    assert plan("one.png")[1].status_code == 302
    assert plan("two.png")[1].status_code == 302
    frame, refused = plan("three.png")
    assert refused.status_code == 400
    page = said(refused)
    assert (
        "This plan was not saved: its images (0.4 MB) would take the images of "
        f"{key.workspace.name}'s plans nobody has started past 1 MB (they hold 0.8 MB). Start "
        "or discard some plans on the Campaigns page, then plan this again; a plan nobody "
        "starts is forgotten after 14 days." in page
    )
    # Nothing lost: the prompt as typed, the image still the person's, shown again.
    assert "Our bottle on a beach, three.png</textarea>" in page
    assert kept_ids(refused.content.decode(), "first_frame") == [frame]
    assert PendingUpload.objects.filter(public_id=frame).exists()
    assert Campaign.objects.count() == 2
    first = Campaign.objects.order_by("created_at").first()
    assert alice.post(reverse("campaigns:discard", args=[first.public_id])).status_code == 302
    again = alice.post(
        reverse("campaigns:plan"),
        {
            "idempotency_key": "three-again",
            "key": key.pk,
            "model": "google/veo-3.1",
            "resolution": "720p",
            "aspect_ratio": "16:9",
            "duration": 8,
            "prompt": "Our bottle on a beach, three.png",
            "first_frame": frame,
            "also_formats": ["vertical"],
        },
    )
    assert again.status_code == 302
    assert not PendingUpload.objects.exists()


def test_a_campaign_plan_reads_each_brand_kit_image_once_for_all_its_videos(user, reachable):
    from brand.models import BrandImage
    from campaigns import planning
    from tests.factories import make_key
    from videos.forms import GenerateForm

    key = make_key(user)
    kit = BrandKit.objects.create(workspace=key.workspace, name="House style")
    for n in range(3):
        image = noise_png(600, f"product-{n}.png").getvalue()  # 1 MB each
        kit.add_image(BrandImage.Kind.PRODUCT, "image/png", image)
    kit_bytes = sum(default_storage.size(i.path) for i in kit.images.all())
    sent = QueryDict(mutable=True)
    sent.update(
        {
            "idempotency_key": "b" * 32,
            "key": key.pk,
            "model": "google/veo-3.1",
            "resolution": "720p",
            "duration": 8,
            "ad_format": "landscape",
            "prompt": "Our bottle on a beach",
            "wordings": "Our bottle at dawn\nOur bottle in the rain",
            "brand_kit": str(kit.public_id),
            "brand_images": "reference",
        }
    )
    sent.setlist("also_formats", ["vertical", "square"])
    form = GenerateForm(sent, user=user)
    assert form.is_valid(), form.errors
    tracemalloc.start()
    try:
        planned = planning.fan_out(form)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(planned) == 9  # 3 formats x 3 wordings
    assert all(len(item.spec.images) == 3 for item in planned)
    # Read once and shared by the nine videos (before: read again for each, 9 x 3 MB held).
    assert peak < 2 * kit_bytes, f"{peak / 1024**2:.0f} MB held for a kit of 3 MB"


@pytest.mark.parametrize("way", ["preview", "preset"])
def test_an_image_that_cannot_be_kept_is_named_when_the_form_is_shown_again(
    alice, user, reachable, way
):
    """Showing what the kit adds, or saving a preset, without JavaScript: the form comes back
    as sent, and a file it brought that could not be kept is named, not silently dropped."""
    from tests.factories import make_key

    key = make_key(user)
    text = io.BytesIO(b"not an image at all")
    text.name = "notes.png"
    data = {
        "idempotency_key": "c" * 32,
        "key": key.pk,
        "model": "google/veo-3.1",
        "resolution": "720p",
        "aspect_ratio": "16:9",
        "duration": 8,
        "prompt": "Our bottle on a beach",
        "first_frame": text,
    }
    if way == "preview":
        response = alice.post(reverse("videos:generate"), data | {"preview": "1"}, follow=True)
    else:
        url = reverse("videos:preset_save", args=[key.workspace.slug])
        response = alice.post(url, data | {"preset_name": "Beach"})
    page = said(response)
    assert "First frame: this file is not an image we can read. Use a PNG, JPEG or WebP." in page
    assert "Our bottle on a beach</textarea>" in page
