"""Every path through the real form with real files, against the real sandbox: images reach
the provider, audio is said out loud, keys that cannot pay cannot start jobs, failures give
one piece of advice, and clips carry on into their next version."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from providers.base import JobSpec
from tests.factories import GEMINI_KEY, make_key, make_project
from tests.helpers import png_upload as png
from tests.helpers import run_in_process
from videos import lifecycle
from videos.models import ProviderKey, VideoJob

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def key(user, reachable):
    return make_key(user)


@pytest.fixture
def gemini_key(user, reachable):
    return make_key(user, GEMINI_KEY, "gemini", label="Gemini")


def generate(client, key, model, **data):
    payload = {
        "idempotency_key": uuid.uuid4().hex,
        "key": key.pk,
        "model": model,
        "resolution": "720p",
        "aspect_ratio": "16:9",
    }
    payload.update(data)
    return client.post(reverse("videos:generate"), payload)


def sent(sandbox, job: VideoJob) -> dict:
    return sandbox.stats()["jobs"][job.provider_job_id.rsplit("/", 1)[-1]]


def test_three_reference_images_reach_the_provider(alice, key, reachable):
    """They were always refused ("No file was submitted"); now all three arrive."""
    response = generate(
        alice,
        key,
        "google/veo-3.1",
        prompt="Our bottle on a beach",
        duration=8,
        reference=[png("#111111", "a.png"), png("#222222", "b.png"), png("#333333", "c.png")],
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = VideoJob.objects.get()
    assert [i["role"] for i in job.image_inputs] == ["reference"] * 3
    job = run_in_process(job)
    assert job.status == VideoJob.Status.READY, job.error
    references = sent(reachable, job)["request"]["input_references"]
    assert len(references) == 3 and all("image/png" in r["image_url"]["url"] for r in references)


def test_a_fourth_reference_or_one_with_a_frame_is_refused(alice, key):
    four = [png(name=f"{n}.png") for n in range(4)]
    page = generate(alice, key, "google/veo-3.1", prompt="p", duration=8, reference=four)
    assert "at most 3 reference images" in page.content.decode()
    both = generate(
        alice,
        key,
        "google/veo-3.1",
        prompt="p",
        duration=8,
        first_frame=png(),
        reference=[png(name="r.png")],
    )
    assert "cannot combine reference images" in both.content.decode()
    assert not VideoJob.objects.exists()


def test_a_gemini_image_to_video_job_with_first_and_last_frame(alice, gemini_key, reachable):
    response = generate(
        alice,
        gemini_key,
        "veo-3.1-generate-sandbox",
        prompt="From day to night",
        duration=8,
        resolution="720p",
        aspect_ratio="16:9",
        first_frame=png("#ffcc00"),
        last_frame=png("#001133", "night.png"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = run_in_process(VideoJob.objects.get())
    assert job.status == VideoJob.Status.READY, job.error
    instance = sent(reachable, job)["request"]["instances"][0]
    assert instance["image"]["mimeType"] == "image/png" and "lastFrame" in instance
    assert "personGeneration" not in sent(reachable, job)["request"]["parameters"]


def test_unticked_audio_is_sent_as_false(alice, key, reachable):
    generate(alice, key, "google/veo-3.1", prompt="Quiet", duration=8)
    job = run_in_process(VideoJob.objects.get())
    assert job.parameters["generate_audio"] is False
    assert sent(reachable, job)["request"]["generate_audio"] is False
    assert job.estimated_cost == job.cost  # $1.60: 8 s without audio, as estimated


@pytest.mark.parametrize("ticked", ["yes", "True", "on"])
def test_an_audio_box_sent_in_any_spelling_is_priced_as_it_is_made(alice, key, reachable, ticked):
    """ "yes" or "True" was priced as no audio ($1.60) and made with audio ($3.20): a budget
    could be passed by a video costing twice what it counted."""
    generate(alice, key, "google/veo-3.1", prompt="Loud", duration=8, generate_audio=ticked)
    job = run_in_process(VideoJob.objects.get())
    assert job.parameters["generate_audio"] is True
    assert sent(reachable, job)["request"]["generate_audio"] is True
    assert job.estimated_cost == job.cost == Decimal("3.20")


def test_a_key_without_credits_says_so_and_cannot_start_a_job(alice, user, reachable):
    key = make_key(user, "sk-or-v1-sandbox-nocredit-000000000000", label="Empty")
    works, message = key.verify()
    assert works is False and "no credits left" in message
    assert key.status == ProviderKey.Status.NO_CREDIT
    page = alice.get(reverse("videos:generate")).content.decode()
    assert "Empty (OpenRouter, sk-or-…0000): no credits left" in page
    response = generate(alice, key, "google/veo-3.1", prompt="p", duration=8)
    assert "cannot start a job" in response.content.decode()
    assert not VideoJob.objects.exists()


def test_a_failure_gives_one_piece_of_advice(alice, user, reachable):
    """Out of credits at submit: go to the keys; not "change the prompt", no stale status."""
    key = make_key(user, "sk-or-v1-sandbox-nocredit-000000000000", label="Empty")
    job, _ = lifecycle.start_job(
        user, key, JobSpec(model="google/veo-3.1", prompt="p", duration=8), "k1"
    )
    job = run_in_process(job)
    assert job.status == VideoJob.Status.FAILED and job.failure == VideoJob.Failure.CREDIT
    page = alice.get(job.get_absolute_url()).content.decode()
    assert "out of credits" in page and "Add credits to your provider account" in page
    assert "Go to your keys" in page
    assert "Change the prompt" not in page and "Nothing more will happen" not in page
    assert "Provider status" not in page
    key.refresh_from_db()
    assert key.status == ProviderKey.Status.NO_CREDIT


def test_a_blocked_job_shows_no_running_status(alice, gemini_key):
    job, _ = lifecycle.start_job(
        gemini_key.owner,
        gemini_key,
        JobSpec(model="veo-3.1-generate-sandbox", prompt="[sandbox:safety] x", duration=8),
        "k2",
    )
    job = run_in_process(job)
    assert job.status == VideoJob.Status.BLOCKED
    page = alice.get(job.get_absolute_url()).content.decode()
    assert "Provider status" not in page and "not been charged" in page
    assert "Rephrase the prompt" in page and "Submit again" not in page


def test_the_prompt_limit_holds_on_every_path(alice, user, key):
    """Resubmit and continue skip the form: the worker checks the model's limit itself."""
    job, _ = lifecycle.start_job(
        user, key, JobSpec(model="google/veo-3.1", prompt="x" * 5000, duration=8), "k3"
    )
    job = run_in_process(job)
    assert job.status == VideoJob.Status.FAILED and "at most 4,000" in job.error
    assert job.failure == VideoJob.Failure.REQUEST


def test_extend_a_veo_clip_into_its_next_version(alice, user, gemini_key, reachable):
    first, _ = lifecycle.start_job(
        user,
        gemini_key,
        JobSpec(model="veo-3.1-generate-sandbox", prompt="A boat", duration=8, resolution="720p"),
        "k4",
    )
    first = run_in_process(first)
    assert first.status == VideoJob.Status.READY, first.error
    page = alice.get(first.get_absolute_url()).content.decode()
    url = reverse("videos:clip_continue", args=[first.public_id, 1, "extend"])
    assert url in page and "Extend ($3.20)" in page
    assert "Edit with a prompt" not in page  # Veo edits nothing on the Gemini API
    form = alice.get(url).content.decode()
    assert "Estimated cost: <strong>$3.20</strong>" in form
    key_value = form.split('name="idempotency_key" value="')[1].split('"')[0]
    response = alice.post(url, {"idempotency_key": key_value, "prompt": "It sails away"})
    second = VideoJob.objects.exclude(pk=first.pk).get()
    assert response["Location"] == second.get_absolute_url()
    assert second.version == 2 and second.parent.job == first and second.continuation == "extend"
    second = run_in_process(second)
    assert second.status == VideoJob.Status.READY, second.error
    request = sent(reachable, second)["request"]
    assert request["instances"][0]["video"]["uri"].endswith(":download?alt=media")
    assert request["instances"][0]["prompt"] == "It sails away"
    chain = alice.get(second.get_absolute_url()).content.decode()
    assert "Version 1" in chain and "Version 2" in chain
    compare = alice.get(reverse("videos:job_compare", args=[second.public_id]))
    assert compare.status_code == 200 and compare.content.decode().count("<video") == 2


def test_extend_is_not_offered_once_the_provider_deleted_the_clip(alice, user, gemini_key):
    first, _ = lifecycle.start_job(
        user,
        gemini_key,
        JobSpec(model="veo-3.1-generate-sandbox", prompt="Old", duration=8, resolution="720p"),
        "k5",
    )
    first = run_in_process(first)
    first.clips.update(source_expires_at="2020-01-01T00:00:00Z")
    page = alice.get(first.get_absolute_url()).content.decode()
    assert "no longer does" in page
    response = alice.get(reverse("videos:clip_continue", args=[first.public_id, 1, "extend"]))
    assert response.status_code == 302


def test_edit_an_omni_clip_and_cancel_a_running_one(alice, user, gemini_key, reachable):
    first, _ = lifecycle.start_job(
        user, gemini_key, JobSpec(model="gemini-omni-1.1-flash", prompt="A cat", duration=4), "k6"
    )
    first = run_in_process(first)
    assert first.status == VideoJob.Status.READY, first.error
    url = reverse("videos:clip_continue", args=[first.public_id, 1, "edit"])
    assert alice.post(url, {"idempotency_key": "e1", "prompt": ""}).status_code == 400
    alice.post(url, {"idempotency_key": "e1", "prompt": "Make it snow"})
    edit = VideoJob.objects.get(idempotency_key="e1")
    lifecycle.submit(edit.pk)
    edit.refresh_from_db()
    assert sent(reachable, edit)["parent"] == first.provider_job_id
    assert edit.cancellable
    assert alice.post(reverse("videos:job_cancel", args=[edit.public_id])).status_code == 302
    edit.refresh_from_db()
    assert edit.status == VideoJob.Status.CANCELLED
    state = reachable.stats()["jobs"][edit.provider_job_id]
    assert state["phase"] == "cancelled" or state.get("status") == "cancelled"


def test_extend_an_openrouter_veo_clip(alice, user, key, reachable):
    """The next version is made for the same client project as the clip it extends."""
    project = make_project(key.workspace)
    first, _ = lifecycle.start_job(
        user,
        key,
        JobSpec(model="google/veo-3.1", prompt="A kite", duration=8),
        "k7",
        project=project,
    )
    first = run_in_process(first)
    url = reverse("videos:clip_continue", args=[first.public_id, 1, "extend"])
    alice.post(url, {"idempotency_key": "x1", "prompt": "It climbs higher"})
    second = run_in_process(VideoJob.objects.get(idempotency_key="x1"))
    assert second.status == VideoJob.Status.READY, second.error
    assert sent(reachable, second)["parent"] == first.provider_job_id
    assert sent(reachable, second)["request"]["previous_job_id"] == first.provider_job_id
    assert second.project == project and second.client == project.client


@pytest.mark.parametrize(
    ("provider_key", "model"),
    [("key", "google/veo-3.1"), ("gemini_key", "gemini-omni-1.1-flash")],
)
def test_a_safety_refusal_at_submit_is_blocked_not_failed(request, user, provider_key, model):
    key = request.getfixturevalue(provider_key)
    job, _ = lifecycle.start_job(
        user, key, JobSpec(model=model, prompt="[sandbox:safety-submit] x", duration=4), "s1"
    )
    job = run_in_process(job)
    assert job.status == VideoJob.Status.BLOCKED and job.failure == VideoJob.Failure.SAFETY
    assert "safety rules refused" in job.error
