"""A provider's reported cost is checked before it is counted: one that is not a number, not
finite, negative or absurd is kept aside with a note, the video is still copied, and the job is
counted at its estimate. Against the real sandbox, told by a marker what bill to send."""

import csv
from decimal import Decimal

import pytest
from django.urls import reverse

from providers.base import MAX_REPORTED_COST, ReportedCost
from tests.factories import GEMINI_KEY, make_key
from tests.helpers import run_job
from videos.models import Clip, VideoJob

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def key(user, reachable):
    return make_key(user)


@pytest.fixture
def gemini_key(user, reachable):
    return make_key(user, GEMINI_KEY, "gemini", label="Gemini")


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("-Infinity", "-Infinity"),
        ("-1", "-1"),
        ("1e30", "1e+30"),
        ("twelve", '"twelve"'),
        ("0.12", None),  # a sane bill is counted as sent
    ],
)
def test_a_reported_cost_that_cannot_be_counted_is_kept_aside_and_the_video_still_copied(
    alice, user, key, sent, kept
):
    """NaN, Infinity and 1e30 broke every poll (the paid video was never copied); -1 lowered
    the month's spend."""
    job = run_job(
        user, key, prompt=f"[sandbox:cost={sent}] A kite", model="google/veo-3.1", duration=4
    )
    assert job.status == VideoJob.Status.READY, job.error
    assert [c.status for c in job.clips.all()] == [Clip.Status.READY]
    counted = VideoJob.objects.filter(pk=job.pk).charged_total()
    page = alice.get(job.get_absolute_url()).content.decode()
    if kept is None:
        assert job.cost == Decimal(sent) and not job.unusable_cost and counted == Decimal(sent)
        return
    assert job.cost is None and job.unusable_cost == kept
    assert job.estimated_cost == Decimal("0.80") and counted == job.estimated_cost
    note = (
        f"The provider reported a cost we could not use ({kept}); counted at the estimate, $0.80."
    )
    assert note.replace('"', "&quot;") in page


def test_a_month_is_not_lowered_by_a_negative_bill(alice, user, key):
    honest = run_job(user, key, prompt="A kite", model="google/veo-3.1", duration=4)
    run_job(user, key, prompt="[sandbox:cost=-1000] A kite", model="google/veo-3.1", duration=4)
    assert VideoJob.objects.charged_total() == 2 * honest.cost == Decimal("1.60")


@pytest.mark.parametrize(
    ("sent", "kept"), [("NaN", "NaN"), ("-5", "-5"), ("1e30", "1e+30"), ("lots", '"lots"')]
)
def test_omni_token_counts_that_cannot_be_counted_are_kept_aside(user, gemini_key, sent, kept):
    job = run_job(
        user,
        gemini_key,
        prompt=f"[sandbox:cost={sent}] A cat",
        model="gemini-omni-1.1-flash",
        duration=4,
    )
    assert job.status == VideoJob.Status.READY, job.error
    assert job.cost is None and job.unusable_cost.startswith(f'{{"total_input_tokens": {kept},')
    assert VideoJob.objects.filter(pk=job.pk).charged_total() == job.estimated_cost


def test_the_bound_is_far_above_any_job_and_inside_the_column():
    assert ReportedCost.of(10_000).amount == MAX_REPORTED_COST
    assert ReportedCost.of(10_000.01).unusable == "10000.01"
    assert ReportedCost.of(0.1234567).amount == Decimal("0.123457")
    assert ReportedCost.of(-0.0).amount == 0 and str(ReportedCost.of(-0.0).amount)[0] != "-"
    assert ReportedCost.of(True).unusable == "true"
    assert ReportedCost.of("x" * 500).unusable.endswith("…")
    assert len(ReportedCost.of("x" * 500).unusable) == ReportedCost.UNUSABLE_CHARS
    field = VideoJob._meta.get_field("cost")
    assert 10 ** (field.max_digits - field.decimal_places) > MAX_REPORTED_COST


def test_the_spend_page_and_its_csv_say_which_cost_could_not_be_used(alice, user, key):
    run_job(user, key, prompt="[sandbox:cost=NaN] A kite", model="google/veo-3.1", duration=4)
    page = alice.get(reverse("spend:overview")).content.decode()
    assert "For 1 video the provider reported a cost we could not use" in page
    assert "counted at its estimate" in page and "$0.80" in page
    response = alice.get(reverse("spend:export"))
    rows = list(csv.reader(b"".join(response.streaming_content).decode().splitlines()))
    assert rows[0][-1] == "cost note"
    note = dict(zip(rows[0], rows[1], strict=True))
    assert note["reported (USD)"] == "" and note["counted (USD)"] == "0.80"
    assert note["cost note"] == (
        "The provider reported a cost we could not use (NaN); counted at the estimate, $0.80."
    )
