"""Any two versions of a video side by side: members and the guests of a share link choose
the other version (``?with=``), the earlier always plays on the left, and nothing outside the
video's versions (or outside what a link shares) is ever shown."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from review.models import ShareLink
from tests.factories import (
    logged_in,
    make_job,
    make_project,
    make_ready_clip,
    make_user,
    make_workspace,
    member,
)
from tests.helpers import DESKTOP, PHONE, log_in
from tests.personas import MEMBER, OWNER
from videos.models import Clip, VideoJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(agency, user):
    """Spring launch: version 1 (two clips), version 2 made from its second clip, version 3
    made from version 2, and a version 4 still being made; another video of the same project."""
    project = make_project(agency)

    def job(prompt, **fields):
        fields.setdefault("status", VideoJob.Status.READY)
        return make_job(user, agency, project=project, prompt=prompt, **fields)

    v1 = job("A kite over the harbour")
    make_ready_clip(v1)
    v1_second = make_ready_clip(v1, index=1)
    v2 = job("A red kite over the harbour", parent=v1_second, continuation="edit", version=2)
    v2_clip = make_ready_clip(v2)
    v3 = job("A red kite at dusk", parent=v2_clip, continuation="extend", version=3)
    v3_clip = make_ready_clip(v3)
    v4 = job("A red kite at night", parent=v3_clip, version=4, status=VideoJob.Status.QUEUED)
    unrelated = job("A lighthouse")
    make_ready_clip(unrelated)
    return {"project": project, "versions": [v1, v2, v3, v4], "unrelated": unrelated}


def compare_url(job, other=None, token=None):
    url = (
        reverse("share:compare", args=[token, job.public_id])
        if token
        else reverse("videos:job_compare", args=[job.public_id])
    )
    return f"{url}?with={other.public_id}" if other else url


def played(html: str) -> list[str]:
    """The video sources of the page, left to right."""
    return re.findall(r'data-compare-video(?: poster="[^"]*")? src="([^"]+)"', html)


def file_url(job, number=1, token=None):
    if token:
        return reverse("share:clip_file", args=[token, job.public_id, number])
    return reverse("videos:clip_file", args=[job.public_id, number])


def picker_choices(html: str) -> list[str]:
    select = re.search(r'<select name="with"[^>]*>(.*?)</select>', html, re.S)
    assert select, "no version picker on the page"
    return re.findall(r'<option value="([^"]+)"', select.group(1))


def admitted(token) -> Client:
    client = Client()
    response = client.post(reverse("share:gate", args=[token]), {"name": "Dana"})
    assert response.status_code == 302
    return client


# --- members ----------------------------------------------------------------------------------


def test_a_member_compares_version_1_with_version_3(agency, chain):
    v1, _, v3, _ = chain["versions"]
    response = logged_in(member(agency, MEMBER).user).get(compare_url(v1, v3))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Version 1 and version 3" in html
    assert played(html) == [file_url(v1, 1), file_url(v3, 1)]  # clip 1 of each


def test_the_earlier_version_plays_on_the_left_whatever_the_order(agency, chain, alice):
    v1, _, v3, _ = chain["versions"]
    html = alice.get(compare_url(v3, v1)).content.decode()
    assert "Version 1 and version 3" in html
    assert played(html) == [file_url(v1, 1), file_url(v3, 1)]
    assert html.index("A kite over the harbour") < html.index("A red kite at dusk")
    # The picker starts on the version chosen, and the page stays version 3's.
    assert f'<option value="{v1.public_id}" selected>' in html
    assert f'href="{v3.get_absolute_url()}">← Back to version 3' in html


def test_by_default_a_version_plays_beside_the_clip_it_was_made_from(chain, alice):
    v1, v2, _, _ = chain["versions"]
    html = alice.get(compare_url(v2)).content.decode()
    assert "Version 2 edits version 1" in html
    assert played(html) == [file_url(v1, 2), file_url(v2, 1)]  # v2 was made from clip 2
    assert alice.get(compare_url(v2, v1)).content.decode().count(file_url(v1, 2)) == 1


def test_a_first_version_compares_only_with_a_version_named(chain, alice):
    v1, v2, _, _ = chain["versions"]
    assert alice.get(compare_url(v1)).status_code == 404
    html = alice.get(compare_url(v1, v2)).content.decode()
    assert played(html) == [file_url(v1, 2), file_url(v2, 1)]


def test_the_picker_lists_only_the_other_ready_versions_of_the_video(chain, alice):
    v1, v2, v3, v4 = chain["versions"]
    html = alice.get(compare_url(v3)).content.decode()
    assert picker_choices(html) == [str(v1.public_id), str(v2.public_id)]
    assert str(v4.public_id) not in html and str(chain["unrelated"].public_id) not in html
    assert '<form method="get"' in html and ">Compare with</label>" in html
    # Once version 4 has a clip in storage it can be chosen too.
    VideoJob.objects.filter(pk=v4.pk).update(status=VideoJob.Status.READY)
    make_ready_clip(v4)
    html = alice.get(compare_url(v3)).content.decode()
    assert picker_choices(html) == [str(v1.public_id), str(v2.public_id), str(v4.public_id)]
    assert alice.get(compare_url(v3, v4)).status_code == 200


def test_what_is_not_a_ready_version_of_the_video_is_not_found(agency, user, chain, alice):
    v1, v2, v3, v4 = chain["versions"]
    stranger = make_user("stranger")
    theirs = make_job(stranger, make_workspace(stranger, "Elsewhere"), status="ready")
    make_ready_clip(theirs)
    for other in (chain["unrelated"], theirs, v4, v3):
        url = compare_url(v3, other)
        assert alice.get(url).status_code == 404, other.prompt
    assert alice.get(f"{compare_url(v3)[:-1]}/?with=not-a-uuid").status_code == 404
    # A version's clip that left storage takes it out of the choices.
    Clip.objects.filter(job=v1).update(status=Clip.Status.EXPIRED)
    assert alice.get(compare_url(v3, v1)).status_code == 404
    assert alice.get(compare_url(v3, v2)).status_code == 200
    # Another workspace's member cannot compare the agency's versions at all.
    assert logged_in(stranger).get(compare_url(v3, v2)).status_code == 404


def test_the_review_page_offers_a_comparison_with_every_other_ready_version(chain, alice):
    v1, v2, v3, _ = chain["versions"]
    html = alice.get(reverse("review:clip", args=[v2.public_id, 1])).content.decode()
    for other in (v1, v3):
        assert f'href="{compare_url(v2, other)}">Compare with this version<' in html
    assert html.count("Compare with this version") == 2  # not v2 itself, not v4 (no clip)
    html = alice.get(compare_url(v2, v3)).content.decode()
    assert played(html) == [file_url(v2, 1), file_url(v3, 1)]


def test_a_clip_without_a_poster_asks_for_none_and_its_poster_is_not_found(chain, alice):
    v1, _, v3, _ = chain["versions"]
    html = alice.get(compare_url(v3, v1)).content.decode()
    assert "poster=" not in html  # no request that could only fail
    assert alice.get(reverse("videos:clip_poster", args=[v1.public_id, 1])).status_code == 404


# --- guests of a share link -------------------------------------------------------------------


def test_a_guest_compares_any_two_shared_versions(agency, chain):
    v1, v2, v3, _ = chain["versions"]
    _, token = ShareLink.create(by=member(agency, OWNER), project=chain["project"])
    guest = admitted(token)
    html = guest.get(compare_url(v1, v3, token)).content.decode()
    assert played(html) == [file_url(v1, 1, token), file_url(v3, 1, token)]
    assert picker_choices(html) == [str(v2.public_id), str(v3.public_id)]
    assert "A kite over the harbour" not in html  # guests see no prompts
    html = guest.get(reverse("review:guest_clip", args=[token, v3.public_id, 1])).content.decode()
    assert f'href="{compare_url(v3, v1, token)}">Compare with this version<' in html


def test_a_guest_compares_only_what_the_link_shares(agency, chain):
    v1, v2, v3, _ = chain["versions"]
    moved = make_project(agency, client="Contoso", name="Winter sale")
    VideoJob.objects.filter(pk=v1.pk).update(project=moved)
    _, token = ShareLink.create(by=member(agency, OWNER), project=chain["project"])
    guest = admitted(token)
    # Version 1 left the shared project: neither side of a comparison, nor a choice.
    assert guest.get(compare_url(v3, v1, token)).status_code == 404
    assert guest.get(compare_url(v1, v3, token)).status_code == 404
    assert guest.get(compare_url(v2, token=token)).status_code == 404  # its default
    html = guest.get(compare_url(v3, token=token)).content.decode()
    assert played(html) == [file_url(v2, 1, token), file_url(v3, 1, token)]
    assert str(v1.public_id) not in html
    review = guest.get(reverse("review:guest_clip", args=[token, v3.public_id, 1]))
    html = review.content.decode()
    assert f'href="{compare_url(v3, v2, token)}">Compare with this version<' in html
    assert str(v1.public_id) not in html
    assert guest.get(compare_url(v3, chain["unrelated"], token)).status_code == 404
    # A link to version 3 shares its video's versions of the same project: it compares them,
    # never with another video, nor with the version filed under another client.
    _, one = ShareLink.create(by=member(agency, OWNER), job=v3)
    video = admitted(one)
    assert video.get(compare_url(v3, v2, one)).status_code == 200
    assert video.get(compare_url(v3, token=one)).status_code == 200
    assert video.get(compare_url(v3, v1, one)).status_code == 404
    assert video.get(compare_url(v3, chain["unrelated"], one)).status_code == 404
    assert video.get(reverse("share:clip_file", args=[one, v1.public_id, 1])).status_code == 404


# --- in Chromium ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_picker_changes_the_other_version_without_javascript(
    browser, live_server, screenshot, chain, device
):
    v1, _, v3, _ = chain["versions"]
    context = browser.new_context(java_script_enabled=False, **device)
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}{compare_url(v3)}")
    assert page.get_by_role("heading", level=1).inner_text() == "Version 2 and version 3"
    page.get_by_label("Compare with").select_option(label="Version 1")
    page.get_by_role("button", name="Compare", exact=True).click()
    page.wait_for_url(f"**{compare_url(v3, v1)}")
    assert page.get_by_role("heading", level=1).inner_text() == "Version 1 and version 3"
    captions = page.locator(".compare figcaption").all_inner_texts()
    assert captions[0].startswith("Version 1, clip 1") and captions[1].startswith("Version 3")
    name = "desktop" if device is DESKTOP else "phone"
    screenshot(page, f"compare-any-versions-{name}")
    context.close()
