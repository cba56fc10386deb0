"""The keys page in a real browser: log in, add a key, see it masked, at desktop and phone size."""

import pytest

from tests.factories import OPENROUTER_KEY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", VIEWPORTS)
def test_log_in_add_a_key_and_see_it_masked(
    browser, live_server, providers, user, screenshot, size
):
    context = browser.new_context(viewport=VIEWPORTS[size], is_mobile=size == "phone")
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(f"{live_server.url}/keys/")
    assert "/login/" in page.url
    screenshot(page, f"login-{size}")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("alice-pw-1234")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/keys/")

    page.get_by_label("Provider").select_option("openrouter")
    page.get_by_label("Label").fill("Agency OpenRouter")
    page.get_by_label("API key").fill(OPENROUTER_KEY)
    page.get_by_role("button", name="Save and verify").click()
    page.wait_for_url(f"{live_server.url}/keys/")

    row = page.locator(".key-row")
    assert row.count() == 1
    assert "sk-or-…cdef" in row.inner_text()
    assert OPENROUTER_KEY not in page.content()
    assert page.locator(".badge-valid").inner_text() == "Works"

    # Verify again through htmx: the row is swapped in place, without a page load.
    page.evaluate("window.__marker = 1")
    page.get_by_role("button", name="Verify Agency OpenRouter").click()
    page.locator(".key-row .note[role=status]").wait_for()
    assert page.evaluate("window.__marker") == 1
    screenshot(page, f"keys-{size}")
    assert not errors, errors
    context.close()
