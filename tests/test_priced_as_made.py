"""Money is computed once, from the typed settings the job is made with: whatever the spelling
of a form value, the estimate stored on the job (what the budget check counted) is the price of
what the provider was asked to make, read from the request the sandbox received."""

import uuid

import pytest
from django.urls import reverse

from providers import registry
from providers.base import JobSpec
from tests.factories import GEMINI_KEY, make_key
from tests.helpers import png_upload as png
from tests.helpers import run_in_process
from videos import lifecycle
from videos.models import VideoJob

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def key(user, reachable):
    return make_key(user)


@pytest.fixture
def gemini_key(user, reachable):
    return make_key(user, GEMINI_KEY, "gemini", label="Gemini")


def submitted(client, sandbox, key, **data) -> tuple[VideoJob, dict]:
    """Post the generate form as sent, submit the job it starts, and return the job and the
    sandbox's record of the request it received."""
    payload = {"idempotency_key": uuid.uuid4().hex, "key": key.pk, "prompt": "A kite"} | data
    response = client.post(reverse("videos:generate"), payload)
    assert response.status_code == 302, response.context["form"].errors
    job = VideoJob.objects.get(idempotency_key=payload["idempotency_key"])
    lifecycle.submit(job.pk)
    job.refresh_from_db()
    assert job.provider_job_id, job.error
    return job, sandbox.stats()["jobs"][job.provider_job_id.rsplit("/", 1)[-1]]


# Every priced setting in spellings a browser never sends but a form post may carry (1080p
# and 4K are made at 8 s only).
CASES = [
    ("8", "1080P", "on"),
    ("08", " 4k ", "yes"),
    ("8.0", "1080p", "True"),
    (" 8 ", "720P", "1"),
    ("4", "720p", "true"),
    ("6.00", " 720P ", ""),
    ("04", "720p", "false"),
    ("6", " 720p", "off"),
    ("6", "720p", "0"),
]


@pytest.mark.parametrize(("duration", "resolution", "audio"), CASES)
def test_openrouter_estimate_is_the_price_of_the_request_sent(
    alice, key, reachable, duration, resolution, audio
):
    job, received = submitted(
        alice,
        reachable,
        key,
        model="google/veo-3.1",
        duration=duration,
        resolution=resolution,
        aspect_ratio="16:9",
        generate_audio=audio,
    )
    request = received["request"]
    # The sandbox prices what it received with the model's own SKUs (sandbox/pricing.py).
    assert round(float(job.estimated_cost), 2) == round(received["cost"], 2), request
    assert request["duration"] == round(float(duration))
    assert request["resolution"] == resolution.strip().lower().replace("k", "K")
    assert request["generate_audio"] is (audio not in ("", "false", "0", "off"))


@pytest.mark.parametrize(
    ("duration", "resolution"), [("8", "720P"), (" 8 ", "1080p"), ("8.0", " 4K "), ("08", "4k")]
)
def test_gemini_estimate_is_the_price_of_the_request_sent(
    alice, gemini_key, reachable, duration, resolution
):
    job, received = submitted(
        alice,
        reachable,
        gemini_key,
        model="veo-3.1-generate-sandbox",
        duration=duration,
        resolution=resolution,
        aspect_ratio="16:9",
    )
    parameters = received["request"]["parameters"]
    asked = JobSpec(
        model=received["model"],
        prompt="",
        duration=int(parameters["durationSeconds"]),
        resolution=parameters.get("resolution"),
        sample_count=int(parameters.get("sampleCount", 1)),
    )
    model = next(m for m in gemini_key.models() if m.id == asked.model)
    price = registry.adapter("gemini").estimate(asked, model)
    assert asked.duration == 8 and asked.resolution == resolution.strip().lower()
    assert job.estimated_cost == price.amount, parameters


@pytest.mark.parametrize("count", ["2", " 2 ", "2.0", "02", "1"])
def test_a_clip_count_no_model_takes_is_refused_and_nothing_is_sent(
    alice, gemini_key, reachable, count
):
    payload = {
        "idempotency_key": uuid.uuid4().hex,
        "key": gemini_key.pk,
        "prompt": "A kite",
        "model": "veo-3.1-generate-sandbox",
        "duration": "8",
        "sample_count": count,
    }
    before = reachable.stats()["submit_attempts"]
    response = alice.post(reverse("videos:generate"), payload)
    assert response.status_code == 400
    assert "does not take a clip count" in response.content.decode()
    assert not VideoJob.objects.exists() and reachable.stats()["submit_attempts"] == before


def test_a_revision_an_extension_and_a_new_take_store_the_price_of_what_is_sent(
    alice, key, reachable
):
    """Each path to a new job prices the request it sends: a revision keeps the first
    frame it is sent with (some models price image-to-video apart), an extension is priced
    for the length the model allows, a new take at the first one's price."""
    first, _ = submitted(
        alice,
        reachable,
        key,
        model="google/veo-3.1",
        duration=" 8 ",
        resolution="720P",
        aspect_ratio="16:9",
        generate_audio="yes",
        first_frame=png(),
    )
    first = run_in_process(first)
    assert first.status == VideoJob.Status.READY, first.error
    clip = first.clips.get()
    jobs = [
        lifecycle.revise_clip(clip, "A red kite", "revised")[0],
        lifecycle.continue_clip(clip, "extend", "It climbs", "extended")[0],
        lifecycle.resubmit(first, "again")[0],
    ]
    for job in jobs:
        lifecycle.submit(job.pk)
        job.refresh_from_db()
        received = reachable.stats()["jobs"][job.provider_job_id.rsplit("/", 1)[-1]]
        assert round(float(job.estimated_cost), 2) == round(received["cost"], 2), job.continuation
    revised = reachable.stats()["jobs"][jobs[0].provider_job_id.rsplit("/", 1)[-1]]
    assert revised["request"]["frame_images"]  # sent with the first frame it was priced with


@pytest.mark.parametrize(
    ("duration", "resolution", "audio"), [(" 8 ", "1080P", "yes"), ("06", "720P", "0")]
)
def test_a_campaign_stores_for_each_video_the_price_of_what_is_sent(
    alice, key, reachable, duration, resolution, audio
):
    from campaigns.models import Campaign

    response = alice.post(
        reverse("campaigns:plan"),
        {
            "idempotency_key": uuid.uuid4().hex,
            "key": key.pk,
            "model": "google/veo-3.1",
            "prompt": "A kite",
            "duration": duration,
            "resolution": resolution,
            "ad_format": "landscape",
            "also_formats": ["vertical"],
            "generate_audio": audio,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    campaign = Campaign.objects.get()
    assert alice.post(reverse("campaigns:start", args=[campaign.public_id])).status_code == 302
    jobs = list(VideoJob.objects.order_by("variant__number"))
    assert len(jobs) == 2 and sum(j.estimated_cost for j in jobs) == campaign.estimated_total
    for job in jobs:
        lifecycle.submit(job.pk)
        job.refresh_from_db()
        received = reachable.stats()["jobs"][job.provider_job_id.rsplit("/", 1)[-1]]
        assert round(float(job.estimated_cost), 2) == round(received["cost"], 2), received
        assert received["request"]["generate_audio"] is (audio == "yes")
        assert received["request"]["duration"] == round(float(duration))


@pytest.mark.parametrize(("audio", "ticked"), [("0", False), ("off", False), ("yes", True)])
def test_an_audio_box_is_shown_again_as_it_is_read(alice, key, audio, ticked):
    """A box sent as "0" was read as unticked by the price and shown ticked again."""
    page = alice.post(
        reverse("videos:generate"),
        {
            "idempotency_key": uuid.uuid4().hex,
            "key": key.pk,
            "model": "google/veo-3.1",
            "prompt": "A kite",
            "duration": "8",
            "resolution": "720p",
            "aspect_ratio": "16:9",
            "generate_audio": audio,
            "preview": "1",
        },
    ).content.decode()
    box = page.split('name="generate_audio"')[1].split(">")[0]
    assert ("checked" in box) is ticked, box
    assert ("with audio" in page.split("Estimated cost")[1][:400]) is ticked
