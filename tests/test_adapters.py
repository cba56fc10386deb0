"""Our provider adapters against the real sandbox over HTTP: the happy path and every scenario."""

import hashlib
import io
import time
from dataclasses import replace
from decimal import Decimal

import av
import pytest

from providers import http
from providers.base import (
    BadRequest,
    ImageInput,
    InvalidKey,
    InvalidSpec,
    JobSpec,
    JobState,
    JobStatus,
    OutOfCredits,
    Output,
    OutputGone,
    ProviderUnavailable,
    RateLimited,
    SubmitOutcomeUnknown,
    UnexpectedResponse,
)
from providers.gemini import GeminiProvider
from providers.openrouter import OpenRouterProvider
from tests.factories import GEMINI_KEY, OPENROUTER_KEY
from tests.helpers import submit


@pytest.fixture(autouse=True)
def sandbox_reachable(sandbox, settings):
    """The download guard is always on; the sandbox's loopback host:ports are let through."""
    port = sandbox.url.rsplit(":", 1)[1]
    settings.ALLOW_PRIVATE_HOSTS = [f"127.0.0.1:{port}", f"localhost:{port}"]


@pytest.fixture
def checked_urls(monkeypatch):
    """Every URL the download guard looks at, in order."""
    seen = []
    original = http.check_url

    def record(url):
        seen.append(url)
        original(url)

    monkeypatch.setattr(http, "check_url", record)
    return seen


@pytest.fixture
def openrouter(sandbox):
    return OpenRouterProvider(OPENROUTER_KEY, base_url=sandbox.openrouter_base_url, timeout=10)


@pytest.fixture
def gemini(sandbox):
    return GeminiProvider(GEMINI_KEY, base_url=sandbox.gemini_base_url, timeout=10)


def wait(provider, polling_url, *, limit=20.0) -> JobState:
    """Poll until terminal, riding out rate limits and 500s as a worker would."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            state = provider.poll(polling_url)
        except (RateLimited, ProviderUnavailable) as exc:
            time.sleep(min(exc.retry_after or 0.3, 2.5))
            continue
        if state.status.is_terminal:
            return state
        time.sleep(0.3)
    raise AssertionError("job did not finish")


def download(provider, output: Output) -> bytes:
    with provider.open_output(output) as response:
        return b"".join(response.iter_bytes(1 << 16))


def probe(data: bytes) -> tuple[float, int, int]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        return float(container.duration / av.time_base), stream.width, stream.height


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 180), "#4f46e5").save(buffer, format="PNG")
    return buffer.getvalue()


def spec(model, prompt="A red balloon over a lake", **kwargs) -> JobSpec:
    return JobSpec(model=model, prompt=prompt, **kwargs)


# --- the end-to-end scenario -----------------------------------------------------------------


def test_openrouter_end_to_end_with_several_clips(openrouter):
    models = {m.id: m for m in openrouter.list_models()}
    assert {"google/veo-3.1", "sandbox/multi-clip"} <= set(models)
    veo = models["google/veo-3.1"]
    assert veo.durations and veo.resolutions and veo.aspect_ratios and veo.pricing

    model = models["sandbox/multi-clip"]
    job = spec(model.id, duration=model.durations[0], aspect_ratio="9:16")
    job.validate(model)
    submitted = submit(openrouter, job)
    assert submitted.polling_url.startswith(openrouter.base_url)
    state = wait(openrouter, submitted.polling_url)
    assert state.status == JobStatus.COMPLETED
    assert len(state.outputs) == 3
    assert state.cost is not None and state.cost > 0
    clips = [download(openrouter, output) for output in state.outputs]
    assert len({hashlib.sha256(c).hexdigest() for c in clips}) == 3
    duration, width, height = probe(clips[0])
    assert height > width
    assert abs(duration - model.durations[0]) < 0.5


def test_gemini_end_to_end(gemini, sandbox):
    models = {m.id: m for m in gemini.list_models()}
    assert "veo-3.1-generate-sandbox" in models
    veo = models["veo-3.1-generate-sandbox"]
    job = spec(veo.id, duration=4, resolution="720p", aspect_ratio="16:9", negative_prompt="rain")
    job.validate(veo)
    submitted = submit(gemini, job)
    assert submitted.job_id.startswith(f"models/{veo.id}/operations/")
    state = wait(gemini, submitted.polling_url)
    assert state.status == JobStatus.COMPLETED
    (output,) = state.outputs
    # The download URL is built on our configured base, whatever host the reply named.
    assert output.url.startswith(f"{sandbox.gemini_base_url}/v1beta/files/")
    assert output.expires_at is not None
    duration, width, height = probe(download(gemini, output))
    assert width > height and abs(duration - 4) < 0.5


OMNI = "gemini-omni-1.1-flash"


@pytest.mark.parametrize("delivery", ["uri", "inline"])
def test_omni_end_to_end_through_the_interactions_api(gemini, sandbox, settings, delivery):
    settings.GEMINI_DELIVERY = delivery
    models = {m.id: m for m in gemini.list_models()}
    omni = models[OMNI]
    assert omni.family == "gemini-omni" and omni.audio_always and not omni.negative_prompt
    job = spec(OMNI, duration=5, resolution="720p", aspect_ratio="9:16", seed=3)
    job.validate(omni)
    submitted = submit(gemini, job)
    assert submitted.polling_url == f"interactions/{submitted.job_id}"
    state = wait(gemini, submitted.polling_url)
    assert state.status == JobStatus.COMPLETED, state.error
    (output,) = state.outputs
    assert output.url.startswith(f"{sandbox.gemini_base_url}/v1beta/")
    assert output.url.endswith("#inline") == (delivery == "inline")
    # Omni bills tokens: the cost is computed from the usage it reported, and says so.
    assert state.cost is not None and state.cost > 0 and state.cost_is_estimate
    duration, width, height = probe(download(gemini, output))
    assert height > width and abs(duration - 5) < 0.5
    sent = sandbox.stats()["jobs"][submitted.job_id]["request"]
    assert sent["response_format"]["delivery"] == delivery
    assert sent["response_format"]["duration"] == "5s"


def test_omni_image_to_video_carries_the_image_inline(gemini, sandbox):
    job = spec(
        OMNI, "It spins", duration=4, images=(ImageInput("first_frame", "image/png", png()),)
    )
    submitted = submit(gemini, job)
    sent = sandbox.stats()["jobs"][submitted.job_id]["request"]
    blocks = sent["input"][0]["content"]
    assert blocks[0]["type"] == "image" and blocks[0]["data"].startswith("<image/png")
    assert blocks[-1]["text"] == "<FIRST_FRAME> It spins"
    assert sent["generation_config"]["video_config"]["task"] == "image_to_video"
    assert wait(gemini, submitted.polling_url).status == JobStatus.COMPLETED


def test_omni_edit_carries_on_from_the_earlier_interaction(gemini, sandbox):
    first = submit(gemini, spec(OMNI, "A boat", duration=4))
    assert wait(gemini, first.polling_url).status == JobStatus.COMPLETED
    parent = gemini.continuation("edit", first.job_id, "")
    edited = submit(gemini, spec(OMNI, "Make it snow", duration=4, parent=parent))
    assert wait(gemini, edited.polling_url).status == JobStatus.COMPLETED
    assert sandbox.stats()["jobs"][edited.job_id]["parent"] == first.job_id


def test_omni_cancel_is_real(gemini, sandbox):
    submitted = submit(gemini, spec(OMNI, "[sandbox:slow=30] long", duration=4))
    assert gemini.can_cancel(submitted.polling_url)
    gemini.cancel(submitted.polling_url)
    state = gemini.poll(submitted.polling_url)
    assert state.status == JobStatus.CANCELLED


@pytest.mark.parametrize(
    ("marker", "status", "words"),
    [
        ("safety", JobStatus.BLOCKED, "safety rules refused"),
        ("fail", JobStatus.FAILED, "could not make this video"),
        ("budget", JobStatus.FAILED, "over its budget"),
        ("odd-status=2", JobStatus.COMPLETED, ""),
    ],
)
def test_omni_endings(gemini, marker, status, words):
    state = wait(
        gemini, submit(gemini, spec(OMNI, f"[sandbox:{marker}] x", duration=4)).polling_url
    )
    assert state.status == status and words in state.error


def test_omni_safety_refusal_at_submit_is_plain(gemini):
    with pytest.raises(BadRequest, match="safety rules refused this request before"):
        submit(gemini, spec(OMNI, "[sandbox:safety-submit] x", duration=4))


def test_retired_and_unknown_gemini_models(gemini):
    ids = {m.id for m in gemini.list_models()}
    assert "veo-3.0-generate-001" not in ids  # still listed by the key, but retired
    assert {"gemini-omni-1.1-flash", "gemini-omni-1.2-flash", "veo-3.1-generate-sandbox"} <= ids


# --- keys and errors -------------------------------------------------------------------------


def test_bad_keys_are_invalid_key(sandbox):
    for provider in (
        OpenRouterProvider("sk-or-v1-nope-000000000000", base_url=sandbox.openrouter_base_url),
        GeminiProvider("AIzaNope000000000000000000", base_url=sandbox.gemini_base_url),
    ):
        with pytest.raises(InvalidKey):
            provider.verify_key()
        with pytest.raises(InvalidKey):
            submit(provider, spec("google/veo-3.1" if provider.slug == "openrouter" else "veo-x"))


def test_out_of_credits(sandbox):
    provider = OpenRouterProvider(
        "sk-or-v1-sandbox-nocredit-0000000000", base_url=sandbox.openrouter_base_url
    )
    with pytest.raises(OutOfCredits, match="out of credits"):
        submit(provider, spec("google/veo-3.1", duration=8))


def test_unsupported_parameters_get_the_providers_own_message(openrouter, gemini):
    # Sent on purpose without validate(), to see the provider's answer.
    with pytest.raises(BadRequest) as info:
        submit(openrouter, spec("google/veo-3.1", duration=3))
    assert "duration" in str(info.value).lower()
    with pytest.raises(BadRequest) as info:
        submit(gemini, spec("veo-3.1-generate-sandbox", duration=4, resolution="1080p"))
    assert str(info.value).startswith("Gemini refused the request:")


def test_rate_limits_carry_retry_after(openrouter, gemini):
    for provider, model in ((openrouter, "google/veo-3.1"), (gemini, "veo-3.1-generate-sandbox")):
        with pytest.raises(RateLimited) as info:
            submit(provider, spec(model, "[sandbox:429-submit] x", duration=8))
        assert info.value.retry_after == 2
        submitted = submit(provider, spec(model, "[sandbox:429-submit] x", duration=8))
        with pytest.raises(RateLimited):
            # A fresh job with a poll-side rate limit: the first poll is refused, then it works.
            provider.poll(
                submit(provider, spec(model, "[sandbox:429-poll] x", duration=8)).polling_url
            )
        assert wait(provider, submitted.polling_url).status == JobStatus.COMPLETED


def test_server_errors_are_temporary(openrouter, gemini):
    for provider, model in ((openrouter, "google/veo-3.1"), (gemini, "veo-3.1-generate-sandbox")):
        with pytest.raises(ProviderUnavailable, match="problem on its side"):
            submit(provider, spec(model, "[sandbox:500-submit] y", duration=8))
        submitted = submit(provider, spec(model, "[sandbox:500-poll] y", duration=8))
        with pytest.raises(ProviderUnavailable):
            provider.poll(submitted.polling_url)
        assert wait(provider, submitted.polling_url).status == JobStatus.COMPLETED


# --- scenarios -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["openrouter", "gemini"])
def test_failed_job(request, name):
    provider = request.getfixturevalue(name)
    model = "google/veo-3.1" if name == "openrouter" else "veo-3.1-generate-sandbox"
    state = wait(
        provider, submit(provider, spec(model, "[sandbox:fail] z", duration=8)).polling_url
    )
    assert state.status == JobStatus.FAILED
    assert state.error.startswith(("OpenRouter could not make this video", "Gemini could not"))
    assert state.raw_error


def test_expired_job(openrouter):
    state = wait(
        openrouter, submit(openrouter, spec("google/veo-3.1", "[sandbox:expire]")).polling_url
    )
    assert state.status == JobStatus.EXPIRED
    assert "expire" in state.error


def test_gemini_safety_filter_says_not_charged(gemini):
    job = spec("veo-3.1-generate-sandbox", "[sandbox:safety] q", duration=8)
    state = wait(gemini, submit(gemini, job).polling_url)
    assert state.status == JobStatus.BLOCKED
    assert "you were not charged" in state.error
    assert "You have not been charged for this attempt." in state.error


def test_openrouter_safety_during_generation_is_blocked_without_cost(openrouter):
    """A content-policy failure is the provider's safety rules, not a failure that can be
    temporary: blocked, saying nothing was charged and what to change."""
    state = wait(
        openrouter, submit(openrouter, spec("google/veo-3.1", "[sandbox:safety]")).polling_url
    )
    assert state.status == JobStatus.BLOCKED
    assert state.cost in (None, 0)
    assert "safety rules" in state.error and "Nothing was charged" in state.error
    assert "would be refused again" in state.error


@pytest.mark.parametrize("name", ["openrouter", "gemini"])
def test_gone_content(request, name):
    provider = request.getfixturevalue(name)
    model = "google/veo-3.1" if name == "openrouter" else "veo-3.1-generate-sandbox"
    state = wait(provider, submit(provider, spec(model, "[sandbox:gone]", duration=8)).polling_url)
    assert state.status == JobStatus.COMPLETED
    with pytest.raises(OutputGone, match="no longer has this clip"):
        download(provider, state.outputs[0])


def test_download_500_then_ok_and_broken_download(openrouter):
    for marker in ("500-download", "broken-download"):
        state = wait(
            openrouter,
            submit(openrouter, spec("google/veo-3.1", f"[sandbox:{marker}]")).polling_url,
        )
        with pytest.raises(ProviderUnavailable):
            download(openrouter, state.outputs[0])
        assert probe(download(openrouter, state.outputs[0]))[0] > 0


def test_not_video_and_huge_are_served_as_is(openrouter):
    # Refusing them is storage's job (videos.media); the adapter just streams bytes.
    state = wait(
        openrouter, submit(openrouter, spec("google/veo-3.1", "[sandbox:not-video]")).polling_url
    )
    assert b"<html" in download(openrouter, state.outputs[0]).lower()
    state = wait(
        openrouter,
        submit(openrouter, spec("google/veo-3.1", "[sandbox:huge=50000000]")).polling_url,
    )
    with openrouter.open_output(state.outputs[0]) as response:
        assert response.content_length == 50_000_000
        assert len(next(response.iter_bytes(1 << 16))) > 0


def test_slow_job_stays_running(openrouter):
    submitted = submit(openrouter, spec("google/veo-3.1", "[sandbox:slow=30]"))
    time.sleep(1.5)
    assert openrouter.poll(submitted.polling_url).status in (JobStatus.PENDING, JobStatus.RUNNING)


# --- credentials go only to the provider's own origin ---------------------------------------


def test_signed_urls_on_another_host_get_no_bearer(openrouter, sandbox, checked_urls):
    job = spec("google/veo-3.1", "[sandbox:signed-other-host] s")
    state = wait(openrouter, submit(openrouter, job).polling_url)
    output = state.outputs[0]
    assert not output.url.startswith(openrouter.base_url)
    assert output.expires_at is not None
    before = len(sandbox.stats()["off_origin_requests"])
    data = download(openrouter, output)
    assert probe(data)[0] > 0 and checked_urls == [output.url]
    (hit,) = sandbox.stats()["off_origin_requests"][before:]
    assert hit["endpoint"] == "openrouter-signed" and hit["credential_headers"] == []


def test_unsigned_urls_on_the_api_origin_carry_the_bearer(openrouter):
    state = wait(
        openrouter, submit(openrouter, spec("google/veo-3.1", "[sandbox:unsigned]")).polling_url
    )
    assert state.outputs[0].url.startswith(openrouter.base_url)
    assert probe(download(openrouter, state.outputs[0]))[0] > 0


def test_gemini_redirect_to_another_host_drops_the_key(gemini, sandbox, checked_urls):
    state = wait(
        gemini, submit(gemini, spec("veo-3.1-generate-sandbox", "r", duration=8)).polling_url
    )
    before = len(sandbox.stats()["off_origin_requests"])
    assert probe(download(gemini, state.outputs[0]))[0] > 0
    assert len(checked_urls) == 2 and "localhost" in checked_urls[1]  # the redirect too
    (hit,) = sandbox.stats()["off_origin_requests"][before:]
    assert hit["endpoint"] == "gemini-files" and hit["credential_headers"] == []


def test_a_poll_reply_cannot_steer_the_key_elsewhere(openrouter):
    # Not a temporary problem to retry for half an hour: refused at once, with the reason.
    with pytest.raises(BadRequest, match="another host"):
        openrouter.poll("https://evil.example/api/v1/videos/x")


def test_a_polling_url_on_another_host_is_not_followed(openrouter, sandbox):
    """The job exists and is paid for: it is followed on the API's own documented endpoint."""
    submitted = submit(openrouter, spec("google/veo-3.1", "[sandbox:foreign-polling-url] a"))
    assert submitted.polling_url == f"{openrouter.base_url}/videos/{submitted.job_id}"
    assert wait(openrouter, submitted.polling_url).status == JobStatus.COMPLETED


# --- what the real OpenRouter API does that the old adapter got wrong ------------------------


def sent(sandbox, job_id):
    return sandbox.stats()["jobs"][job_id]


def openrouter_model(openrouter, model_id):
    return {m.id: m for m in openrouter.list_models()}[model_id]


def test_edit_upscale_and_avatar_models_are_not_offered(openrouter):
    ids = {m.id for m in openrouter.list_models()}
    assert {"google/veo-3.1", "kwaivgi/kling-v3.0-pro", "bytedance/seedance-2.0"} <= ids
    assert not ids & {
        "black-forest-labs/flux-video-edit",
        "black-forest-labs/flux-video-upscale",
        "heygen/avatar-iv",
    }


def test_audio_off_is_said_out_loud_and_billed_as_such(openrouter, sandbox):
    veo = openrouter_model(openrouter, "google/veo-3.1")
    job = spec("google/veo-3.1", duration=8, generate_audio=False)
    submitted = submit(openrouter, job)
    assert sent(sandbox, submitted.job_id)["request"]["generate_audio"] is False
    state = wait(openrouter, submitted.polling_url)
    assert state.cost == Decimal("1.60") == openrouter.estimate(job, veo).amount
    with_audio = replace(job, generate_audio=True)
    assert openrouter.estimate(with_audio, veo).amount == Decimal("3.20")


@pytest.mark.parametrize("price", ["NaN", "Infinity", "-0.20", "1e30", "twenty"])
def test_a_catalogue_price_that_is_no_price_is_passed_over_not_charged_by(openrouter, price):
    veo = openrouter_model(openrouter, "google/veo-3.1")
    job = spec("google/veo-3.1", duration=8, generate_audio=False)
    hostile = replace(veo, pricing={"duration_seconds_without_audio": price})
    assert openrouter.estimate(job, hostile) is None  # "price unknown", never NaN or negative
    # A sound SKU beside it is the one used.
    beside = replace(
        veo, pricing={"duration_seconds_without_audio": price, "duration_seconds": "0.2"}
    )
    assert openrouter.estimate(job, beside).amount == Decimal("1.60")


def test_the_negative_prompt_arrives_under_the_upstream_slug(openrouter, sandbox):
    veo = openrouter_model(openrouter, "google/veo-3.1")
    assert veo.negative_prompt and veo.passthrough["negative_prompt"] == "negativePrompt"
    submitted = submit(openrouter, spec("google/veo-3.1", negative_prompt="text, logos"))
    applied = sent(sandbox, submitted.job_id)["passthrough_applied"]
    assert applied["google-vertex"] == {"negativePrompt": "text, logos"}


def test_a_model_whose_upstream_slug_is_unknown_offers_no_passthrough(openrouter):
    kling = openrouter_model(openrouter, "kwaivgi/kling-v3.0-pro")
    assert not kling.negative_prompt and kling.durations == tuple(range(3, 16))


def test_frames_and_references_are_never_sent_together(openrouter):
    veo = openrouter_model(openrouter, "google/veo-3.1")
    images = (
        ImageInput("first_frame", "image/png", png()),
        ImageInput("reference", "image/png", png()),
    )
    with pytest.raises(InvalidSpec, match="cannot combine"):
        spec("google/veo-3.1", duration=8, images=images).validate(veo)


def test_veo_rules_are_checked_before_sending(openrouter):
    veo = openrouter_model(openrouter, "google/veo-3.1")
    last = (ImageInput("last_frame", "image/png", png()),)
    with pytest.raises(InvalidSpec, match="needs a first frame"):
        spec("google/veo-3.1", duration=8, images=last).validate(veo)
    with pytest.raises(InvalidSpec, match="8 seconds with 4K"):
        spec("google/veo-3.1", duration=4, resolution="4K").validate(veo)


def test_an_unknown_status_means_still_running(openrouter):
    submitted = submit(openrouter, spec("google/veo-3.1", "[sandbox:odd-status=2] o"))
    states = [openrouter.poll(submitted.polling_url) for _ in range(2)]
    assert [s.status for s in states] == [JobStatus.RUNNING] * 2
    assert states[0].provider_status == "queued_upstream"
    assert wait(openrouter, submitted.polling_url).status == JobStatus.COMPLETED


def test_an_expired_signed_url_falls_back_to_the_keyed_endpoint(openrouter, sandbox):
    state = wait(
        openrouter,
        submit(openrouter, spec("google/veo-3.1", "[sandbox:signed-expired] e")).polling_url,
    )
    output = state.outputs[0]
    assert output.fallback_url.startswith(openrouter.base_url)
    assert probe(download(openrouter, output))[0] > 0
    # Even while the signed copy claims to be valid, a refusal falls back too.
    fresh = replace(output, expires_at=None)
    assert probe(download(openrouter, fresh))[0] > 0


def test_a_body_over_50_mib_is_refused_before_sending(openrouter, sandbox, monkeypatch):
    from providers import openrouter as module

    monkeypatch.setattr(module, "MAX_BODY_BYTES", 1000)
    before = sandbox.stats()["submit_attempts"].get("openrouter", 0)
    big = (ImageInput("first_frame", "image/png", png()),)
    with pytest.raises(BadRequest, match="takes at most"):
        submit(openrouter, spec("google/veo-3.1", duration=8, images=big))
    assert sandbox.stats()["submit_attempts"].get("openrouter", 0) == before


def test_gemini_images_reach_veo_in_the_shape_it_takes(gemini, sandbox):
    """The old ``inlineData`` shape was refused: every image-to-video Veo job failed."""
    images = (ImageInput("reference", "image/png", png()),) * 3
    submitted = submit(
        gemini, spec("veo-3.1-generate-sandbox", "An advert", duration=8, images=images)
    )
    request = sent(sandbox, submitted.job_id.rsplit("/", 1)[1])["request"]
    references = request["instances"][0]["referenceImages"]
    assert len(references) == 3 and references[0]["referenceType"] == "ASSET"
    assert "personGeneration" not in request["parameters"]
    assert wait(gemini, submitted.polling_url).status == JobStatus.COMPLETED


def test_a_refused_people_setting_is_explained(sandbox):
    restricted = GeminiProvider(
        "AIzaSandbox-restricted-0123456789", base_url=sandbox.gemini_base_url
    )
    job = spec("veo-3.1-generate-sandbox", duration=8, person_generation="allow_adult")
    with pytest.raises(BadRequest, match="People"):
        submit(restricted, job)


# --- a provider that misbehaves --------------------------------------------------------------


@pytest.mark.parametrize("mode", ["html", "list", "500", "hang"])
def test_garbage_replies_are_clear_errors(misbehaving_server, mode):
    provider = OpenRouterProvider(
        OPENROUTER_KEY, base_url=f"{misbehaving_server}/{mode}/api/v1", timeout=0.5
    )
    with pytest.raises(ProviderUnavailable) as info:
        provider.list_models()
    assert "KeyError" not in str(info.value)
    gemini = GeminiProvider(GEMINI_KEY, base_url=f"{misbehaving_server}/{mode}", timeout=0.5)
    with pytest.raises(ProviderUnavailable):
        gemini.poll("models/veo-3.1-generate-sandbox/operations/abc")


def test_a_submit_without_an_answer_is_outcome_unknown(misbehaving_server):
    for provider in (
        OpenRouterProvider(OPENROUTER_KEY, base_url=f"{misbehaving_server}/drop/api/v1"),
        GeminiProvider(GEMINI_KEY, base_url=f"{misbehaving_server}/drop"),
    ):
        with pytest.raises(SubmitOutcomeUnknown, match="may or may not have been started"):
            submit(provider, spec("google/veo-3.1" if provider.slug == "openrouter" else "veo-x"))
    refused = OpenRouterProvider(OPENROUTER_KEY, base_url="http://127.0.0.1:9/api/v1")
    with pytest.raises(ProviderUnavailable, match="nothing was submitted"):
        submit(refused, spec("google/veo-3.1"))


def test_json_of_the_wrong_shape(misbehaving_server):
    provider = OpenRouterProvider(OPENROUTER_KEY, base_url=f"{misbehaving_server}/list/api/v1")
    with pytest.raises(UnexpectedResponse, match="not the JSON its API documents"):
        provider.verify_key()


@pytest.mark.parametrize("mode", ["html", "list"])
def test_an_unreadable_reply_to_a_submit_is_never_retried(misbehaving_server, mode):
    """A 2xx to a paid request means the job may exist: an unknown outcome, not a retry."""
    for provider in (
        OpenRouterProvider(OPENROUTER_KEY, base_url=f"{misbehaving_server}/{mode}/api/v1"),
        GeminiProvider(GEMINI_KEY, base_url=f"{misbehaving_server}/{mode}"),
    ):
        model = "google/veo-3.1" if provider.slug == "openrouter" else "veo-3.1-generate-sandbox"
        with pytest.raises(SubmitOutcomeUnknown, match="its reply was unreadable"):
            submit(provider, spec(model))


def test_a_video_model_of_an_unknown_family_gets_a_safe_profile(gemini, monkeypatch):
    listed = [
        {"name": "models/veo-9.0-generate-preview", "displayName": "Veo 9"},
        {"name": "models/gemini-omni-1.5-flash", "displayName": "Omni 1.5"},
        {"name": "models/veo-3.1-generate-preview", "displayName": "retired"},
    ]
    monkeypatch.setattr(gemini, "_call", lambda *a, **k: {"models": listed})
    models = {m.id: m for m in gemini.list_models()}
    assert set(models) == {"veo-9.0-generate-preview", "gemini-omni-1.5-flash"}
    unknown = models["veo-9.0-generate-preview"]
    assert unknown.durations == (8,) and not unknown.accepts_images and unknown.note
    assert models["gemini-omni-1.5-flash"].family == "gemini-omni"  # a new id keeps its family


@pytest.mark.parametrize("provider", [OpenRouterProvider, GeminiProvider])
def test_a_413_reply_is_a_plain_bad_request(provider):
    import httpx

    from providers import gemini, openrouter

    module = openrouter if provider is OpenRouterProvider else gemini
    reply = httpx.Response(413, json={"error": {"code": 413, "message": "Request body too large"}})
    error = module.error_for(reply)
    assert isinstance(error, BadRequest) and "fewer or smaller images" in error.message
