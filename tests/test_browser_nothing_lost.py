"""In Chromium, at desktop and phone size: a marketer's product image survives everything the
generate form goes through on the way to a job (two changes of model, a change of ad format,
saving a preset, a refused submit), and a brand kit refused for another field keeps its
product images."""

import pytest
from PIL import Image

from brand.models import BrandKit
from tests.factories import make_key
from tests.helpers import DESKTOP, PHONE, accessible, run_in_process, settled
from videos.models import VideoJob

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def image_file(folder, name, colour):
    path = folder / name
    Image.new("RGB", (640, 360), colour).save(path, format="PNG")
    return path


def thumbnails(page, field):
    return page.locator(f"#id_{field}_images .pending-image img")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_product_image_stays_until_the_job_is_made(
    signed_in, user, reachable, screenshot, device, tmp_path
):
    base, open_page = signed_in
    make_key(user)
    page = open_page(DESKTOP if device == "desktop" else PHONE)
    page.goto(f"{base}/generate/")
    page.get_by_label("Model", exact=True).select_option("google/veo-3.1")
    settled(page)
    page.get_by_label("Prompt", exact=True).fill("Our bottle on a beach at dawn")
    page.get_by_label("Negative prompt").fill("blur, text")

    # The product image as the first frame: kept at once, shown as a thumbnail.
    bottle = image_file(tmp_path, "bottle.png", "#3355aa")
    page.set_input_files("#id_first_frame", bottle)
    thumbnails(page, "first_frame").wait_for()
    settled(page)
    assert thumbnails(page, "first_frame").get_attribute("alt") == "First frame: bottle.png"
    assert page.locator(".settings-note").count() == 0  # Veo takes everything chosen
    screenshot(page, f"nothing-lost-{device}-1-image-chosen")

    # A model without a negative prompt: the image stays, the notice says what went.
    page.get_by_label("Model", exact=True).select_option("minimax/hailuo-2.3")
    settled(page)
    note = page.locator(".settings-note")
    assert note.inner_text().startswith(
        "MiniMax: Hailuo 2.3 does not take a negative prompt: removed."
    )
    assert thumbnails(page, "first_frame").count() == 1
    assert page.get_by_label("Negative prompt").count() == 0
    accessible(page, f"generate with a kept image and a notice ({device})")
    screenshot(page, f"nothing-lost-{device}-2-model-changed")

    # Another model again, and another ad format: the image is still there.
    page.get_by_label("Model", exact=True).select_option("google/veo-3.1-fast")
    settled(page)
    assert thumbnails(page, "first_frame").count() == 1
    page.get_by_label("Ad format").select_option("vertical")
    settled(page)
    assert thumbnails(page, "first_frame").count() == 1
    assert page.get_by_label("Prompt", exact=True).input_value() == "Our bottle on a beach at dawn"
    screenshot(page, f"nothing-lost-{device}-3-format-changed")

    # Saving a preset leaves the form as it was.
    page.get_by_text("Save these settings as a preset").click()
    page.get_by_label("Name of the new preset").fill("Beach bottle")
    page.get_by_role("button", name="Save preset").click()
    page.get_by_text("Saved the preset “Beach bottle”").wait_for()
    settled(page)
    assert page.get_by_label("Model", exact=True).input_value() == "google/veo-3.1-fast"
    assert page.get_by_label("Ad format").input_value() == "vertical"
    assert page.get_by_label("Prompt", exact=True).input_value() == "Our bottle on a beach at dawn"
    assert thumbnails(page, "first_frame").count() == 1
    screenshot(page, f"nothing-lost-{device}-4-preset-saved")

    # A refused field: the page comes back with the image.
    page.get_by_label("Seed", exact=True).fill("-3")
    page.get_by_role("button", name="Generate").click()
    page.locator(".field-error", has_text="greater than or equal to 0").wait_for()
    assert thumbnails(page, "first_frame").count() == 1
    assert not VideoJob.objects.exists()
    screenshot(page, f"nothing-lost-{device}-5-refused")

    page.get_by_label("Seed", exact=True).fill("42")
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(f"{base}/videos/**")
    job = VideoJob.objects.get()
    assert job.model == "google/veo-3.1-fast" and job.parameters["ad_format"] == "vertical"
    assert [entry["role"] for entry in job.image_inputs] == ["first_frame"]
    job = run_in_process(job)
    assert job.status == VideoJob.Status.READY, job.error
    sent = reachable.stats()["jobs"][job.provider_job_id.rsplit("/", 1)[-1]]["request"]
    (frame,) = sent["frame_images"]
    assert frame["frame_type"] == "first_frame"
    # The very bytes chosen at the start (the sandbox records what it received).
    assert frame["image_url"]["url"] == f"<image/png {bottle.stat().st_size} bytes>"
    page.goto(f"{base}{job.get_absolute_url()}")
    screenshot(page, f"nothing-lost-{device}-6-job")
    assert [e for e in page.errors if "status of 400" not in e] == []  # the refusal: 400


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_refused_brand_kit_keeps_its_product_images(
    signed_in, user, screenshot, device, tmp_path
):
    from workspaces.access import personal_workspace

    base, open_page = signed_in
    slug = personal_workspace(user).slug
    page = open_page(DESKTOP if device == "desktop" else PHONE)
    page.goto(f"{base}/workspaces/{slug}/brand/kits/new/")
    page.get_by_label("Name").fill("House style")
    page.get_by_label("Colours").fill("#12")
    files = [image_file(tmp_path, f"product-{n}.png", c) for n, c in enumerate(["#a33", "#3a3"])]
    page.set_input_files("#id_products", files)
    thumbnails(page, "products").nth(1).wait_for()
    settled(page)
    page.get_by_role("button", name="Save brand kit").click()
    page.locator(".field-error", has_text="is not a colour code").wait_for()
    assert thumbnails(page, "products").count() == 2
    accessible(page, f"brand kit refused with kept images ({device})")
    screenshot(page, f"nothing-lost-{device}-kit-refused")

    page.get_by_label("Colours").fill("#123456")
    page.get_by_role("button", name="Save brand kit").click()
    page.wait_for_url(f"{base}/workspaces/{slug}/brand/")
    kit = BrandKit.objects.get()
    assert [image.kind for image in kit.ordered_images()] == ["product", "product"]
    assert [e for e in page.errors if "status of 400" not in e] == []  # the refusal: 400


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_blocked_videos_product_image_comes_back_with_its_settings(
    signed_in, user, start_worker, screenshot, device, tmp_path
):
    """The provider's safety rules refuse the prompt; changing it keeps the product image."""
    import re

    base, open_page = signed_in
    make_key(user)
    start_worker()
    page = open_page(DESKTOP if device == "desktop" else PHONE)
    shot = f"nothing-lost-{device}-from-blocked"
    page.goto(f"{base}/generate/")
    page.get_by_label("Model", exact=True).select_option("google/veo-3.1")
    settled(page)
    page.get_by_label("Duration").select_option("4")
    settled(page)
    page.set_input_files("#id_first_frame", image_file(tmp_path, "bottle.png", "#3355aa"))
    thumbnails(page, "first_frame").wait_for()
    page.get_by_label("Prompt", exact=True).fill("[sandbox:safety] Our bottle in a bar fight")
    page.get_by_role("button", name="Generate", exact=True).click()
    page.wait_for_url(re.compile(r"/videos/[0-9a-f-]+/$"))
    problem = page.locator("section.problem")
    problem.wait_for(timeout=60_000)
    assert "safety" in problem.get_by_role("heading").inner_text()
    blocked = VideoJob.objects.get()
    assert blocked.status == VideoJob.Status.BLOCKED
    action = problem.locator(".actions a")
    assert action.all_inner_texts() == ["Change the prompt or settings"]
    screenshot(page, f"{shot}-1-blocked")

    # Its one action: the form again, the product image among the prompt and settings.
    action.first.click()
    page.get_by_role("heading", name="Generate a video").wait_for()
    settled(page)
    assert page.get_by_label("Prompt", exact=True).input_value().startswith("[sandbox:safety]")
    assert page.get_by_label("Duration").input_value() == "4"
    assert thumbnails(page, "first_frame").count() == 1
    assert thumbnails(page, "first_frame").evaluate("img => img.naturalWidth > 0")
    assert "not copied" not in page.content()
    accessible(page, f"generate from a blocked video ({device})")
    screenshot(page, f"{shot}-2-image-back")

    # A prompt the rules accept: the new video is made from the same product image.
    page.get_by_label("Prompt", exact=True).fill("Our bottle on a beach at dawn")
    page.get_by_role("button", name="Generate", exact=True).click()
    page.wait_for_url(re.compile(r"/videos/[0-9a-f-]+/$"))
    page.get_by_text("Your clips are done").wait_for(timeout=60_000)
    screenshot(page, f"{shot}-3-made")
    made = VideoJob.objects.exclude(pk=blocked.pk).get()
    assert made.status == VideoJob.Status.READY
    assert made.prompt == "Our bottle on a beach at dawn"
    (mine,), (theirs,) = made.image_inputs, blocked.image_inputs
    assert mine["role"] == theirs["role"] == "first_frame"
    assert stored(mine["path"]) == stored(theirs["path"])


def stored(path) -> bytes:
    from django.core.files.storage import default_storage

    with default_storage.open(path, "rb") as handle:
        return handle.read()
