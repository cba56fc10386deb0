"""Ad formats: which ratio a model is asked for, the generate form's format choice, and the
reframed exports rendered from real sandbox clips (probed with PyAV), served, zipped,
recovered and refused as any clip is."""

import contextlib
import io
import uuid
import zipfile
from pathlib import Path

import av
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from providers.base import ASPECT_RATIOS, ModelInfo
from sandbox.clips import ClipSpec
from sandbox.clips import render as render_sandbox_clip
from tests.factories import logged_in, make_job, make_key, make_ready_clip, make_user
from tests.helpers import run_in_process
from videos import formats, lifecycle, renditions
from videos.media import reframe
from videos.models import Clip, Rendition, VideoJob
from workspaces.models import Membership

VEO = ModelInfo("openrouter", "veo", "Veo", aspect_ratios=("16:9", "9:16"), durations=(4, 6, 8))
EVERY = ModelInfo("openrouter", "every", "Every", aspect_ratios=ASPECT_RATIOS)
NONE = ModelInfo("openrouter", "none", "None")
FORMAT = formats.FORMATS


@pytest.mark.parametrize(
    ("model", "key", "ratio", "reframe"),
    [
        (VEO, "vertical", "9:16", False),
        (VEO, "landscape", "16:9", False),
        (VEO, "portrait", "9:16", True),  # 4:5 is nearer 9:16 than 16:9
        (EVERY, "square", "1:1", False),
        (EVERY, "portrait", "3:4", True),  # nearer than 1:1
        (NONE, "vertical", None, True),
    ],
)
def test_the_format_asks_for_the_native_ratio_else_the_nearest(model, key, ratio, reframe):
    assert formats.plan(model, FORMAT[key]) == formats.Plan(ratio, reframe)


def test_a_ratio_the_resolution_rules_out_is_not_asked_for():
    veo = ModelInfo(
        "openrouter",
        "veo",
        "Veo",
        aspect_ratios=("16:9", "9:16"),
        aspect_ratios_at={"1080p": ("16:9",)},
    )
    assert formats.plan(veo, FORMAT["vertical"], "1080p") == formats.Plan("16:9", True)
    assert formats.plan(veo, FORMAT["vertical"], "720p") == formats.Plan("9:16", False)


def test_usual_durations_and_sizes():
    assert FORMAT["landscape"].usual_duration(VEO) == 6
    assert FORMAT["vertical"].usual_duration(VEO) == 8
    assert FORMAT["vertical"].usual_duration(NONE) is None
    assert (FORMAT["portrait"].width, FORMAT["portrait"].height) == (1080, 1350)
    # Never upscaled past the source's short side; always even.
    assert FORMAT["vertical"].size_for(3840, 2160) == (1080, 1920)
    assert FORMAT["portrait"].size_for(320, 180) == (180, 224)


def test_crop_only_when_it_keeps_most_of_the_width():
    assert formats.fits_by_cropping(240, 240, FORMAT["portrait"])  # keeps 80 %
    assert not formats.fits_by_cropping(320, 180, FORMAT["vertical"])  # would keep 32 %: bars
    assert not formats.fits_by_cropping(180, 320, FORMAT["portrait"])  # wider: bars


# --- the generate form --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_4_5_job_is_made_at_9_16_and_its_export_rendered(user, alice, reachable):
    key = make_key(user)
    response = alice.post(
        reverse("videos:generate"),
        {
            "idempotency_key": uuid.uuid4().hex,
            "key": key.pk,
            "model": "google/veo-3.1",
            "prompt": "Our bottle on a beach",
            "resolution": "720p",
            "aspect_ratio": "16:9",  # the format decides, whatever is sent
            "duration": 4,
            "generate_audio": "on",
            "ad_format": "portrait",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = VideoJob.objects.get()
    assert job.parameters["ad_format"] == "portrait"
    assert job.parameters["aspect_ratio"] == "9:16"
    job = run_in_process(job)
    assert job.status == VideoJob.Status.READY, job.error
    clip = job.clips.get()
    rendition = clip.renditions.get()
    assert (rendition.format, rendition.status) == ("portrait", Rendition.Status.PENDING)
    page = alice.get(job.get_absolute_url()).content.decode()
    assert "Made at 9:16; a 4:5 export is rendered." in page
    assert "Rendering the 4:5 export" in page

    renditions.render(rendition.pk)
    rendition.refresh_from_db()
    assert rendition.status == Rendition.Status.READY, rendition.error
    path = Path(default_storage.path(rendition.file.name))
    facts = probe(path)
    assert (facts["width"], facts["height"]) == (rendition.width, rendition.height) == (180, 224)
    assert abs(facts["width"] / facts["height"] - 4 / 5) < 0.01
    assert facts["codec"] == "h264" and facts["profile"] == "High"
    assert facts["pix_fmt"] == "yuv420p"
    assert facts["audio"] == ["aac"]
    assert facts["bit_rate"] <= FORMAT["portrait"].max_bitrate
    assert moov_before_mdat(path)
    assert default_storage.exists(clip.file.name)  # the original is kept
    assert rendition.size == path.stat().st_size and len(rendition.sha256) == 64

    page = alice.get(job.get_absolute_url()).content.decode()
    export_url = reverse("videos:rendition_file", args=[job.public_id, 1, "portrait"])
    assert (
        export_url in page and "data-safe-zones-toggle" in page and 'aria-pressed="false"' in page
    )
    assert "style=" not in page


def test_choosing_a_format_sets_the_duration_and_the_ratio(user, alice, reachable, db):
    key = make_key(user)
    response = alice.get(
        reverse("videos:generate_options"),
        {
            "key": key.pk,
            "model": "google/veo-3.1",
            "resolution": "720p",
            "duration": "4",
            "ad_format": "landscape",
            "changed": "ad_format",
        },
    )
    page = response.content.decode()
    assert '<option value="6" selected>' in page  # YouTube's usual 6 s
    assert "Set by the ad format (16:9)." in page
    response = alice.get(
        reverse("videos:generate_options"),
        {"key": key.pk, "model": "google/veo-3.1", "resolution": "720p", "ad_format": "square"},
    )
    assert "does not make 1:1" in response.content.decode()


# --- rendering ----------------------------------------------------------------------------


def probe(path) -> dict:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        return {
            "width": video.codec_context.width,
            "height": video.codec_context.height,
            "codec": video.codec_context.name,
            "profile": video.codec_context.profile,
            "pix_fmt": video.codec_context.pix_fmt,
            "audio": [s.codec_context.name for s in container.streams.audio],
            "bit_rate": container.bit_rate,
        }


def moov_before_mdat(path) -> bool:
    """Walk the top-level MP4 boxes: faststart puts the index (moov) before the media."""
    order, data = [], Path(path).read_bytes()
    offset = 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        order.append(data[offset + 4 : offset + 8])
        if size == 1:
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        if size < 8:
            break
        offset += size
    return order.index(b"moov") < order.index(b"mdat")


def sandbox_clip(job, tmp_path, *, width=320, height=180, seconds=2, audio=False) -> Clip:
    source = tmp_path / "source.mp4"
    render_sandbox_clip(ClipSpec("Harbour", width, height, seconds, 0, 1, audio), source)
    clip = make_ready_clip(job)
    name = default_storage.save(f"clips/{job.public_id}/real.mp4", ContentFile(source.read_bytes()))
    Clip.objects.filter(pk=clip.pk).update(
        file=name, size=source.stat().st_size, width=width, height=height
    )
    clip.refresh_from_db()
    return clip


def current_rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096


@pytest.mark.django_db
def test_memory_stays_bounded_on_a_longer_clip(user, tmp_path, settings):
    """Thirty seconds of 640x360: held in memory, the decoded frames alone would take 120 MB.
    The resident size is sampled through the render (at every heartbeat)."""
    clip = sandbox_clip(make_job(user), tmp_path, width=640, height=360, seconds=30, audio=True)
    samples = []

    def heartbeat(written):
        samples.append(current_rss())

    before = current_rss()
    facts = reframe.render(
        clip.file.name,
        FORMAT["vertical"],
        stem="renditions/long",
        partial_prefix="rendition-0-1",
        heartbeat=heartbeat,
    )
    assert (facts["width"], facts["height"]) == (360, 640)
    assert len(samples) > 10
    assert max(samples) - before < 60 * 1024**2
    with av.open(default_storage.path(facts["file"])) as container:
        assert container.duration / av.time_base == pytest.approx(30, abs=0.5)


@pytest.mark.django_db
def test_a_square_source_is_cropped_to_4_5_and_a_silent_one_stays_silent(user, tmp_path):
    clip = sandbox_clip(make_job(user), tmp_path, width=240, height=240)
    rendition, queued = Rendition.ask(clip, "portrait")
    assert queued
    renditions.render(rendition.pk)
    rendition.refresh_from_db()
    facts = probe(default_storage.path(rendition.file.name))
    assert (facts["width"], facts["height"]) == (240, 300)
    assert facts["audio"] == []


@pytest.mark.django_db
def test_a_clip_that_does_not_decode_ends_failed_with_a_message(user):
    clip = make_ready_clip(make_job(user))  # 64 bytes of nothing
    rendition, _ = Rendition.ask(clip, "vertical")
    renditions.render(rendition.pk)
    rendition.refresh_from_db()
    assert rendition.status == Rendition.Status.FAILED
    assert rendition.error == (
        "The original could not be decoded: it is damaged, or has frames larger than this "
        "server handles (InvalidDataError)."
    )
    assert list(Path(default_storage.path("")).glob(".partial/*.render.mp4")) == []
    # Asked for again, it is tried again.
    again, queued = Rendition.ask(clip, "vertical")
    assert queued and again.status == Rendition.Status.PENDING and again.attempts == 0


@pytest.mark.django_db
def test_an_unexpected_failure_is_retried_then_given_up(user, monkeypatch):
    clip = make_ready_clip(make_job(user))
    rendition, _ = Rendition.ask(clip, "square")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(reframe, "_encode", broken)
    for attempt in range(1, Rendition.MAX_ATTEMPTS + 1):
        renditions.render(rendition.pk)
        rendition.refresh_from_db()
        assert rendition.attempts == attempt
    assert rendition.status == Rendition.Status.FAILED
    assert rendition.error == (
        "Rendering failed on this server (RuntimeError). Gave up after 3 attempts."
    )


@pytest.mark.django_db
def test_recovery_picks_up_a_render_whose_worker_died(user, settings):
    from django.utils import timezone

    clip = make_ready_clip(make_job(user))
    rendition, _ = Rendition.ask(clip, "square")
    assert rendition.claim()
    assert lifecycle.recover()["renders"] == 0  # its worker still holds the lease
    Rendition.objects.filter(pk=rendition.pk).update(
        lease_until=timezone.now() - timezone.timedelta(seconds=1),
        created_at=timezone.now() - timezone.timedelta(hours=1),
    )
    assert lifecycle.recover()["renders"] == 1
    rendition.refresh_from_db()
    assert rendition.claim()  # the next worker takes it over
    assert rendition.attempts == 2


# --- leases: the attempt cap, partial files, the budget of an attempt ---------------------


class WorkerKilled(BaseException):
    """A worker's process ending mid-render (SIGKILL): nothing after it runs."""


def renders_until_it_ends(rendition, monkeypatch, *, recover_between=False) -> int:
    """A render whose worker dies every time (its lease lapses in the database), run again
    as a queued render or recovery would; how many renders started."""
    from django.utils import timezone

    started = 0

    def killed(*args, **kwargs):
        nonlocal started
        started += 1
        Rendition.objects.filter(pk=rendition.pk).update(
            lease_until=timezone.now() - timezone.timedelta(seconds=1)
        )
        raise WorkerKilled()

    monkeypatch.setattr(reframe, "render", killed)
    Rendition.objects.filter(pk=rendition.pk).update(
        created_at=timezone.now() - timezone.timedelta(hours=1)
    )
    for _ in range(10):
        rendition.refresh_from_db()
        if rendition.status == Rendition.Status.FAILED:
            break
        if recover_between and started:
            DBTaskResult.objects.all().delete()
            lifecycle.recover()
            rendition.refresh_from_db()
            if rendition.status == Rendition.Status.FAILED:
                break
        with contextlib.suppress(WorkerKilled):
            renditions.render(rendition.pk)
    return started


@pytest.mark.django_db
def test_a_render_whose_worker_keeps_dying_stops_at_the_attempt_cap(user, monkeypatch):
    rendition, _ = Rendition.ask(make_ready_clip(make_job(user)), "square")
    assert renders_until_it_ends(rendition, monkeypatch) == Rendition.MAX_ATTEMPTS
    rendition.refresh_from_db()
    assert (rendition.status, rendition.attempts) == (Rendition.Status.FAILED, 3)
    assert rendition.error == "Gave up after 3 attempts. Each one stopped before it finished."


@pytest.mark.django_db
def test_recovery_ends_a_lapsed_render_over_the_cap_instead_of_queueing_it(user, monkeypatch):
    rendition, _ = Rendition.ask(make_ready_clip(make_job(user)), "square")
    started = renders_until_it_ends(rendition, monkeypatch, recover_between=True)
    assert started == Rendition.MAX_ATTEMPTS
    rendition.refresh_from_db()
    assert (rendition.status, rendition.attempts) == (Rendition.Status.FAILED, 3)
    assert rendition.error == "Gave up after 3 attempts. Each one stopped before it finished."
    assert not DBTaskResult.objects.filter(task_path__endswith="render_rendition").exists()
    # A failed export asked for again starts afresh.
    again, queued = Rendition.ask(rendition.clip, "square")
    assert queued and (again.status, again.attempts, again.error) == ("pending", 0, "")


def partial_files() -> list[Path]:
    return sorted(Path(default_storage.path(".partial")).glob("*"))


@pytest.mark.django_db
def test_recovery_keeps_a_live_renders_partial_file_however_old(user, tmp_path, monkeypatch):
    """Age says nothing: the file of a render still holding its lease is its own."""
    import os
    import time

    clip = sandbox_clip(make_job(user), tmp_path)
    rendition, _ = Rendition.ask(clip, "portrait")
    real_encode, seen = reframe._encode, []

    def encode_then_recovery_runs(source, ad_format, destination, heartbeat):
        size = real_encode(source, ad_format, destination, heartbeat)
        a_day_ago = time.time() - 86400
        os.utime(destination, (a_day_ago, a_day_ago))
        lifecycle.recover()  # another worker's periodic recovery, while this render goes on
        seen.append(Path(destination).exists())
        return size

    monkeypatch.setattr(reframe, "_encode", encode_then_recovery_runs)
    renditions.render(rendition.pk)
    rendition.refresh_from_db()
    assert seen == [True]
    assert (rendition.status, rendition.attempts) == (Rendition.Status.READY, 1), rendition.error
    assert probe(default_storage.path(rendition.file.name))["width"] == 180
    assert partial_files() == []


@pytest.mark.django_db
def test_a_dead_renders_partial_file_is_removed_however_new(user, tmp_path, monkeypatch):
    import os

    from django.utils import timezone

    clip = sandbox_clip(make_job(user), tmp_path)
    rendition, _ = Rendition.ask(clip, "portrait")
    real_encode, left = reframe._encode, []

    def encode_then_killed(source, ad_format, destination, heartbeat):
        real_encode(source, ad_format, destination, heartbeat)
        os.link(destination, tmp_path / "left")
        left.append(Path(destination))
        raise WorkerKilled()

    monkeypatch.setattr(reframe, "_encode", encode_then_killed)
    with pytest.raises(WorkerKilled):
        renditions.render(rendition.pk)
    os.link(tmp_path / "left", left[0])  # what the killed worker leaves behind, just written
    assert partial_files() == left
    lifecycle.recover()
    assert partial_files() == left  # its lease still holds it
    Rendition.objects.filter(pk=rendition.pk).update(
        lease_until=timezone.now() - timezone.timedelta(seconds=1)
    )
    lifecycle.recover()
    assert partial_files() == []
    rendition.refresh_from_db()
    assert rendition.status == Rendition.Status.RENDERING  # rendered again by the next worker


@pytest.mark.django_db
def test_a_render_over_its_time_budget_ends_failed_and_is_not_tried_again(
    user, tmp_path, monkeypatch, settings
):
    import time

    settings.RENDER_MAX_SECONDS = 1
    clip = sandbox_clip(make_job(user), tmp_path, seconds=4)  # 96 frames
    rendition, _ = Rendition.ask(clip, "portrait")
    real_pulled = reframe._pulled

    def slow(graph):  # a long clip on a busy machine: 50 ms a frame
        time.sleep(0.05)
        yield from real_pulled(graph)

    monkeypatch.setattr(reframe, "_pulled", slow)
    started = time.monotonic()
    renditions.render(rendition.pk)
    assert time.monotonic() - started < 2.5  # its worker is free again, well before the end
    rendition.refresh_from_db()
    assert (rendition.status, rendition.attempts) == (Rendition.Status.FAILED, 1)
    assert rendition.error == (
        "Rendering stopped after 1 second: an export may take no longer on this server, so it "
        "is not tried again. An admin can raise the limit."
    )
    assert not DBTaskResult.objects.filter(task_path__endswith="render_rendition").exists()
    assert partial_files() == []
    assert not default_storage.exists(f"renditions/{clip.job.public_id}/clip-1-portrait.mp4")


@pytest.mark.django_db
def test_a_render_over_its_size_budget_ends_failed(user, tmp_path, settings):
    settings.RENDER_MAX_BYTES = 4096
    clip = sandbox_clip(make_job(user), tmp_path)
    rendition, _ = Rendition.ask(clip, "portrait")
    renditions.render(rendition.pk)
    rendition.refresh_from_db()
    assert (rendition.status, rendition.attempts) == (Rendition.Status.FAILED, 1)
    assert rendition.error == (
        "Rendering stopped at 4 KB: an export may be no larger on this server, so it is not "
        "tried again. An admin can raise the limit."
    )
    assert partial_files() == []


# --- serving and access -------------------------------------------------------------------


@pytest.fixture
def exported(agency, user, tmp_path):
    key = make_key(user, workspace=agency)
    job = make_job(user, key=key, prompt="Harbour at dawn", status=VideoJob.Status.READY)
    clip = sandbox_clip(job, tmp_path)
    rendition, _ = Rendition.ask(clip, "vertical")
    renditions.render(rendition.pk)
    rendition.refresh_from_db()
    assert rendition.status == Rendition.Status.READY
    return rendition


@pytest.mark.django_db
def test_an_export_is_served_with_range_and_downloaded_by_name(exported, alice):
    job = exported.clip.job
    url = reverse("videos:rendition_file", args=[job.public_id, 1, "vertical"])
    response = alice.get(url, HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-99/{exported.size}"
    assert b"".join(response.streaming_content)[4:8] == b"ftyp"
    assert alice.get(url, HTTP_RANGE=f"bytes={exported.size}-").status_code == 416
    download = alice.get(reverse("videos:rendition_download", args=[job.public_id, 1, "vertical"]))
    assert 'filename="harbour-at-dawn-1-of-1-9x16.mp4"' in download["Content-Disposition"]


@pytest.mark.django_db
def test_the_zip_holds_the_export_beside_the_original(exported, alice):
    job = exported.clip.job
    response = alice.get(reverse("videos:job_zip", args=[job.public_id]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == [
        "harbour-at-dawn-1-of-1-9x16.mp4",
        "harbour-at-dawn-1-of-1.mp4",
        "manifest.json",
    ]
    assert len(archive.read("harbour-at-dawn-1-of-1-9x16.mp4")) == exported.size


@pytest.mark.django_db
def test_viewers_see_exports_but_cannot_make_them_and_strangers_see_nothing(exported, agency):
    job = exported.clip.job
    file_url = reverse("videos:rendition_file", args=[job.public_id, 1, "vertical"])
    make_url = reverse("videos:clip_export", args=[job.public_id, 1, "square"])
    viewer = logged_in(agency.memberships.get(role=Membership.Role.VIEWER).user)
    assert viewer.get(file_url).status_code == 200
    assert viewer.post(make_url).status_code == 403
    stranger = logged_in(make_user("mallory"))
    assert stranger.get(file_url).status_code == 404
    assert stranger.post(make_url).status_code == 404
    member = logged_in(agency.memberships.get(role=Membership.Role.MEMBER).user)
    assert member.get(make_url).status_code == 405
    assert member.post(make_url).status_code == 302
    assert exported.clip.renditions.get(format="square").status == Rendition.Status.PENDING
    unknown = reverse("videos:clip_export", args=[job.public_id, 1, "banner"])
    assert member.post(unknown).status_code == 404
    assert (
        viewer.get(reverse("videos:rendition_file", args=[job.public_id, 1, "square"])).status_code
        == 404
    )


@pytest.mark.django_db
def test_deleting_a_clip_removes_its_exports(exported, django_capture_on_commit_callbacks):
    name = exported.file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert exported.clip.discard()
    assert not default_storage.exists(name)
    assert not Rendition.objects.exists()


@pytest.mark.django_db
def test_recovery_asks_for_the_export_a_dead_worker_did_not(
    user, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    job = make_job(user, parameters={"aspect_ratio": "9:16", "ad_format": "portrait"})
    native = make_job(user, parameters={"aspect_ratio": "9:16", "ad_format": "vertical"})
    an_hour_ago = timezone.now() - timezone.timedelta(hours=1)
    for made in (job, native):
        Clip.objects.filter(pk=make_ready_clip(made).pk).update(ready_at=an_hour_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert renditions.recover()["renders"] == 1
    assert Rendition.objects.get().format == "portrait"
    assert Rendition.objects.get().clip.job == job
    Rendition.objects.update(created_at=an_hour_ago)
    # Pending with its render still queued: busy workers, not a dead one.
    assert renditions.recover()["renders"] == 0
    DBTaskResult.objects.all().delete()
    assert renditions.recover()["renders"] == 1  # its render was lost: queued again


@pytest.mark.django_db
def test_the_library_finds_4_5_ads_by_their_format(user, alice):
    made_for = make_job(
        user,
        prompt="Made for the feed",
        parameters={"aspect_ratio": "9:16", "ad_format": "portrait"},
    )
    plain = make_job(user, prompt="Plain vertical", parameters={"aspect_ratio": "9:16"})
    make_ready_clip(made_for), make_ready_clip(plain)
    page = alice.get(reverse("videos:library"), {"aspect": "4:5"}).content.decode()
    assert "Made for the feed" in page and "Plain vertical" not in page


def test_a_clip_is_not_offered_an_export_in_the_shape_it_has(user):
    from tests.factories import make_job, make_ready_clip

    clip = make_ready_clip(make_job(user, status=VideoJob.Status.READY))
    Clip.objects.filter(pk=clip.pk).update(width=1280, height=720)
    clip.refresh_from_db()
    assert [f.key for f in clip.export_offers] == ["vertical", "square", "portrait"]
