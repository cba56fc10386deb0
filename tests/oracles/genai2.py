"""google-genai 2.34 as the oracle for Veo `predictLongRunning` bodies on the Gemini API.

2.34 is the last release that builds these requests with an API key (3.x refuses them).
The request is captured through an httpx `MockTransport` handed to the SDK in
`HttpOptions(client_args=...)`: the SDK's own request code runs, nothing leaves the process.
"""

from __future__ import annotations

from typing import Any

from .capture import CapturedRequest, OracleError, OracleRefused, require_version

GENAI2_VERSION = "2.34.0"
GENAI2_BASE_URL = "https://oracle.invalid"
GENAI2_KEY = "AIza-oracle"

ImageInput = Any  # (bytes, mime_type), a dict of types.Image fields, or a types.Image


def _image(value: ImageInput) -> Any:
    from google.genai import types

    if isinstance(value, tuple):
        data, mime_type = value
        return types.Image(image_bytes=data, mime_type=mime_type)
    return value


def _config(config: Any) -> Any:
    """Turn the `(bytes, mime_type)` images of a config dict into `types.Image`."""
    if not isinstance(config, dict):
        return config
    config = dict(config)
    if config.get("last_frame") is not None:
        config["last_frame"] = _image(config["last_frame"])
    if config.get("reference_images") is not None:
        references = []
        for item in config["reference_images"]:
            if isinstance(item, dict) and "image" in item:
                item = {**item, "image": _image(item["image"])}
            references.append(item)
        config["reference_images"] = references
    return config


def genai2_veo_request(
    model: str,
    *,
    prompt: str | None = None,
    image: ImageInput | None = None,
    video_uri: str | None = None,
    config: Any = None,
) -> CapturedRequest:
    """The request `client.models.generate_videos(...)` sends on the Gemini Developer API.

    `image` (the first frame) is `(bytes, mime_type)`; `video_uri` an earlier Veo output to
    extend; `config` a dict of `GenerateVideosConfig` fields (number_of_videos,
    duration_seconds, aspect_ratio, resolution, negative_prompt, person_generation,
    enhance_prompt, last_frame=(bytes, mime), reference_images=[{"image": (bytes, mime),
    "reference_type": "asset"}], ...) or a `GenerateVideosConfig`. The inputs go in through
    `source=GenerateVideosSource(...)`, the SDK's non-deprecated form. A client-side refusal
    (seed, generate_audio, fps, STYLE references, gcs uris...) raises `OracleRefused`.
    """
    require_version("google-genai", GENAI2_VERSION)
    import httpx
    from google import genai
    from google.genai import types

    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        request.read()
        sent.append(request)
        return httpx.Response(200, json={"name": f"models/{model}/operations/oracle-1"})

    client = genai.Client(
        vertexai=False,
        api_key=GENAI2_KEY,
        http_options=types.HttpOptions(
            base_url=GENAI2_BASE_URL, client_args={"transport": httpx.MockTransport(answer)}
        ),
    )
    try:
        source: dict[str, Any] = {}
        if prompt is not None:
            source["prompt"] = prompt
        if image is not None:
            source["image"] = _image(image)
        if video_uri is not None:
            source["video"] = types.Video(uri=video_uri)
        try:
            client.models.generate_videos(
                model=model, source=types.GenerateVideosSource(**source), config=_config(config)
            )
        except (TypeError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            if sent:
                raise
            raise OracleRefused("google-genai 2.34", str(exc), type(exc).__name__) from exc
    finally:
        client.close()
    if len(sent) != 1:
        raise OracleError(f"expected one request from google-genai 2.34, saw {len(sent)}")
    return CapturedRequest.from_httpx(sent[0])


def genai2_veo_body(
    model: str,
    *,
    prompt: str | None = None,
    image: ImageInput | None = None,
    video_uri: str | None = None,
    config: Any = None,
) -> dict[str, Any]:
    """The JSON body of `genai2_veo_request(...)` (the path is `request.path` there)."""
    return genai2_veo_request(
        model, prompt=prompt, image=image, video_uri=video_uri, config=config
    ).body
