"""The copy of a provider's output into storage."""

import uuid

import pytest

from providers.base import UnsafeURL
from providers.gemini import GeminiProvider
from tests.factories import GEMINI_KEY
from tests.helpers import finished_output, hostile_video
from videos.media import ingest


def test_a_redirect_to_a_private_address_is_refused(sandbox, settings, tmp_path):
    """The sandbox's Gemini download redirects to localhost: allowed only if that is allowed."""
    settings.MEDIA_ROOT = tmp_path
    port = sandbox.url.rsplit(":", 1)[1]
    settings.ALLOW_PRIVATE_HOSTS = [f"127.0.0.1:{port}"]  # the API yes, the redirect target no
    provider = GeminiProvider(GEMINI_KEY, base_url=sandbox.gemini_base_url)
    output = finished_output(provider, "veo-3.1-generate-sandbox", duration=4)
    with pytest.raises(UnsafeURL, match="localhost"):
        ingest.copy_output(provider, output, stem=f"clips/{uuid.uuid4()}", partial_prefix="t")
    assert list((tmp_path / ".partial").glob("*.part")) == []
    settings.ALLOW_PRIVATE_HOSTS.append(f"localhost:{port}")
    facts = ingest.copy_output(provider, output, stem=f"clips/{uuid.uuid4()}", partial_prefix="t")
    assert facts["size"] > 0 and facts["content_type"] == "video/mp4"


def test_probe_refuses_what_is_not_a_video(tmp_path):
    path = tmp_path / "page.mp4"
    path.write_bytes(b"<!doctype html><title>Login</title>")
    with pytest.raises(ingest.ClipRefused, match="not a video"):
        ingest.probe(str(path))


def test_probe_refuses_a_video_in_a_format_it_cannot_read(tmp_path):
    path = hostile_video(tmp_path / "clip.mov")
    path.write_bytes(path.read_bytes().replace(b"png ", b"zzzz"))  # a codec nobody knows
    with pytest.raises(ingest.ClipRefused) as refused:
        ingest.probe(str(path))
    assert str(refused.value) == "The provider sent a video in a format this server cannot read."


@pytest.mark.django_db
def test_every_container_gets_its_own_extension(user):
    import uuid as _uuid

    from videos.models import Clip, VideoJob

    job = VideoJob(owner=user, idempotency_key=_uuid.uuid4().hex, prompt="Spring launch")
    names = {
        kind: Clip(job=job, index=0, content_type=kind).download_name(1)
        for kind in ("video/mp4", "video/quicktime", "video/webm")
    }
    assert names == {
        "video/mp4": "spring-launch-1-of-1.mp4",
        "video/quicktime": "spring-launch-1-of-1.mov",
        "video/webm": "spring-launch-1-of-1.webm",
    }
