"""The fake Gemini Interactions API (Gemini Omni video): replies, refusals and scenarios."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from google import genai
from google.genai import types

from sandbox.testing import SandboxProcess, probe_video
from tests.helpers import png_b64, until_ended

KEY = "AIzaSandbox-interactions"
MODEL = "gemini-omni-1.1-flash"
FILE_URI = re.compile(r"https://generativelanguage\.googleapis\.com/v1beta/files/([a-z0-9]+)")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    cache = tmp_path_factory.getbasetemp() / "sandbox-clips"
    with SandboxProcess("--job-seconds", "0.3", "--quiet", "--cache-dir", str(cache)) as process:
        yield process


@pytest.fixture
def api(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    headers = {"x-goog-api-key": KEY}
    with httpx.Client(base_url=sandbox.gemini_base_url, headers=headers, timeout=30) as client:
        yield client


def image_block() -> dict[str, str]:
    return {"type": "image", "data": png_b64(), "mime_type": "image/png"}


def body(**fields: Any) -> dict[str, Any]:
    payload = {
        "model": MODEL,
        "background": True,
        "input": "A cat surfing at sunset",
        "response_format": {"type": "video", "duration": "4s"},
        **fields,
    }
    return {name: value for name, value in payload.items() if value is not ...}


def create_response(api: httpx.Client, version: str = "v1beta", **fields: Any) -> httpx.Response:
    return api.post(f"/{version}/interactions", json=body(**fields))


def create(api: httpx.Client, **fields: Any) -> str:
    response = create_response(api, **fields)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "in_progress"
    return response.json()["id"]


def video_block(interaction: dict[str, Any]) -> dict[str, Any]:
    output = [step for step in interaction["steps"] if step["type"] == "model_output"][-1]
    block = output["content"][-1]
    assert block["type"] == "video"
    return block


def refused(response: httpx.Response, status: int = 400, code: str = "invalid_request") -> str:
    assert response.status_code == status, response.text
    payload = response.json()
    assert set(payload) == {"error"}
    assert set(payload["error"]) == {"code", "message"}
    assert payload["error"]["code"] == code
    return payload["error"]["message"]


def stats(sandbox: SandboxProcess, interaction_id: str) -> dict[str, Any]:
    return sandbox.stats()["jobs"][interaction_id]


# --- the happy paths ------------------------------------------------------------------------------


def test_lifecycle_and_inline_video(api: httpx.Client) -> None:
    created = create_response(api)
    assert created.status_code == 200
    reply = created.json()
    assert reply["status"] == "in_progress"
    assert re.fullmatch(r"v1_[a-z0-9]{24}", reply["id"])
    statuses = []
    while True:
        interaction = api.get(f"/v1beta/interactions/{reply['id']}").json()
        statuses.append(interaction["status"])
        if interaction["status"] == "completed":
            break
        time.sleep(0.03)
    assert statuses[0] == "queued"
    assert "in_progress" in statuses
    assert [step["type"] for step in interaction["steps"]] == [
        "user_input",
        "thought",
        "model_output",
    ]
    assert interaction["steps"][0]["content"] == [
        {"type": "text", "text": "A cat surfing at sunset"}
    ]
    block = video_block(interaction)
    assert block["mime_type"] == "video/mp4"
    assert "uri" not in block
    video = probe_video(base64.b64decode(block["data"]))
    assert (video.width, video.height) == (320, 180)
    assert video.duration == pytest.approx(4, abs=0.2)
    assert video.has_audio  # Omni always makes audio
    usage = interaction["usage"]
    assert usage["output_tokens_by_modality"] == [{"modality": "video", "tokens": 5792 * 4}]
    assert usage["total_output_tokens"] == 5792 * 4
    assert usage["total_input_tokens"] > 0
    assert usage["total_thought_tokens"] > 0


def test_uri_delivery_downloads_with_the_key(api: httpx.Client, sandbox: SandboxProcess) -> None:
    interaction = finish(
        api,
        create(
            api,
            response_format={
                "type": "video",
                "duration": "6s",
                "aspect_ratio": "9:16",
                "resolution": "1080p",
                "delivery": "uri",
            },
        ),
    )
    block = video_block(interaction)
    assert "data" not in block
    file_id = FILE_URI.fullmatch(block["uri"]).group(1)  # no :download, no alt=media
    assert interaction["usage"]["output_tokens_by_modality"][0]["tokens"] == round(5792 * 6 * 2.25)
    media = api.get(f"/v1beta/files/{file_id}", params={"alt": "media"}, follow_redirects=True)
    video = probe_video(media.content)
    assert (video.width, video.height) == (180, 320)
    assert video.duration == pytest.approx(6, abs=0.2)
    metadata = api.get(f"/v1beta/files/{file_id}").json()
    assert metadata["name"] == f"files/{file_id}"
    assert metadata["mimeType"] == "video/mp4"
    assert httpx.get(f"{sandbox.url}/v1beta/files/{file_id}?alt=media").status_code == 403


def test_v1_path_and_sdk_wrapped_input_with_a_first_frame(
    api: httpx.Client, sandbox: SandboxProcess
) -> None:
    image = image_block()
    wrapped = [
        {
            "type": "user_input",
            "content": [image, {"type": "text", "text": "<FIRST_FRAME> The product spins."}],
        }
    ]
    response = create_response(
        api,
        version="v1",
        input=wrapped,
        generation_config={"video_config": {"task": "image_to_video"}, "seed": 42},
    )
    interaction_id = response.json()["id"]
    assert api.get(f"/v1/interactions/{interaction_id}").status_code == 200
    finish(api, interaction_id)
    recorded = stats(sandbox, interaction_id)
    assert recorded["api"] == "interactions"
    size = len(base64.b64decode(image["data"]))
    content = recorded["request"]["input"][0]["content"]
    assert content[0] == {
        "type": "image",
        "data": f"<image/png {size} bytes>",
        "mime_type": "image/png",
    }
    assert recorded["details"]["task"] == "image_to_video"


def test_three_reference_images_and_interpolation(
    api: httpx.Client, sandbox: SandboxProcess
) -> None:
    references = [image_block() for _ in range(3)]
    text = {"type": "text", "text": "<IMAGE_REF_0> and <IMAGE_REF_1> meet <IMAGE_REF_2>."}
    interaction_id = create(api, input=[*references, text])
    recorded = stats(sandbox, interaction_id)
    assert recorded["details"]["images"] == 3
    assert recorded["details"]["task"] == "reference_to_video"
    assert finish(api, interaction_id)["status"] == "completed"
    frames = [
        image_block(),
        image_block(),
        {"type": "text", "text": "<FIRST_FRAME> to <LAST_FRAME>"},
    ]
    assert finish(api, create(api, input=frames))["status"] == "completed"


def test_omni_1_2_takes_15_seconds(api: httpx.Client) -> None:
    interaction_id = create(
        api,
        model="gemini-omni-1.2-flash",
        response_format={"type": "video", "duration": "15s", "delivery": "uri"},
    )
    assert finish(api, interaction_id)["status"] == "completed"
    message = refused(
        create_response(
            api, model="gemini-omni-1.2-flash", response_format={"type": "video", "duration": "16s"}
        )
    )
    assert message == (
        "response_format.duration 16s is out of range for gemini-omni-1.2-flash: 3s to 15s."
    )


# --- refusals -------------------------------------------------------------------------------------


def fmt(**fields: Any) -> dict[str, Any]:
    return {"type": "video", "duration": "4s", **fields}


TEXT = {"type": "text", "text": "A bottle on a beach"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"response_format": fmt(duration=8)},
            'response_format.duration must be a string such as "8s", not 8.',
        ),
        ({"response_format": fmt(duration="8")}, 'is not a duration such as "8s"'),
        (
            {"response_format": fmt(duration="11s")},
            "response_format.duration 11s is out of range for gemini-omni-1.1-flash: 3s to 10s.",
        ),
        ({"response_format": fmt(duration="2s")}, "out of range"),
        (
            {"response_format": fmt(resolution="4K")},
            "response_format.resolution 4K is not supported",
        ),
        (
            {"response_format": fmt(aspect_ratio="1:1")},
            "aspect_ratio 1:1 is not supported: use 16:9 or 9:16.",
        ),
        ({"response_format": fmt(delivery="gcs")}, "delivery gcs is not supported"),
        ({"response_format": fmt(gcs_uri="gs://b/o")}, "gcs_uri is only supported on Vertex AI"),
        (
            {"response_format": fmt(number_of_videos=2)},
            'Unknown name "number_of_videos" at response_format',
        ),
        ({"response_format": ...}, 'response_format {"type": "video", ...} is required'),
        ({"number_of_videos": 2}, 'Unknown name "number_of_videos": Cannot find field.'),
        ({"negative_prompt": "text"}, 'Unknown name "negative_prompt"'),
        ({"generate_audio": False}, 'Unknown name "generate_audio"'),
        ({"tools": []}, "tools is not supported for video generation."),
        ({"background": False}, "Video generation runs in the background: set background to true."),
        ({"background": ...}, "set background to true"),
        ({"stream": True}, "Streaming is not supported for video generation."),
        ({"store": "yes"}, "store must be a boolean."),
        (
            {"model": "veo-3.1-generate-sandbox"},
            "Model veo-3.1-generate-sandbox is not supported by the Interactions API",
        ),
        ({"model": "gemini-2.5-flash"}, "Model gemini-2.5-flash does not support video output."),
        ({"input": ...}, "input is required."),
        ({"input": ""}, "input must not be empty."),
        (
            {"input": [image_block(), TEXT]},
            "The text places 0 image(s) with tags but 1 image(s) were given",
        ),
        (
            {"input": [{"type": "text", "text": "<FIRST_FRAME> x"}]},
            "places 1 image(s) with tags but 0",
        ),
        (
            {"input": [image_block(), {"type": "text", "text": "<LAST_FRAME> x"}]},
            "<LAST_FRAME> requires <FIRST_FRAME>.",
        ),
        (
            {
                "input": [
                    image_block(),
                    image_block(),
                    {"type": "text", "text": "<FIRST_FRAME> <IMAGE_REF_0>"},
                ]
            },
            "cannot be combined with <IMAGE_REF_n>",
        ),
        (
            {"input": [image_block(), {"type": "text", "text": "<IMAGE_REF_1>"}]},
            "<IMAGE_REF_n> tags must be numbered from 0 without gaps.",
        ),
        (
            {
                "input": [image_block()] * 4
                + [{"type": "text", "text": "<IMAGE_REF_0><IMAGE_REF_1><IMAGE_REF_2><IMAGE_REF_3>"}]
            },
            "At most 3 reference images",
        ),
        (
            {"input": [image_block(), {"type": "text", "text": "<FIRST_FRAME> <FIRST_FRAME>"}]},
            "Tag <FIRST_FRAME> appears more than once.",
        ),
        (
            {"input": [{"type": "image", "inline_data": {"data": "AAAA"}}, TEXT]},
            'Unknown name "inline_data" at input[0]',
        ),
        (
            {"input": [{"type": "audio", "data": "AAAA", "mime_type": "audio/mp3"}, TEXT]},
            "content of type audio is not supported",
        ),
        (
            {"input": [{**image_block(), "uri": "https://x/y.png"}, TEXT]},
            "give exactly one of data and uri",
        ),
        ({"input": [{"type": "image", "uri": "gs://b/y.png"}, TEXT]}, "gs:// is for Vertex AI"),
        (
            {"input": [{"type": "image", "data": "%%%", "mime_type": "image/png"}, TEXT]},
            "input[0].data is not valid base64.",
        ),
        (
            {"input": [{"type": "model_output", "content": []}]},
            "input steps must all be user_input steps.",
        ),
        (
            {"generation_config": {"temperature": 0.5}},
            "generation_config.temperature is not supported for video generation.",
        ),
        ({"generation_config": {"video_config": {"task": "dance"}}}, "task 'dance' is not one of"),
        (
            {"generation_config": {"video_config": {"task": "image_to_video"}}},
            "needs an image placed with <FIRST_FRAME>",
        ),
        ({"generation_config": {"video_config": {"task": "extend"}}}, "task extend needs a video"),
        ({"generation_config": {"seed": "7"}}, "generation_config.seed must be an integer."),
        (
            {"previous_interaction_id": "v1_nothing"},
            "previous_interaction_id v1_nothing was not found.",
        ),
        ({"input": "x [sandbox:huge]"}, '[sandbox:huge] needs response_format.delivery "uri"'),
        ({"input": "x [sandbox:gone]"}, '[sandbox:gone] needs response_format.delivery "uri"'),
        ({"input": "x [sandbox:nope]"}, "Unknown sandbox marker [sandbox:nope]"),
        ({"input": "x [sandbox:safety-submit]"}, "blocked for SAFETY reasons"),
    ],
)
def test_refusals(api: httpx.Client, fields: dict[str, Any], message: str) -> None:
    assert message in refused(create_response(api, **fields))


def test_unknown_model_is_404(api: httpx.Client) -> None:
    message = refused(create_response(api, model="gemini-omni-9"), 404, "not_found")
    assert message == "Model gemini-omni-9 was not found."


def test_key_errors_keep_the_front_end_shape(sandbox: SandboxProcess) -> None:
    url = f"{sandbox.gemini_base_url}/v1beta/interactions"
    missing = httpx.post(url, json=body())
    assert missing.status_code == 403
    assert missing.json()["error"]["status"] == "PERMISSION_DENIED"
    bad = httpx.post(url, json=body(), headers={"x-goog-api-key": "AIzaWrong"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == 400
    assert bad.json()["error"]["status"] == "INVALID_ARGUMENT"


# --- previous_interaction_id ----------------------------------------------------------------------


def test_extend_and_edit(api: httpx.Client, sandbox: SandboxProcess) -> None:
    uri = {"type": "video", "duration": "10s", "delivery": "uri"}
    extend = {"video_config": {"task": "extend"}}
    chain = [create(api, response_format=uri)]
    finish(api, chain[0])
    for _ in range(3):
        chain.append(
            create(
                api,
                input="Keep going",
                previous_interaction_id=chain[-1],
                generation_config=extend,
                response_format=uri,
            )
        )
        interaction = finish(api, chain[-1])
        assert interaction["previous_interaction_id"] == chain[-2]
    assert [stats(sandbox, item)["details"]["duration"] for item in chain] == [10, 20, 30, 40]
    assert stats(sandbox, chain[-1])["parent"] == chain[-2]
    message = refused(
        create_response(
            api,
            input="Longer",
            previous_interaction_id=chain[-1],
            generation_config=extend,
            response_format=uri,
        )
    )
    assert message == (
        "Extending would make the video 50s long; gemini-omni-1.1-flash extends videos up to "
        "40s in total."
    )

    edited = create(
        api,
        input="Change the setting to snow. Keep everything else the same.",
        previous_interaction_id=chain[0],
        response_format={"type": "video"},
    )
    assert stats(sandbox, edited)["details"]["task"] == "edit"
    video = probe_video(base64.b64decode(video_block(finish(api, edited))["data"]))
    assert video.duration == pytest.approx(10, abs=0.2)


def test_previous_interaction_must_be_continuable(api: httpx.Client, sandbox: SandboxProcess):
    running = create(api, input="x [sandbox:slow=30]")
    message = refused(create_response(api, input="edit", previous_interaction_id=running))
    assert re.fullmatch(
        f"previous_interaction_id {running} is (queued|in_progress); only a completed "
        "interaction can be continued.",
        message,
    )
    unstored = create(api, store=False)
    finish(api, unstored)
    message = refused(create_response(api, input="edit", previous_interaction_id=unstored))
    assert "was created with store: false and cannot be continued" in message
    blocked = create(api, input="x [sandbox:safety]")
    finish(api, blocked)
    message = refused(create_response(api, input="edit", previous_interaction_id=blocked))
    assert message == f"previous_interaction_id {blocked} has no video to continue."
    done = create(api)
    finish(api, done)
    other = httpx.post(
        f"{sandbox.gemini_base_url}/v1beta/interactions",
        json=body(input="edit", previous_interaction_id=done),
        headers={"x-goog-api-key": "AIzaSandbox-someone-else"},
    )
    assert "was not found" in refused(other)


# --- scenarios, cancel and delete ---------------------------------------------------------------


def test_fail(api: httpx.Client) -> None:
    interaction = finish(api, create(api, input="x [sandbox:fail]"))
    assert interaction["status"] == "failed"
    step_error = interaction["steps"][-1]["error"]
    assert step_error["code"] == 13
    assert step_error["message"]
    assert isinstance(interaction["errors"][0]["code"], str)


def test_safety_completes_without_a_video(api: httpx.Client) -> None:
    interaction = finish(api, create(api, input="x [sandbox:safety]"))
    assert interaction["status"] == "completed"
    content = interaction["steps"][-1]["content"]
    assert [block["type"] for block in content] == ["text"]
    assert "output_tokens_by_modality" not in interaction["usage"]


def test_budget_exceeded(api: httpx.Client) -> None:
    interaction = finish(api, create(api, input="x [sandbox:budget]"))
    assert interaction["status"] == "budget_exceeded"
    assert interaction["errors"][0]["code"] == "budget_exceeded"


def test_slow(api: httpx.Client) -> None:
    interaction_id = create(api, input="x [sandbox:slow=1.5]")
    time.sleep(0.6)
    assert api.get(f"/v1beta/interactions/{interaction_id}").json()["status"] == "in_progress"
    assert finish(api, interaction_id)["status"] == "completed"


def test_submit_faults(api: httpx.Client, sandbox: SandboxProcess) -> None:
    limited = create_response(api, input="x [sandbox:429-submit]")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "2"
    assert limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert create_response(api, input="x [sandbox:429-submit]").status_code == 200
    failed = create_response(api, input="x [sandbox:500-submit]")
    assert "retry" in refused(failed, 500, "internal_error")
    assert create_response(api, input="x [sandbox:500-submit]").status_code == 200


def test_poll_faults_and_odd_status(api: httpx.Client) -> None:
    interaction_id = create(api, input="x [sandbox:429-poll] [sandbox:500-poll]")
    limited = api.get(f"/v1beta/interactions/{interaction_id}")
    assert limited.status_code == 429
    assert limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    refused(api.get(f"/v1beta/interactions/{interaction_id}"), 500, "internal_error")
    assert api.get(f"/v1beta/interactions/{interaction_id}").status_code == 200

    odd = create(api, input="x [sandbox:odd-status=2]")
    statuses = [api.get(f"/v1beta/interactions/{odd}").json()["status"] for _ in range(2)]
    assert statuses == ["paused", "paused"]
    assert finish(api, odd)["status"] == "completed"


def test_gone_huge_and_not_video(api: httpx.Client) -> None:
    uri = {"type": "video", "duration": "4s", "delivery": "uri"}
    gone = video_block(finish(api, create(api, input="x [sandbox:gone]", response_format=uri)))
    file_id = FILE_URI.fullmatch(gone["uri"]).group(1)
    assert api.get(f"/v1beta/files/{file_id}", params={"alt": "media"}).status_code == 404

    huge = video_block(
        finish(api, create(api, input="x [sandbox:huge=5000000]", response_format=uri))
    )
    file_id = FILE_URI.fullmatch(huge["uri"]).group(1)
    head = api.get(
        f"/v1beta/files/{file_id}",
        params={"alt": "media"},
        headers={"Range": "bytes=0-7"},
        follow_redirects=True,
    )
    assert head.headers["content-range"] == "bytes 0-7/5000000"

    page = video_block(finish(api, create(api, input="x [sandbox:not-video]")))
    assert base64.b64decode(page["data"]).startswith(b"<!DOCTYPE html>")


def test_cancel_delete_and_unknown_ids(api: httpx.Client, sandbox: SandboxProcess) -> None:
    running = create(api, input="x [sandbox:slow=30]")
    cancelled = api.post(f"/v1beta/interactions/{running}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert api.get(f"/v1beta/interactions/{running}").json()["status"] == "cancelled"
    message = refused(api.post(f"/v1beta/interactions/{running}/cancel"))
    assert message == f"Interaction {running} is already cancelled and cannot be cancelled."

    assert refused(api.get("/v1beta/interactions/v1_unknown")) == "Invalid interaction name"
    done = create(api)
    finish(api, done)
    other = {"x-goog-api-key": "AIzaSandbox-someone-else"}
    assert api.get(f"/v1beta/interactions/{done}", headers=other).status_code == 400
    deleted = api.delete(f"/v1beta/interactions/{done}")
    assert deleted.status_code == 200
    assert deleted.json() == {}
    assert refused(api.get(f"/v1beta/interactions/{done}")) == "Invalid interaction name"
    assert stats(sandbox, done)["deleted"] is True


# --- the official SDK ---------------------------------------------------------------------------


def test_sdk_creates_and_reads_an_interaction(sandbox: SandboxProcess) -> None:
    client = genai.Client(
        api_key=KEY,
        http_options=types.HttpOptions(base_url=sandbox.gemini_base_url, api_version="v1beta"),
    )
    created = client.interactions.create(
        model=MODEL,
        background=True,
        input=[image_block(), {"type": "text", "text": "<FIRST_FRAME> The product spins."}],
        response_format={"type": "video", "duration": "4s", "delivery": "uri"},
        generation_config={"video_config": {"task": "image_to_video"}, "seed": 4},
    )
    assert created.status == "in_progress"
    deadline = time.monotonic() + 15
    interaction = client.interactions.get(created.id)
    while interaction.status in ("queued", "in_progress"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
        interaction = client.interactions.get(created.id)
    assert interaction.status == "completed"
    video = interaction.steps[-1].content[-1]
    assert video.type == "video"
    assert FILE_URI.fullmatch(video.uri)
    assert interaction.usage.output_tokens_by_modality[0].tokens == 5792 * 4


def finish(api: httpx.Client, interaction_id: str) -> dict[str, Any]:
    return until_ended(api, f"/v1beta/interactions/{interaction_id}", ("queued", "in_progress"))
