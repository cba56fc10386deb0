"""Clips on S3-compatible storage, proven over real HTTP against moto's S3 server (a subprocess).

The storage is configured exactly as production configures it: ``marketos/settings.py`` is run
with the ``MARKETOS_S3_*`` variables set and its ``STORAGES["default"]`` is used as it comes out.
"""

import hashlib
import io
import math
import runpy
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
import uuid
import zipfile
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError
from django.core.files.storage import default_storage
from django.test import RequestFactory

from providers.openrouter import OpenRouterProvider
from tests.factories import OPENROUTER_KEY, make_clip, make_job
from tests.helpers import finished_output, log_in, until
from videos.media import ingest, packages, serving

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "marketos" / "settings.py"
HUGE = 40_000_000
LARGE = 100_000_000
# Dummy credentials, read by boto3 from the environment as in production.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "moto-test-key", "AWS_SECRET_ACCESS_KEY": "moto-test-secret"}
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's standalone S3 server on a free loopback port, for the whole session."""
    port = _free_port()
    log = open(tmp_path_factory.mktemp("moto") / "server.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"moto server exited with {process.returncode}")
            try:
                httpx.get(f"{url}/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto server did not answer within 30 s") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def s3(s3_server, settings, monkeypatch):
    """A fresh bucket, and Django's default storage pointed at it the way settings.py does it."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    bucket = f"clips-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name=REGION)
    client.create_bucket(Bucket=bucket)
    monkeypatch.setenv("MARKETOS_S3_BUCKET", bucket)
    monkeypatch.setenv("MARKETOS_S3_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("MARKETOS_S3_REGION", REGION)
    configured = runpy.run_path(str(SETTINGS_FILE))
    # pytest-django's settings fixture sends setting_changed, on which Django forgets the cached
    # default_storage (now and again when the test ends and the setting is restored).
    settings.STORAGES = {**settings.STORAGES, "default": configured["STORAGES"]["default"]}
    settings.SECURE_CSP = configured["SECURE_CSP"]
    from storages.backends.s3 import S3Storage

    assert isinstance(default_storage, S3Storage)
    assert default_storage.bucket_name == bucket and default_storage.querystring_auth
    client.bucket = bucket
    yield client
    # Test buckets live in the moto process only; empty them so it does not hoard memory.
    for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
        client.delete_object(Bucket=bucket, Key=item["Key"])


@pytest.fixture
def openrouter(sandbox, settings):
    port = sandbox.url.rsplit(":", 1)[1]
    settings.ALLOW_PRIVATE_HOSTS = [f"127.0.0.1:{port}", f"localhost:{port}"]
    return OpenRouterProvider(OPENROUTER_KEY, base_url=sandbox.openrouter_base_url, timeout=30)


def _copy(provider, prompt="p", **spec):
    output = finished_output(provider, "google/veo-3.1", prompt, duration=4, **spec)
    stem = f"clips/{uuid.uuid4()}"
    return ingest.copy_output(provider, output, stem=stem, partial_prefix=f"{uuid.uuid4()}-0-1")


def _object(s3, key) -> bytes:
    return s3.get_object(Bucket=s3.bucket, Key=key)["Body"].read()


def _sha256_of_object(s3, key) -> str:
    digest = hashlib.sha256()
    for chunk in s3.get_object(Bucket=s3.bucket, Key=key)["Body"].iter_chunks(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def _warm_up(s3):
    """Let boto3 load its service descriptions (10 MB or so, once per storage) before measuring."""
    default_storage.save("warm-up", io.BytesIO(b"x"))
    default_storage.delete("warm-up")


class _PeakRSS:
    """Samples this process's resident memory on a thread; ``growth`` is peak minus start."""

    def __init__(self):
        self.start = self.peak = self._rss()
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * 4096

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self._rss())
            time.sleep(0.005)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def growth(self) -> int:
        return self.peak - self.start


def test_a_clip_is_copied_into_the_bucket(s3, openrouter):
    facts = _copy(openrouter)
    assert facts["file"].startswith("clips/") and facts["file"].endswith(".mp4")
    stored = _object(s3, facts["file"])
    assert len(stored) == facts["size"] > 0
    assert hashlib.sha256(stored).hexdigest() == facts["sha256"]
    head = s3.head_object(Bucket=s3.bucket, Key=facts["file"])
    assert head["ContentType"] == "video/mp4"
    poster = _object(s3, facts["poster"])
    assert poster.startswith(b"\xff\xd8")  # a JPEG
    assert s3.head_object(Bucket=s3.bucket, Key=facts["poster"])["ContentType"] == "image/jpeg"
    assert list(ingest.partial_dir().glob("*.part")) == []  # nothing left behind locally


def test_a_large_clip_goes_up_in_parts_with_bounded_memory(s3, openrouter, capsys):
    prompt = f"[sandbox:huge={LARGE}] big"
    output = finished_output(openrouter, "google/veo-3.1", prompt, duration=8)
    stem = f"clips/{uuid.uuid4()}"
    _warm_up(s3)
    tracemalloc.start()
    try:
        with _PeakRSS() as rss:
            facts = ingest.copy_output(openrouter, output, stem=stem, partial_prefix="large-0-1")
        _, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with capsys.disabled():
        print(
            f"\n{LARGE / 1e6:.0f} MB clip to S3: peak RSS growth {rss.growth / 1e6:.1f} MB, "
            f"peak Python allocations {python_peak / 1e6:.1f} MB"
        )
    assert facts["size"] == LARGE
    head = s3.head_object(Bucket=s3.bucket, Key=facts["file"])
    assert head["ContentLength"] == LARGE
    # A multipart upload's ETag is "<md5 of the parts' md5s>-<number of parts>".
    part_size = default_storage.transfer_config.multipart_chunksize
    assert head["ETag"].strip('"').endswith(f"-{math.ceil(LARGE / part_size)}")
    assert _sha256_of_object(s3, facts["file"]) == facts["sha256"]
    # The clip is never held in memory whole: a few parts of it at a time.
    assert python_peak < LARGE / 4
    assert rss.growth < LARGE / 2


def test_serving_redirects_to_a_presigned_url_that_honours_range(s3, openrouter):
    facts = _copy(openrouter)
    stored = _object(s3, facts["file"])
    request = RequestFactory().get("/clip", HTTP_RANGE="bytes=0-9")
    response = serving.serve(request, facts["file"], "video/mp4")
    assert response.status_code == 302
    url = response["Location"]
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    whole = httpx.get(url)
    assert whole.status_code == 200 and whole.content == stored
    assert whole.headers["content-type"] == "video/mp4"
    part = httpx.get(url, headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.content == stored[100:1100]
    assert part.headers["content-range"] == f"bytes 100-1099/{len(stored)}"
    tail = httpx.get(url, headers={"Range": "bytes=-500"})
    assert tail.status_code == 206 and tail.content == stored[-500:]
    # Without its signature the object is not served: the bucket is private.
    assert httpx.get(url.split("?")[0]).status_code == 403


def test_a_download_keeps_its_file_name(s3, openrouter):
    facts = _copy(openrouter)
    request = RequestFactory().get("/download")
    response = serving.serve(request, facts["file"], "video/mp4", download_as="launch-1-of-1.mp4")
    assert response.status_code == 302
    served = httpx.get(response["Location"])
    assert served.status_code == 200
    assert served.headers["content-disposition"] == 'attachment; filename="launch-1-of-1.mp4"'
    assert served.content == _object(s3, facts["file"])


def _ready_clips(user, facts_list):
    from videos.models import Clip

    job = make_job(user, idempotency_key=uuid.uuid4().hex, prompt="Spring launch", status="ready")
    clips = []
    for index, facts in enumerate(facts_list):
        clips.append(
            make_clip(
                job,
                index,
                source_url="https://example.com/clip.mp4",
                status=Clip.Status.READY,
                **facts,
            )
        )
    return job, clips


@pytest.mark.django_db
def test_a_zip_of_clips_on_s3_streams_the_objects(s3, openrouter, user, tmp_path, capsys):
    facts_list = [_copy(openrouter), _copy(openrouter)]
    # One large clip too: the zip must stream it, not hold it in memory.
    big = finished_output(openrouter, "google/veo-3.1", f"[sandbox:huge={HUGE}] big", duration=8)
    facts_list.append(
        ingest.copy_output(openrouter, big, stem=f"clips/{uuid.uuid4()}", partial_prefix="z-2-1")
    )
    job, clips = _ready_clips(user, facts_list)
    response = packages.job_package(job, clips).response("spring-launch.zip")
    path = tmp_path / "spring-launch.zip"
    _warm_up(s3)
    tracemalloc.start()
    try:
        with _PeakRSS() as rss, open(path, "wb") as archive:
            for chunk in response.streaming_content:
                archive.write(chunk)
        _, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with capsys.disabled():
        print(
            f"\nzip of two clips and a {HUGE / 1e6:.0f} MB one from S3: "
            f"peak RSS growth {rss.growth / 1e6:.1f} MB, "
            f"peak Python allocations {python_peak / 1e6:.1f} MB"
        )
    assert path.stat().st_size == int(response["Content-Length"])
    with zipfile.ZipFile(path) as zipped:
        names = zipped.namelist()
        assert names == [clip.download_name(3) for clip in clips] + ["manifest.json"]
        for clip in clips:
            assert zipped.read(clip.download_name(3)) == _object(s3, clip.file.name)
    # Streamed: no clip is ever held in memory (or spooled) whole.
    assert python_peak < HUGE / 4
    assert rss.growth < HUGE / 2


@pytest.mark.django_db
def test_deleting_a_stored_clip_removes_the_object(s3, openrouter, user):
    _, (clip,) = _ready_clips(user, [_copy(openrouter)])
    name, poster = clip.file.name, clip.poster.name
    assert default_storage.exists(name) and default_storage.exists(poster)
    clip.file.delete(save=False)
    clip.poster.delete(save=False)
    for key in (name, poster):
        with pytest.raises(ClientError) as error:
            s3.head_object(Bucket=s3.bucket, Key=key)
        assert error.value.response["Error"]["Code"] == "404"
    assert not default_storage.exists(name)
    # Deleting what is already gone is not an error (copy_output relies on it when retrying).
    default_storage.delete(name)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_browser_plays_a_clip_and_shows_its_poster_from_s3(
    s3, openrouter, user, browser, live_server
):
    """The page's Content Security Policy lets the video and its poster follow the redirect."""
    job, _ = _ready_clips(user, [_copy(openrouter)])
    context = browser.new_context()
    try:
        page = context.new_page()
        errors = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        log_in(page, live_server.url)
        page.goto(f"{live_server.url}{job.get_absolute_url()}")
        video = page.locator("video").first
        video.evaluate("v => { v.preload = 'auto'; v.load(); }")
        until(page, "(v => v.readyState >= 2 || v.error)(document.querySelector('video'))")
        assert video.evaluate("v => v.error && v.error.message") is None, errors
        assert video.evaluate("v => v.duration") > 0
        poster = page.evaluate(
            """url => new Promise(done => {
                const image = new Image();
                image.onload = () => done(image.naturalWidth);
                image.onerror = () => done(0);
                image.src = url;
            })""",
            video.get_attribute("poster"),
        )
        assert poster > 0, errors
        assert not [e for e in errors if "Content Security Policy" in e]
    finally:
        context.close()
