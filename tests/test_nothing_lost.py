"""Nothing typed or chosen is lost: images are kept on the server the moment they are chosen
(the person's pending uploads, nobody else's), every re-render and refused submit keeps them,
a change of model or key keeps the settings the new model takes and says what it cannot, and
saving a preset leaves the form as it was."""

import html
import io
import re
import uuid
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from brand.models import BrandKit
from campaigns.models import Campaign
from common.models import PendingUpload
from tests.factories import make_clip, make_key
from tests.helpers import png_upload as png
from videos import lifecycle
from videos.models import VideoJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(user, reachable):
    return make_key(user)


def keep(client, field="first_frame", *files, label="First frame", multiple=False, kept=()):
    """Choose ``files`` in the form's ``field``, as the page does on change (htmx)."""
    data = {
        "upload_for": field,
        "upload_id": f"id_{field}",
        "upload_label": label,
        "upload_multiple": "1" if multiple else "",
        field: [*kept, *files],
    }
    return client.post(reverse("common:upload"), data, headers={"HX-Request": "true"})


def kept_ids(page: str, field: str) -> list[str]:
    return re.findall(rf'<input type="hidden" name="{field}" value="([0-9a-f-]{{36}})">', page)


def options(client, key, **data):
    """The generate form's options re-rendered after a change (htmx GET)."""
    query = {"key": key.pk, "model": "google/veo-3.1", **data}
    return client.get(reverse("videos:generate_options"), query).content.decode()


def big_png(name="bottle.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (1280, 720), "#3355aa").save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def test_a_chosen_image_is_kept_for_that_person_only(alice, user, other_user, key):
    response = keep(alice, "first_frame", big_png())
    assert response.status_code == 200
    page = response.content.decode()
    (public_id,) = kept_ids(page, "first_frame")
    upload = PendingUpload.objects.get(public_id=public_id)
    assert upload.owner == user and upload.name == "bottle.png"
    assert upload.mime_type == "image/png" and default_storage.exists(upload.path)
    thumbnail = reverse("common:upload_file", args=[public_id])
    assert f'src="{thumbnail}"' in page and 'alt="First frame: bottle.png"' in page
    assert ">Remove<" in page
    shown = alice.get(thumbnail)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(shown.content)).size == (320, 180)  # made small to be shown
    bob = Client()
    bob.force_login(other_user)
    assert bob.get(thumbnail).status_code == 404
    assert bob.post(reverse("common:upload_remove", args=[public_id])).status_code == 404
    # Another person's id sent with their own form names nothing.
    theirs = keep(bob, "first_frame", kept=[public_id]).content.decode()
    assert kept_ids(theirs, "first_frame") == []
    assert PendingUpload.objects.filter(public_id=public_id).exists()


def test_a_file_that_is_no_image_is_refused_with_its_reason(alice, key):
    text = png(name="notes.txt")
    text.seek(0)
    text.truncate()
    text.write(b"not an image at all")
    text.seek(0)
    page = keep(alice, "first_frame", text).content.decode()
    assert "First frame: this file is not an image we can read." in html.unescape(page)
    assert not PendingUpload.objects.exists()


def test_choosing_another_first_frame_replaces_it_and_remove_forgets_it(alice, key):
    first = kept_ids(keep(alice, "first_frame", png("#111111")).content.decode(), "first_frame")
    again = keep(alice, "first_frame", png("#222222"), kept=first).content.decode()
    (second,) = kept_ids(again, "first_frame")
    assert second != first[0]
    assert list(PendingUpload.objects.values_list("public_id", flat=True)) == [uuid.UUID(second)]
    path = PendingUpload.objects.get().path
    assert alice.post(reverse("common:upload_remove", args=[second])).status_code == 200
    assert not PendingUpload.objects.exists() and not default_storage.exists(path)


def test_references_add_up(alice, key):
    first = keep(alice, "reference", png("#111111"), label="Reference", multiple=True)
    ids = kept_ids(first.content.decode(), "reference")
    two = [png("#222222"), png("#333333")]
    more = keep(alice, "reference", *two, label="Reference", multiple=True, kept=ids)
    assert len(kept_ids(more.content.decode(), "reference")) == 3


def test_changing_the_model_keeps_what_it_takes_and_says_what_it_cannot(alice, key):
    (frame,) = kept_ids(keep(alice, "first_frame", png()).content.decode(), "first_frame")
    before = {
        "negative_prompt": "blur, text",
        "seed": "42",
        "duration": "8",
        "resolution": "720p",
        "first_frame": frame,
        "prompt": "Our bottle on a beach",
        "generate_audio": "on",
    }
    hailuo = options(alice, key, model="minimax/hailuo-2.3", changed="model", **before)
    assert kept_ids(hailuo, "first_frame") == [frame]  # the thumbnail stays
    note = html.unescape(re.search(r'class="notice settings-note"[^>]*>([^<]*)<', hailuo)[1])
    assert note.startswith(
        "MiniMax: Hailuo 2.3 does not take a negative prompt or a seed: removed."
    )
    assert "Duration: 6 s (it does not offer 8 s)." in note
    assert 'name="negative_prompt"' not in hailuo and 'name="seed"' not in hailuo
    # Back to a model that takes them all: nothing is lost on the way.
    veo = options(alice, key, changed="model", **before)
    assert kept_ids(veo, "first_frame") == [frame]
    assert 'name="negative_prompt" value="blur, text"' in veo
    assert 'name="seed" value="42"' in veo
    assert '<option value="8" selected>8 seconds</option>' in veo
    assert "settings-note" not in veo


def audio_box(page: str) -> str:
    return re.search(r'<input type="checkbox" name="generate_audio"[^>]*>', page)[0]


def test_an_audio_box_left_unticked_stays_unticked_through_a_change_of_model_or_key(
    alice, user, key
):
    """An unticked box sends nothing; the marker sent beside it tells it from a model that had
    no audio switch, so another model never ticks it again (and never dearer)."""
    shown = {"generate_audio_shown": "1"}  # what the browser sends with a box it showed
    page = options(alice, key, model="google/veo-3.1-fast", changed="model", **shown)
    assert "checked" not in audio_box(page)
    assert 'name="generate_audio_shown"' in page
    other = make_key(user, label="Second key")
    assert "checked" not in audio_box(options(alice, other, changed="key", **shown))
    ticked = options(
        alice, key, model="google/veo-3.1-fast", changed="model", generate_audio="on", **shown
    )
    assert "checked" in audio_box(ticked)
    # From a model with no audio switch (nothing was chosen), the new model's own default.
    assert "checked" in audio_box(options(alice, key, changed="model"))


def test_an_ad_format_that_sets_another_duration_says_so(alice, key):
    page = options(alice, key, changed="ad_format", ad_format="landscape", duration="4")
    note = html.unescape(re.search(r'class="notice settings-note"[^>]*>([^<]*)<', page)[1])
    assert note == "Duration: 6 s, the usual length for YouTube (16:9); it was 4 s."
    same = options(alice, key, changed="ad_format", ad_format="landscape", duration="6")
    assert "settings-note" not in same


def test_changing_the_key_or_the_ad_format_keeps_images_and_settings(alice, user, key):
    other = make_key(user, label="Second key")
    (frame,) = kept_ids(keep(alice, "first_frame", png()).content.decode(), "first_frame")
    refs = kept_ids(
        keep(alice, "reference", png("#222222"), label="Reference", multiple=True).content.decode(),
        "reference",
    )
    kept = {"negative_prompt": "blur", "seed": "7", "first_frame": frame, "reference": refs}
    page = options(alice, other, changed="key", **kept)
    assert kept_ids(page, "first_frame") == [frame] and kept_ids(page, "reference") == refs
    assert 'name="seed" value="7"' in page and 'name="negative_prompt" value="blur"' in page
    page = options(alice, key, changed="ad_format", ad_format="vertical", **kept)
    assert kept_ids(page, "first_frame") == [frame]


def brief(key, **data) -> dict:
    """The generate form, filled in for ``key`` (with ``data`` over it)."""
    return {
        "idempotency_key": uuid.uuid4().hex,
        "key": key.pk,
        "model": "google/veo-3.1",
        "resolution": "720p",
        "aspect_ratio": "16:9",
        "duration": 8,
        "prompt": "Our bottle on a beach",
    } | data


def generate(client, key, **data):
    return client.post(reverse("videos:generate"), brief(key, **data))


def test_a_refused_submit_keeps_the_image_and_the_job_takes_it_over(alice, key):
    """Without JavaScript too: the file sent with a refused form is kept, shown, and used."""
    refused = generate(alice, key, first_frame=png(name="bottle.png"), seed="-3")
    assert refused.status_code == 400
    page = refused.content.decode()
    (frame,) = kept_ids(page, "first_frame")
    upload = PendingUpload.objects.get(public_id=frame)
    assert 'alt="First frame: bottle.png"' in page
    made = generate(alice, key, first_frame=frame)
    assert made.status_code == 302, made.content.decode()[:2000]
    job = VideoJob.objects.get()
    # The job's input is the kept file itself, not a copy; no longer pending.
    assert job.image_inputs == [
        {"role": "first_frame", "mime_type": "image/png", "chosen": True, "path": upload.path}
    ]
    assert not PendingUpload.objects.exists()
    assert lifecycle.spec_for(job).images[0].data == default_storage.open(upload.path).read()


def test_saving_a_preset_keeps_the_form_exactly_as_it_was(alice, user, key):
    from workspaces.access import personal_workspace

    workspace = personal_workspace(user)
    make_key(user, label="Another key")  # the key used last would be another one
    kit = BrandKit.objects.create(workspace=workspace, name="House style", voice_notes="Warm.")
    (frame,) = kept_ids(keep(alice, "first_frame", png()).content.decode(), "first_frame")
    form = {
        "idempotency_key": uuid.uuid4().hex,
        "key": key.pk,
        "model": "google/veo-3.1-fast",
        "prompt": "Our {product} at dawn",
        "negative_prompt": "blur",
        "brand_kit": str(kit.public_id),
        "first_frame": frame,
        "duration": "6",
        "resolution": "720p",
        "preset_name": "Dawn",
    }
    from brand.models import Preset

    hero = Preset.objects.get(name="Product hero")
    form |= {"preset": str(hero.public_id), "fill_product": "the Lumen lamp"}
    response = alice.post(reverse("videos:preset_save", args=[workspace.slug]), form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Saved the preset “Dawn”" in html.unescape(page)
    assert f'<option value="{key.pk}" selected>' in page
    assert '<option value="google/veo-3.1-fast" selected>' in page
    assert f'<option value="{kit.public_id}" selected>' in page
    assert 'value="the Lumen lamp"' in page
    assert kept_ids(page, "first_frame") == [frame]
    assert "Our {product} at dawn</textarea>" in page
    # With htmx only the options come back, just the same.
    form["preset_name"] = "Dusk"
    again = alice.post(
        reverse("videos:preset_save", args=[workspace.slug]), form, headers={"HX-Request": "true"}
    ).content.decode()
    assert '<option value="google/veo-3.1-fast" selected>' in again
    assert kept_ids(again, "first_frame") == [frame] and 'value="the Lumen lamp"' in again


def test_a_kit_refused_for_another_field_keeps_its_product_images(alice, user):
    from workspaces.access import personal_workspace

    workspace = personal_workspace(user)
    add = reverse("brand:kit_add", args=[workspace.slug])
    refused = alice.post(
        add,
        {"name": "House style", "colours": "#12", "products": [png("#111111"), png("#222222")]},
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "is not a colour code" in page
    products = kept_ids(page, "products")
    assert len(products) == 2
    paths = [PendingUpload.objects.get(public_id=p).path for p in products]
    saved = alice.post(add, {"name": "House style", "colours": "#123", "products": products})
    assert saved.status_code == 302
    kit = BrandKit.objects.get()
    assert [i.path for i in kit.ordered_images()] == paths  # taken over, not copied
    assert not PendingUpload.objects.exists()


def test_a_campaign_plan_takes_over_the_images(alice, key):
    (frame,) = kept_ids(keep(alice, "first_frame", png()).content.decode(), "first_frame")
    path = PendingUpload.objects.get().path
    payload = brief(key, first_frame=frame, also_formats=["vertical"])
    response = alice.post(reverse("campaigns:plan"), payload)
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get()
    assert [entry["path"] for entry in campaign.image_inputs] == [path]
    assert not PendingUpload.objects.exists()
    # The same form again (a double click) is the same plan, not a refusal.
    assert alice.post(reverse("campaigns:plan"), payload)["Location"] == response["Location"]


def test_images_nobody_used_are_forgotten_after_a_day(alice, key):
    keep(alice, "first_frame", png("#111111"))
    keep(alice, "last_frame", png("#222222"), label="Last frame")
    old, recent = PendingUpload.objects.order_by("pk")
    PendingUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    lifecycle.recovery_ran.send_robust(sender=VideoJob)
    assert list(PendingUpload.objects.all()) == [recent]
    assert not default_storage.exists(old.path) and default_storage.exists(recent.path)


def test_a_submit_refused_by_the_budget_keeps_the_image(alice, user, key):
    from workspaces.access import membership_of, personal_workspace
    from workspaces.models import Budget

    workspace = personal_workspace(user)
    Budget.set(workspace, None, 1, by=membership_of(user, workspace))
    (frame,) = kept_ids(keep(alice, "first_frame", png()).content.decode(), "first_frame")
    path = PendingUpload.objects.get().path
    refused = generate(alice, key, first_frame=frame)
    assert refused.status_code == 400 and "budget" in refused.content.decode()
    assert kept_ids(refused.content.decode(), "first_frame") == [frame]
    assert PendingUpload.objects.filter(public_id=frame).exists()
    assert default_storage.exists(path) and not VideoJob.objects.exists()


def test_showing_what_the_kit_adds_without_javascript_keeps_the_image(alice, user, key):
    from workspaces.access import personal_workspace

    kit = BrandKit.objects.create(
        workspace=personal_workspace(user), name="House style", voice_notes="Warm."
    )
    page = generate(
        alice, key, preview="1", brand_kit=str(kit.public_id), first_frame=png(name="bottle.png")
    ).content.decode()
    assert "What the brand kit adds" in page and not VideoJob.objects.exists()
    (frame,) = kept_ids(page, "first_frame")
    assert PendingUpload.objects.get(public_id=frame).name == "bottle.png"


def test_an_extension_refused_when_sent_keeps_what_was_typed(alice, user, key):
    """The provider stopped keeping the clip between showing the form and sending it."""

    from tests.factories import make_job
    from videos.models import Clip

    job = make_job(
        user,
        key=key,
        parameters={"duration": 8, "sample_count": 1},
        status=VideoJob.Status.READY,
        provider_job_id="gen-vid-1-kept-then-gone",
    )
    make_clip(
        job,
        status=Clip.Status.READY,
        video_bytes=b"\0" * 64,
        source_expires_at=timezone.now() - timedelta(minutes=1),
    )
    url = reverse("videos:clip_continue", args=[job.public_id, 1, "extend"])
    response = alice.post(url, {"idempotency_key": uuid.uuid4().hex, "prompt": "The pan goes on"})
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "which it no longer does" in page and "The pan goes on</textarea>" in page
    assert "Make the extended version" not in page  # it would be refused again
    assert VideoJob.objects.count() == 1


def test_a_refused_campaign_plan_keeps_the_image(alice, key):
    payload = {
        "idempotency_key": uuid.uuid4().hex,
        "key": key.pk,
        "model": "google/veo-3.1",
        "resolution": "720p",
        "aspect_ratio": "16:9",
        "duration": 8,
        "prompt": "Our bottle on a beach",
        "seed": "-3",
        "also_formats": ["vertical"],
        "first_frame": png(name="bottle.png"),
    }
    refused = alice.post(reverse("campaigns:plan"), payload)
    assert refused.status_code == 400 and not Campaign.objects.exists()
    (frame,) = kept_ids(refused.content.decode(), "first_frame")
    assert PendingUpload.objects.get(public_id=frame).name == "bottle.png"


# --- a new video from an earlier one's settings brings back the images chosen for it ---------


def from_page(client, job):
    return client.get(reverse("videos:generate") + f"?from={job.public_id}")


def stored(path) -> bytes:
    with default_storage.open(path, "rb") as handle:
        return handle.read()


def earlier_job(user, key, *roles, **fields):
    """A job whose images (one per role) the person chose, as the generate form saves them."""
    from providers.base import ImageInput
    from tests.factories import make_job
    from videos.images import save_inputs

    colours = ["#aa2211", "#11aa22", "#2211aa"]
    images = tuple(
        ImageInput(role, "image/png", png(colours[n]).getvalue()) for n, role in enumerate(roles)
    )
    entries = [entry | {"chosen": True} for entry in save_inputs(images)]
    return make_job(user, key=key, prompt="Our bottle", image_inputs=entries, **fields)


def test_a_new_video_from_an_earlier_one_brings_back_its_images(alice, user, key):
    job = earlier_job(user, key, "first_frame", "reference")
    response = from_page(alice, job)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "not copied" not in page
    (frame,) = kept_ids(page, "first_frame")
    (reference,) = kept_ids(page, "reference")
    for public_id, entry in zip((frame, reference), job.image_inputs, strict=True):
        upload = PendingUpload.objects.get(public_id=public_id)
        assert upload.owner == user
        assert upload.path != entry["path"]  # its own copy: the job keeps its file
        assert stored(upload.path) == stored(entry["path"])
        assert f'src="{reverse("common:upload_file", args=[public_id])}"' in page
    # Showing the page again brings back the same ones, not more copies.
    again = from_page(alice, job).content.decode()
    assert kept_ids(again, "first_frame") == [frame] and kept_ids(again, "reference") == [reference]
    assert PendingUpload.objects.count() == 2
    # Removing one forgets only the copy.
    upload = PendingUpload.objects.get(public_id=reference)
    assert alice.post(reverse("common:upload_remove", args=[reference])).status_code == 200
    assert not default_storage.exists(upload.path)
    assert default_storage.exists(job.image_inputs[1]["path"])


def test_generating_from_the_earlier_video_sends_the_same_images(alice, user, key):
    job = earlier_job(user, key, "first_frame", "last_frame")
    page = from_page(alice, job).content.decode()
    frames = {role: kept_ids(page, role) for role in ("first_frame", "last_frame")}
    assert all(len(ids) == 1 for ids in frames.values())
    made = generate(alice, key, prompt="Our bottle at dusk", **frames)
    assert made.status_code == 302, made.content.decode()[:2000]
    new = VideoJob.objects.exclude(pk=job.pk).get()
    assert [e["role"] for e in new.image_inputs] == ["first_frame", "last_frame"]
    for mine, theirs in zip(new.image_inputs, job.image_inputs, strict=True):
        assert stored(mine["path"]) == stored(theirs["path"])
        assert default_storage.exists(theirs["path"])  # the earlier job keeps its own
    assert not PendingUpload.objects.exists()  # taken over by the new job
    # And the new job, in turn, brings them back.
    again = from_page(alice, new).content.decode()
    assert len(kept_ids(again, "first_frame")) == 1 and len(kept_ids(again, "last_frame")) == 1


def test_someone_without_access_gets_404_and_no_images(client, user, other_user, key):
    job = earlier_job(user, key, "first_frame")
    client.force_login(other_user)
    assert from_page(client, job).status_code == 404
    assert not PendingUpload.objects.exists()
    # The person who may see it gets the copy, theirs only; sent (POST), nothing is copied.
    alice = Client()
    alice.force_login(user)
    alice.post(reverse("videos:generate") + f"?from={job.public_id}", {"prompt": ""})
    assert not PendingUpload.objects.exists()
    (frame,) = kept_ids(from_page(alice, job).content.decode(), "first_frame")
    assert PendingUpload.objects.get().owner == user
    assert client.get(reverse("common:upload_file", args=[frame])).status_code == 404


def test_the_brand_kits_images_do_not_come_back_as_yours(alice, user, key):
    from workspaces.access import personal_workspace

    kit = BrandKit.objects.create(workspace=personal_workspace(user), name="House style")
    kit.add_image("product", "image/png", png("#ff8800").getvalue())
    mine = kept_ids(
        keep(alice, "reference", png("#0088ff"), label="Reference", multiple=True).content.decode(),
        "reference",
    )
    made = generate(alice, key, brand_kit=str(kit.public_id), reference=mine)
    assert made.status_code == 302, made.content.decode()[:2000]
    job = VideoJob.objects.get()
    assert len(job.image_inputs) == 2  # the person's reference, then the kit's product image
    page = html.unescape(from_page(alice, job).content.decode())
    (again,) = kept_ids(page, "reference")
    copy = PendingUpload.objects.get(public_id=again)
    assert stored(copy.path) == stored(job.image_inputs[0]["path"])
    assert "choose the brand kit “House style” to add them again" in page
    # Generated with the kit again: its image is sent once, after the person's.
    made = generate(alice, key, brand_kit=str(kit.public_id), reference=[again])
    assert made.status_code == 302, made.content.decode()[:2000]
    new = VideoJob.objects.exclude(pk=job.pk).get()
    sent = [stored(e["path"]) for e in new.image_inputs]
    assert sent == [stored(e["path"]) for e in job.image_inputs]


def test_an_older_video_made_with_a_kit_says_its_images_are_not_copied(alice, user, key):
    """Saved before a job said which images were the person's: they cannot be told apart."""
    from workspaces.access import personal_workspace

    kit = BrandKit.objects.create(workspace=personal_workspace(user), name="House style")
    job = earlier_job(user, key, "reference", brand_kit=kit)
    VideoJob.objects.filter(pk=job.pk).update(
        image_inputs=[{k: v for k, v in e.items() if k != "chosen"} for e in job.image_inputs]
    )
    page = html.unescape(from_page(alice, job).content.decode())
    assert "The images of that video are not copied" in page
    assert kept_ids(page, "reference") == [] and not PendingUpload.objects.exists()
    # Without a kit, every image of an older video was the person's.
    VideoJob.objects.filter(pk=job.pk).update(brand_kit=None)
    page = html.unescape(from_page(alice, job).content.decode())
    assert "not copied" not in page and len(kept_ids(page, "reference")) == 1
