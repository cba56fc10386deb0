"""In Chromium: images chosen in a brand kit's image field are counted as they arrive; those
past what one request may bring are named on the field, those the proxy refuses whole are
said to be refused, and what was typed and kept stays."""

import pytest
from PIL import Image

from tests.helpers import DESKTOP, accessible, settled
from workspaces.access import personal_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def image_files(folder, count, side=365):
    """Real PNGs of random pixels (about 3 x side² bytes each)."""
    import os

    paths = []
    for number in range(1, count + 1):
        path = folder / f"product-{number}.png"
        pixels = os.urandom(side * side * 3)
        Image.frombytes("RGB", (side, side), pixels).save(path, format="PNG", compress_level=0)
        paths.append(path)
    return paths


def test_images_chosen_past_what_one_request_may_bring_are_named_and_the_rest_kept(
    signed_in, user, settings, screenshot, tmp_path
):
    settings.UPLOAD_MAX_REQUEST_BYTES = 1024**2  # two of these images
    base, open_page = signed_in
    slug = personal_workspace(user).slug
    page = open_page(DESKTOP)
    page.goto(f"{base}/workspaces/{slug}/brand/kits/new/")
    page.get_by_label("Name").fill("House style")
    products = page.locator("#id_products_images")

    page.set_input_files("#id_products", image_files(tmp_path, 4))
    products.locator(".field-error").wait_for()
    settled(page)
    assert products.locator(".pending-image").count() == 2
    assert products.locator(".field-error").inner_text() == (
        "Product image: 2 images were not added (“product-3.png” and “product-4.png”): the "
        "images sent at once came to more than 1 MB. Add them again, a few at a time."
    )
    accessible(page, "brand kit with images past what one request may bring")
    screenshot(page, "uploads-past-the-request-total")

    # Behind a proxy whose body limit is smaller: its 413 is said on the field, nothing else
    # changes, and the refused files are not sent again with the form.
    page.route("**/uploads/", lambda route: route.fulfill(status=413, body="Too large"))
    page.set_input_files("#id_products", image_files(tmp_path, 3))
    refused = page.locator(".upload-refused")
    refused.wait_for()
    assert refused.inner_text() == (
        "These images are too large to send together: none of them was kept. Choose fewer at "
        "a time."
    )
    assert products.locator(".field-error").count() == 1  # the earlier choice's is gone
    assert products.locator(".pending-image").count() == 2
    assert page.locator("#id_products").evaluate("input => input.files.length") == 0
    assert page.get_by_label("Name").input_value() == "House style"
    screenshot(page, "uploads-refused-by-the-proxy")
    assert [e for e in page.errors if "413" not in e] == []
