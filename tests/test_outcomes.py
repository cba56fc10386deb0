"""Outcomes that tell the truth, against the real sandbox: a safety refusal at any step is
blocked (never "submit again"), carrying on from a clip the provider forgot is refused plainly
before anything is made, an extension or edit is estimated at what it is counted, asks the
provider for the length the model allows for its source and shows its real length, a model
that makes several clips is priced for all of them, and the generate page shows the budget
left as the spend page counts it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import GEMINI_KEY, make_job, make_key, make_project
from tests.helpers import run_in_process, run_job, run_spec
from videos import lifecycle
from videos.models import Clip, VideoJob
from workspaces.models import Budget

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def key(user, reachable):
    return make_key(user)


@pytest.fixture
def gemini_key(user, reachable):
    return make_key(user, GEMINI_KEY, "gemini", label="Gemini")


def sent(sandbox, job: VideoJob) -> dict:
    return sandbox.stats()["jobs"][job.provider_job_id.rsplit("/", 1)[-1]]


def continue_form(client, job, kind, number=1):
    """The extend or edit page of ``job``'s clip, and its form's idempotency key."""
    page = client.get(reverse("videos:clip_continue", args=[job.public_id, number, kind]))
    assert page.status_code == 200, page.status_code
    html = page.content.decode()
    return html, html.split('name="idempotency_key" value="')[1].split('"')[0]


def cents(amount) -> str:
    return f"${Decimal(amount).quantize(Decimal('0.01')):.2f}"


# --- safety refusals ---------------------------------------------------------------------


def test_a_content_policy_failure_during_generation_is_blocked_with_one_sensible_action(
    alice, user, key
):
    """It showed "Failed: can be temporary, Submit again ($0.40)"."""
    job = run_spec(
        user,
        key,
        "blocked",
        model="google/veo-3.1",
        prompt="[sandbox:safety] A street fight",
        duration=4,
    )
    assert job.status == VideoJob.Status.BLOCKED and job.failure == VideoJob.Failure.SAFETY
    page = alice.get(job.get_absolute_url()).content.decode()
    assert "safety" in page and "Nothing was charged" in page
    assert "rephrase the prompt" in page.lower()
    assert "Submit again" not in page and "can be temporary" not in page
    assert VideoJob.objects.filter(pk=job.pk).charged_total() == 0


@pytest.mark.parametrize(
    ("provider_key", "model", "marker"),
    [
        ("key", "google/veo-3.1", "safety-submit"),
        ("gemini_key", "gemini-omni-1.1-flash", "safety-submit"),
        ("gemini_key", "gemini-omni-1.1-flash", "safety"),  # completed without a video
        ("gemini_key", "veo-3.1-generate-sandbox", "safety"),  # filtered samples
    ],
)
def test_every_step_of_a_safety_refusal_ends_blocked(
    request, alice, user, provider_key, model, marker
):
    provider = request.getfixturevalue(provider_key)
    job = run_spec(
        user, provider, marker, model=model, prompt=f"[sandbox:{marker}] A brawl", duration=8
    )
    assert job.status == VideoJob.Status.BLOCKED, job.error
    page = alice.get(job.get_absolute_url()).content.decode()
    assert "Submit again" not in page and "charged" in page


# --- carrying on from a clip -------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider_key", "model", "kind"),
    [("key", "google/veo-3.1", "extend"), ("gemini_key", "gemini-omni-1.1-flash", "edit")],
)
def test_a_clip_the_provider_forgot_is_not_carried_on_and_no_version_is_left(
    request, alice, user, reachable, provider_key, model, kind
):
    """Extend was offered, and the new version failed with a raw "previous_interaction_id …
    not found"; the sandbox forgets its jobs as the provider does in time."""
    provider = request.getfixturevalue(provider_key)
    first = run_spec(user, provider, "first", model=model, prompt="A kite", duration=8)
    assert first.status == VideoJob.Status.READY, first.error
    reachable.reset()  # the provider no longer keeps the job
    url = reverse("videos:clip_continue", args=[first.public_id, 1, kind])
    response = alice.get(url, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == first.get_absolute_url()
    assert "no longer does" in page and "not found" not in page
    assert VideoJob.objects.count() == 1  # no failed version left behind
    assert url not in page  # and it is not offered again
    # A form sent anyway (from a page opened earlier) says why, keeping what was typed.
    response = alice.post(url, {"idempotency_key": "again", "prompt": "Snow"})
    assert response.status_code == 400
    assert "no longer does" in response.content.decode() and "Snow" in response.content.decode()
    assert VideoJob.objects.count() == 1 and not sum(reachable.stats()["submissions"].values())


def test_a_source_forgotten_between_the_offer_and_the_submit_says_so_plainly(
    user, gemini_key, reachable
):
    first = run_spec(
        user, gemini_key, "first", model="gemini-omni-1.1-flash", prompt="A cat", duration=4
    )
    clip = first.clips.get()
    offer = lifecycle.kept_offer(clip, "extend")
    reachable.reset()
    second, _ = lifecycle.continue_clip(clip, "extend", "It jumps", "late", offer=offer)
    second = run_in_process(second)
    assert second.status == VideoJob.Status.FAILED
    assert "no longer keeps the clip" in second.error and "Nothing was started" in second.error
    assert "previous_interaction_id" not in second.error
    clip.refresh_from_db()
    assert not lifecycle.continuation_offer(clip, "extend").allowed


def test_an_omni_extension_and_its_edit_cost_what_they_were_estimated_and_show_their_length(
    alice, user, gemini_key, reachable
):
    """Extend was estimated at $0.41 and counted $0.81; version 2's settings said 4 s for an
    8 s clip; editing the extended clip asked the provider for 4 s."""
    first = run_spec(
        user, gemini_key, "first", model="gemini-omni-1.1-flash", prompt="A cat", duration=4
    )
    assert first.clips.get().whole_seconds == 4
    form, token = continue_form(alice, first, "extend")
    assert "(asking to extend this 4 s clip by 4 s)" in form
    estimate = form.split("Estimated cost: <strong>")[1].split("<")[0]
    alice.post(
        reverse("videos:clip_continue", args=[first.public_id, 1, "extend"]),
        {"idempotency_key": token, "prompt": "It jumps"},
    )
    second = run_in_process(VideoJob.objects.get(idempotency_key=token))
    assert second.status == VideoJob.Status.READY, second.error
    assert cents(second.cost) == estimate == "$0.81"
    assert second.clips.get().whole_seconds == 8
    page = alice.get(second.get_absolute_url()).content.decode()
    assert "<dt>Settings</dt><dd>8 s</dd>" in page

    form, token = continue_form(alice, second, "edit")
    assert "(as long as this clip: 8 s)" in form
    estimate = form.split("Estimated cost: <strong>")[1].split("<")[0]
    alice.post(
        reverse("videos:clip_continue", args=[second.public_id, 1, "edit"]),
        {"idempotency_key": token, "prompt": "Make it snow"},
    )
    third = run_in_process(VideoJob.objects.get(idempotency_key=token))
    assert third.status == VideoJob.Status.READY, third.error
    assert "duration" not in sent(reachable, third)["request"]["response_format"]
    assert third.clips.get().whole_seconds == 8
    assert cents(third.cost) == estimate == "$0.81"
    # A revision from feedback of the extended clip is as long as the clip, not as its job asked.
    revision = lifecycle.revision_offer(second.clips.get())
    assert revision.spec.duration == 8 and str(revision.estimate) == "$0.81"


def test_an_extension_is_offered_only_while_it_fits_the_models_length(user, gemini_key):
    long = run_spec(
        user, gemini_key, "long", model="gemini-omni-1.1-flash", prompt="A cat", duration=10
    )
    clip = long.clips.get()
    Clip.objects.filter(pk=clip.pk).update(duration=38.0)  # as if extended three times
    clip.refresh_from_db()
    offer = lifecycle.continuation_offer(clip, "extend")
    assert not offer.allowed and "already 38 s long" in offer.reason
    Clip.objects.filter(pk=clip.pk).update(duration=34.0)
    clip.refresh_from_db()
    offer = lifecycle.continuation_offer(clip, "extend")
    assert offer.allowed and offer.spec.duration == 6  # 34 + 6 = 40 s, the most it takes


def test_an_openrouter_extension_costs_what_it_was_estimated(alice, user, key):
    first = run_spec(user, key, "first", model="google/veo-3.1", prompt="A kite", duration=4)
    form, token = continue_form(alice, first, "extend")
    estimate = form.split("Estimated cost: <strong>")[1].split("<")[0]
    alice.post(
        reverse("videos:clip_continue", args=[first.public_id, 1, "extend"]),
        {"idempotency_key": token, "prompt": "It climbs"},
    )
    second = run_in_process(VideoJob.objects.get(idempotency_key=token))
    assert second.status == VideoJob.Status.READY, second.error
    assert cents(second.cost) == estimate


# --- models that make several clips ------------------------------------------------------


def test_a_model_that_makes_several_clips_is_priced_for_all_of_them(alice, user, key):
    """Its estimate was a third of what was charged."""
    run_job(user, key)  # the model decides: three clips
    second = run_job(user, key, prompt="Summer teaser")
    assert second.clips.count() == 3
    assert second.estimated_cost == second.cost == Decimal("0.12")
    info = next(m for m in key.models() if m.id == "sandbox/multi-clip")
    assert info.outputs_per_job == 3


def test_a_model_never_run_here_says_it_decides_how_many_clips_and_the_price_is_per_clip(
    alice, user, key
):
    """Its first job was estimated for one clip, with nothing to say three would be charged."""
    options = reverse("videos:generate_options")
    query = {"key": key.pk, "model": "sandbox/multi-clip", "duration": 4}
    first = alice.get(options, query).content.decode()
    assert "$0.04</strong>" in first
    assert "without audio at 720p for each clip: the model decides how many clips it makes" in first
    run_job(user, key)  # it made three
    known = alice.get(options, query).content.decode()
    assert "$0.12</strong>" in known and "for each of 3 clips" in known
    assert "the model decides" not in known


# --- the budget left, where the video is made --------------------------------------------


def test_the_generate_summary_shows_the_budget_left_as_spend_counts_it(alice, user, key):
    workspace = key.workspace
    project = make_project(workspace, "Northwind", "Spring")
    make_job(user, workspace, key=key, status="ready", cost=Decimal("3.20"), project=project)
    make_job(user, workspace, key=key, status="waiting", estimated_cost=Decimal("1.60"))
    make_job(user, workspace, key=key, status="blocked", estimated_cost=Decimal("9.00"))
    Budget.objects.create(workspace=workspace, monthly_amount=Decimal("20"))
    Budget.objects.create(workspace=workspace, client=project.client, monthly_amount=Decimal("5"))
    options = reverse("videos:generate_options")
    query = {"key": key.pk, "model": "google/veo-3.1", "duration": 8, "generate_audio": "on"}
    page = alice.get(options, query).content.decode()
    assert f'$15.20</strong> <span class="muted small">of {workspace.name}\u2019s $20.00' in page
    page = alice.get(options, {**query, "project": project.public_id}).content.decode()
    assert "$1.80</strong>" in page and "not enough for this video" in page
    assert "$15.20</strong>" in page  # and the workspace's, which the video must fit too
    spend = alice.get(reverse("spend:overview", args=[workspace.slug])).content.decode()
    assert "$15.20" in spend and "$1.80" in spend
    page = alice.get(reverse("videos:generate")).content.decode()
    assert "Budget left this month" in page


def test_with_no_budget_the_summary_says_so(alice, key):
    page = alice.get(
        reverse("videos:generate_options"), {"key": key.pk, "model": "google/veo-3.1"}
    ).content.decode()
    assert "No budget set" in page


@pytest.mark.parametrize(
    ("error", "status", "said"),
    [
        ("Output blocked by content moderation", "blocked", "Nothing was charged"),
        ("", "failed", "without any video"),
    ],
)
def test_an_openrouter_job_completed_without_a_video_is_an_answer(monkeypatch, error, status, said):
    """It raised "unexpected reply" and was asked again until the deadline."""
    from providers.openrouter import OpenRouterProvider

    adapter = OpenRouterProvider("sk-or-v1-x", base_url="https://openrouter.ai/api/v1")
    body = {"id": "gen-1", "status": "completed", "unsigned_urls": [], "error": error or None}
    monkeypatch.setattr(adapter, "_call", lambda *args, **kwargs: body)
    state = adapter.poll("https://openrouter.ai/api/v1/videos/gen-1")
    assert state.status == status and said in state.error


def test_an_omni_interaction_failed_by_the_safety_rules_is_blocked(monkeypatch):
    from providers.gemini import GeminiProvider

    adapter = GeminiProvider("AIza-x", base_url="https://generativelanguage.googleapis.com")
    body = {
        "id": "v1_1",
        "status": "failed",
        "steps": [{"type": "model_output", "error": {"code": "SAFETY", "message": "SAFETY"}}],
    }
    monkeypatch.setattr(adapter, "_read_interaction", lambda interaction: body)
    state = adapter.poll("interactions/v1_1")
    assert state.status == "blocked" and "safety rules" in state.error
    body["steps"][0]["error"] = {"code": "INTERNAL", "message": "Something broke"}
    assert adapter.poll("interactions/v1_1").status == "failed"
