"""A person in several workspaces works in one at a time: the workspace is in the URL, and the
menu switches the page to another one."""

import pytest
from django.urls import reverse

from tests.factories import (
    OPENROUTER_KEY,
    make_clip,
    make_job,
    make_key,
    make_project,
    make_workspace,
)
from workspaces.access import personal_workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(user):
    """Alice's own workspace and her agency, each with a key and a job."""
    own, agency = personal_workspace(user), make_workspace(user, "Acme Agency")
    make_key(user, label="Own key", workspace=own)
    make_key(user, label="Agency key", workspace=agency)
    make_job(user, own, prompt="A private dog video")
    make_job(user, agency, prompt="Northwind spring teaser", project=make_project(agency))
    return own, agency


@pytest.mark.parametrize("page", ["videos:videos", "videos:library", "videos:keys"])
def test_a_page_inside_a_workspace_shows_only_its_work(alice, two, page):
    from videos.models import Clip, VideoJob

    for job in VideoJob.objects.all():  # the library lists ready clips
        make_clip(job, source_url="x", status=Clip.Status.READY)
    _, agency = two
    everything = alice.get(reverse(page)).content.decode()
    inside = alice.get(reverse(page, args=[agency.slug])).content.decode()
    if page == "videos:keys":
        assert "Own key" in everything and "Agency key" in everything
        assert "Agency key" in inside and "Own key" not in inside
    else:
        assert "A private dog video" in everything and "Northwind spring teaser" in everything
        assert "Northwind spring teaser" in inside and "A private dog video" not in inside


def test_generating_inside_a_workspace_offers_only_its_keys_and_projects(alice, two):
    own, agency = two
    page = alice.get(reverse("videos:generate", args=[own.slug])).content.decode()
    assert "Own key" in page and "Agency key" not in page and "Spring launch" not in page
    page = alice.get(reverse("videos:generate", args=[agency.slug])).content.decode()
    assert "Agency key" in page and "Own key" not in page and "Spring launch" in page


def test_a_key_added_inside_a_workspace_goes_to_it(alice, two):
    from videos.models import ProviderKey

    _, agency = two
    url = reverse("videos:keys", args=[agency.slug])
    data = {"provider": "openrouter", "label": "Second", "secret": OPENROUTER_KEY}
    response = alice.post(url, data)
    assert response.status_code == 302 and response["Location"] == url
    assert ProviderKey.objects.get(label="Second").workspace == agency


def test_the_menu_switches_the_same_page_and_the_nav_stays_in_the_workspace(alice, two):
    own, agency = two
    page = alice.get(reverse("videos:library", args=[agency.slug])).content.decode()
    # The switcher offers this page in every workspace, and "all".
    assert f'href="{reverse("videos:library", args=[own.slug])}"' in page
    assert f'href="{reverse("videos:library")}"' in page
    # The main menu's links stay inside the agency, and keep doing so on other pages.
    assert f'href="{reverse("videos:generate", args=[agency.slug])}"' in page
    page = alice.get(reverse("workspaces:list")).content.decode()
    assert f'href="{reverse("videos:videos", args=[agency.slug])}"' in page


def test_one_workspace_needs_no_menu(client, django_user_model):
    solo = django_user_model.objects.create_user("solo", password="solo-pw-1234")
    client.force_login(solo)
    page = client.get(reverse("videos:videos")).content.decode()
    assert "switcher" not in page
