"""Bad input on a page is a clear answer, never a server error: a preset name too long for its
column, a month nobody can count, a link to a video by something that is not an id. Run on
SQLite and on PostgreSQL (which enforces the column's length)."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from brand.models import Preset
from tests.factories import make_job, make_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(user, agency, reachable):
    return make_key(user, workspace=agency)


def preset_post(key, name):
    return {
        "idempotency_key": uuid.uuid4().hex,
        "key": key.pk,
        "model": "google/veo-3.1",
        "prompt": "Our {product} at dawn",
        "resolution": "720p",
        "aspect_ratio": "16:9",
        "duration": "8",
        "preset_name": name,
    }


def test_a_preset_name_too_long_is_refused_with_the_form_kept(alice, agency, key):
    """A 101-character name was a 500 on PostgreSQL (and stored whole on SQLite)."""
    save = reverse("videos:preset_save", args=[agency.slug])
    response = alice.post(save, preset_post(key, "N" * 101))
    page = response.content.decode()
    assert response.status_code == 400
    assert "at most 100 characters (this one has 101)" in page
    assert "Our {product} at dawn" in page  # nothing typed is lost
    assert not Preset.objects.filter(workspace=agency).exists()
    response = alice.post(save, preset_post(key, "N" * 100))
    assert response.status_code == 200
    assert Preset.objects.get(workspace=agency).name == "N" * 100


@pytest.mark.parametrize(
    ("month", "said"),
    [
        ("9999-12", "Choose a month from 2000 to"),
        ("10000-01", "is not a month like 2026-01"),
        ("1999-12", "Choose a month from 2000 to"),
        ("2026-13", "is not a month like 2026-01"),
        ("2026-00", "is not a month like 2026-01"),
        ("0000-01", "is not a month like 2026-01"),
        ("-1-01", "is not a month like 2026-01"),
        ("2026-1x", "is not a month like 2026-01"),
        ("\x00", "is not a month like 2026-01"),
    ],
)
def test_a_month_that_cannot_be_counted_shows_this_month_and_says_why(alice, user, month, said):
    """/spend/?month=9999-12 was a 500 (the month after it does not exist)."""
    make_job(user, estimated_cost=2, status="ready")
    for url in (reverse("spend:overview"), reverse("spend:export")):
        response = alice.get(url, {"month": month})
        assert response.status_code == 200, (url, response.status_code)
    page = alice.get(reverse("spend:overview"), {"month": month}).content.decode()
    assert said in page and "showing this month" in page
    assert f"{timezone.localtime():%B %Y}" in page


def test_the_last_month_allowed_and_its_neighbours_show(alice):
    year = timezone.localtime().year + 1
    response = alice.get(reverse("spend:overview"), {"month": f"{year}-12"})
    assert response.status_code == 200 and "showing this month" not in response.content.decode()


@pytest.mark.parametrize("given", ["not-a-uuid", "1", "0" * 33, "%00", "' OR 1=1"])
def test_a_video_to_start_from_that_is_not_an_id_is_not_found(alice, given):
    """/generate/?from=<not a uuid> was a 500."""
    response = alice.get(reverse("videos:generate"), {"from": given})
    assert response.status_code == 404


def test_a_video_to_start_from_is_still_found_by_its_id(alice, user, key):
    job = make_job(user, key=key, status="ready", prompt="A red kite over dunes")
    response = alice.get(reverse("videos:generate"), {"from": str(job.public_id)})
    assert response.status_code == 200 and "A red kite over dunes" in response.content.decode()
