"""The generate form with a preset and a brand kit, in Chromium: choosing them re-renders the
form's options (htmx), fills the prompt and shows what the kit adds before anything is sent."""

import pytest

from brand.models import BrandKit, Preset
from tests.factories import make_key
from tests.helpers import DESKTOP, accessible, log_in, settled
from workspaces.access import personal_workspace

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_preset_and_a_kit_on_the_generate_form(browser, live_server, reachable, user, screenshot):
    make_key(user, label="Sandbox")
    # Its own preset: a transactional test cannot count on those shipped by a data migration.
    hero = Preset.objects.create(
        workspace=personal_workspace(user),
        name="Hero",
        prompt_template="A slow dolly-in on {product}, rim light; ends on “{offer}”.",
        parameters={"aspect_ratio": "16:9", "duration": 8},
    )
    BrandKit.objects.create(
        workspace=personal_workspace(user),
        name="House style",
        voice_notes="Warm and unhurried",
        visual_rules="clutter",
        words_to_avoid="cheap",
    )
    base = live_server.url
    page = browser.new_context(**DESKTOP).new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, base)

    page.get_by_label("Model").select_option("google/veo-3.1")
    page.locator("#id_negative_prompt").wait_for()
    settled(page)
    page.get_by_label("Preset", exact=True).select_option(str(hero.public_id))
    page.locator("#id_fill_product").wait_for()
    settled(page)
    assert page.locator("#id_prompt").input_value() == hero.prompt_template
    page.locator("#id_fill_product").fill("the Lumen lamp")
    page.locator("#id_fill_offer").fill("20% off")
    page.get_by_label("Brand kit", exact=True).select_option(label="House style")
    page.locator(".brand-box").wait_for()
    settled(page)
    # The values typed before the kit was chosen are still there.
    assert page.locator("#id_fill_product").input_value() == "the Lumen lamp"
    box = page.locator(".brand-box")
    assert page.locator(".brand-addition").inner_text() == "Warm and unhurried. Avoid: cheap."
    assert page.locator(".brand-negative").inner_text() == "clutter"
    assert "What the brand kit adds" in box.inner_text()
    accessible(page, "generate with a brand kit")
    screenshot(page, "generate-brand-kit")
    assert not errors, errors
