"""In Chromium: a member makes a share link and copies it once; a client opens it with a name
and the password, watches the shared versions and compares them; revoked, it opens nothing.
Desktop and phone."""

import io

import pytest
from PIL import Image

from sandbox.clips import ClipSpec, render
from tests.factories import add_member, make_clip, make_job, make_project, make_user
from tests.helpers import DESKTOP, PHONE, browser_page, log_in, until
from videos.models import Clip, VideoJob
from workspaces.access import create_workspace
from workspaces.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ready_clip(job, tmp_path, colour):
    """A real, playable clip of ``job`` with a poster, in storage."""
    path = tmp_path / f"{job.public_id}.mp4"
    render(ClipSpec("Spring launch", 320, 180, 2, job.version - 1, 2, False), path)
    poster = io.BytesIO()
    Image.new("RGB", (320, 180), colour).save(poster, "JPEG")
    return make_clip(
        job,
        status=Clip.Status.READY,
        video_bytes=path.read_bytes(),
        poster_bytes=poster.getvalue(),
        duration=2.0,
    )


@pytest.fixture
def shared_project(user, tmp_path):
    agency = create_workspace(user, "Acme Agency")
    add_member(agency, make_user("viewer"), Membership.Role.VIEWER)
    project = make_project(agency)
    first = make_job(user, agency, project=project, status=VideoJob.Status.READY, prompt="p")
    first_clip = ready_clip(first, tmp_path, (200, 40, 40))
    second = make_job(
        user,
        agency,
        project=project,
        status=VideoJob.Status.READY,
        prompt="p",
        parent=first_clip,
        continuation="extend",
        version=2,
    )
    ready_clip(second, tmp_path, (40, 40, 200))
    return agency, project


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_client_opens_a_share_link_and_compares_versions(
    browser, live_server, shared_project, screenshot, device
):
    agency, _ = shared_project
    viewport = DESKTOP if device == "desktop" else PHONE
    errors = []
    member_context, page = browser_page(browser, DESKTOP, errors)
    member_context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/workspaces/{agency.slug}/clients/")
    page.get_by_role("link", name="Share links").click()
    page.get_by_label("Label").fill("Northwind marketing")
    page.get_by_label("Guests may download").check()
    page.get_by_label("Password").fill("open sesame")
    page.get_by_role("button", name="Make the link").click()
    link_field = page.get_by_label("Send this link to your client")
    url = link_field.input_value()
    assert url.startswith(f"{live_server.url}/s/")
    page.get_by_role("button", name="Copy link").click()
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == url
    screenshot(page, f"share-link-made-{device}")

    guest_context, guest = browser_page(browser, viewport, errors)
    guest.goto(url)
    assert "Acme Agency shares a project with you" in guest.locator("h1").inner_text()
    guest.get_by_label("Your name").fill("Dana")
    guest.get_by_label("Password").fill("guess")
    guest.get_by_role("button", name="Show me the videos").click()
    guest.get_by_text("That password is not right").wait_for()
    assert guest.get_by_label("Your name").input_value() == "Dana"
    guest.get_by_label("Password").fill("open sesame")
    guest.get_by_role("button", name="Show me the videos").click()
    guest.get_by_role("heading", name="Acme Agency shares Spring launch with you").wait_for()
    assert guest.get_by_role("link", name="Download").count() == 2
    # The newest version first, with its poster; version 1 one click away.
    assert guest.locator(".shared-clips img").count() == 1
    assert "Version 2" in guest.locator(".clip-card").inner_text()
    earlier = guest.locator(".earlier-versions")
    assert earlier.get_by_role("link", name="Version 1", exact=True).is_visible()
    screenshot(guest, f"share-overview-{device}")
    guest.get_by_role("link", name="Compare with version 1").click()
    videos = guest.locator("[data-compare-video]")
    videos.nth(1).wait_for()
    assert videos.count() == 2
    until(
        guest,
        "Array.from(document.querySelectorAll('[data-compare-video]'))"
        ".every(v => v.readyState >= 1 && v.duration > 1)",
    )
    screenshot(guest, f"share-compare-{device}")

    # Revoked (after confirming), the link opens nothing, at once.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").click()
    page.get_by_text("opens nothing any more").wait_for()
    assert page.get_by_label("Send this link to your client").count() == 0
    assert [e for e in errors if "status of 400" not in e] == []  # the wrong password: 400
    response = guest.reload()
    assert response.status == 404
    guest_context.close()
    member_context.close()
