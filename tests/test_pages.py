"""Generate, job, list and library pages, media responses: Django test client, real sandbox."""

import io
import json
import uuid
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from PIL import Image

from providers.base import JobSpec
from tests.factories import make_clip, make_key
from tests.helpers import run_job
from videos import lifecycle
from videos.models import VideoJob

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def key(user, reachable):
    return make_key(user)


def png(width=320, height=180, kind="PNG") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#4f46e5").save(buffer, format=kind)
    buffer.seek(0)
    buffer.name = f"frame.{kind.lower()}"
    return buffer


# --- generate ----------------------------------------------------------------------------------


def test_generate_without_a_key_says_how_to_add_one(alice):
    page = alice.get(reverse("videos:generate")).content.decode()
    assert "Add a provider key first" in page and reverse("videos:keys") in page


def test_generate_page_offers_only_what_the_model_accepts(alice, key):
    page = alice.get(reverse("videos:generate")).content.decode()
    assert "google/veo-3.1" in page or "Veo 3.1" in page
    options = alice.get(
        reverse("videos:generate_options"),
        {"key": key.pk, "model": "kwaivgi/kling-v3.0-pro"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert options.strip().startswith('<div id="model-options"')
    durations = options.split('name="duration"')[1].split("</select>")[0]
    assert '<option value="3"' in durations and '<option value="15"' in durations
    assert '<option value="16"' not in durations and '<option value="2"' not in durations
    assert "Estimated cost: <strong>$" in options
    # Kling's upstream passthrough slug is unknown: no negative prompt that would vanish.
    assert 'name="negative_prompt"' not in options


def test_settings_that_cannot_go_together_are_not_offered(alice, key):
    """Veo makes 4K only at 8 s: with 4K chosen, the duration list shrinks to 8 seconds."""
    options = alice.get(
        reverse("videos:generate_options"),
        {"key": key.pk, "model": "google/veo-3.1", "resolution": "4K", "duration": "4"},
        headers={"HX-Request": "true"},
    ).content.decode()
    durations = options.split('name="duration"')[1].split("</select>")[0]
    assert '<option value="8" selected>' in durations and 'value="4"' not in durations
    assert "Estimated cost: <strong>$3.20</strong>" in options  # 8 s of 4K at $0.40/s, silent
    options = alice.get(
        reverse("videos:generate_options"),
        {"key": key.pk, "model": "google/veo-3.1", "resolution": "4K", "generate_audio": "on"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Estimated cost: <strong>$4.80</strong>" in options  # 8 s of 4K at $0.60/s, audio
    assert "Audio: $3.20 without, $4.80 with." in options


def post_generate(client, key, **data):
    payload = {
        "idempotency_key": uuid.uuid4().hex,
        "key": key.pk,
        "model": "google/veo-3.1",
        "prompt": "A sunrise over the harbour",
        "duration": 8,
        "resolution": "720p",
        "aspect_ratio": "16:9",
    }
    payload.update(data)
    return client.post(
        reverse("videos:generate"), {k: v for k, v in payload.items() if v is not None}
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"duration": 5},
            "Google: Veo 3.1 does not offer 5 as duration; choose 4 seconds, 6 seconds, 8",
        ),
        ({"resolution": "8K"}, "does not offer 8K as resolution"),
        ({"aspect_ratio": "1:1"}, "does not offer 1:1 as aspect ratio; choose 16:9, 9:16"),
        ({"prompt": "   "}, "Describe the video you want"),
        ({"model": "nope/model"}, "Select a valid choice"),
        ({"model": "kwaivgi/kling-v3.0-pro", "seed": "7"}, "does not take a seed"),
        ({"first_frame": "x"}, ""),
    ],
)
def test_the_form_refuses_unsupported_values(alice, key, data, message):
    if "first_frame" in data:
        data = {"first_frame": io.BytesIO(b"not an image")}
        data["first_frame"].name = "x.png"
        message = "not an image we can read"
    response = post_generate(alice, key, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not VideoJob.objects.exists()


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (png(5000, 100), "between 64 and 4096"),
        (png(32, 32), "between 64 and 4096"),
        (png(kind="GIF"), "GIF images are not accepted"),
    ],
)
def test_images_are_checked(alice, key, image, message):
    response = post_generate(alice, key, first_frame=image)
    assert message in response.content.decode()


def test_a_submitted_form_lands_on_its_job_once(alice, key, user):
    data = {"idempotency_key": "fixed-key-1", "first_frame": png()}
    response = post_generate(alice, key, **data)
    assert response.status_code == 302
    job = VideoJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert job.image_inputs[0]["role"] == "first_frame"
    assert default_storage.exists(job.image_inputs[0]["path"])
    again = post_generate(alice, key, idempotency_key="fixed-key-1", first_frame=png())
    assert again["Location"] == job.get_absolute_url()
    assert VideoJob.objects.count() == 1


def test_copy_settings_into_a_new_prompt(alice, key, user):
    job = run_job(user, key, aspect_ratio="9:16")
    page = alice.get(reverse("videos:generate") + f"?from={job.public_id}").content.decode()
    assert "Spring launch teaser</textarea>" in page
    assert 'value="9:16" selected' in page


# --- job page and live panel --------------------------------------------------------------------


def test_job_page_and_live_panel(alice, key, user):
    job = run_job(user, key)
    assert job.status == VideoJob.Status.READY
    page = alice.get(job.get_absolute_url()).content.decode()
    assert page.count("data-slide ") == 3 or page.count("data-slide") >= 3
    assert "Clip 2 of 3" in page and "Download all (zip, 3 clips)" in page
    assert "Save all" not in page and "Save clip" not in page
    live = alice.get(
        reverse("videos:job_live", args=[job.public_id]), headers={"HX-Request": "true"}
    )
    assert live.status_code == 286  # done: htmx stops polling
    assert live.content.decode().lstrip().startswith('<div id="job-live"')
    assert "hx-trigger" not in live.content.decode()


def test_a_running_job_keeps_polling(alice, key, user):
    job, _ = lifecycle.start_job(user, key, JobSpec(model="google/veo-3.1", prompt="x"), "k")
    live = alice.get(reverse("videos:job_live", args=[job.public_id]))
    assert live.status_code == 200 and 'hx-trigger="every 2s"' in live.content.decode()
    assert "It will be sent to the provider in a moment." in live.content.decode()


def test_save_all_is_not_offered_to_phones(alice, key, user):
    job = run_job(user, key)
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148"
    page = alice.get(job.get_absolute_url(), headers={"User-Agent": iphone}).content.decode()
    assert "Download all" not in page and "Download clip" in page


# --- media --------------------------------------------------------------------------------------


def test_clip_download_zip_and_ranges(alice, key, user):
    job = run_job(user, key, prompt="Spring launch teaser!")
    clips = list(job.clips.order_by("index"))
    url = reverse("videos:clip_download", args=[job.public_id, 2])
    response = alice.get(url)
    assert (
        response["Content-Disposition"] == 'attachment; filename="spring-launch-teaser-2-of-3.mp4"'
    )
    body = b"".join(response.streaming_content)
    assert body == default_storage.open(clips[1].file.name).read()

    video = reverse("videos:clip_file", args=[job.public_id, 1])
    size = clips[0].size
    whole = alice.get(video)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert whole["Content-Length"] == str(size)
    data = default_storage.open(clips[0].file.name).read()
    for header, start, end in [
        ("bytes=0-99", 0, 99),
        ("bytes=100-199", 100, 199),
        (f"bytes={size - 10}-", size - 10, size - 1),
        ("bytes=-50", size - 50, size - 1),
        (f"bytes=10-{size + 500}", 10, size - 1),
    ]:
        part = alice.get(video, headers={"Range": header})
        assert part.status_code == 206, header
        assert part["Content-Range"] == f"bytes {start}-{end}/{size}"
        assert b"".join(part.streaming_content) == data[start : end + 1]
    past = alice.get(video, headers={"Range": f"bytes={size}-"})
    assert past.status_code == 416 and past["Content-Range"] == f"bytes */{size}"
    # A range that is not one (last before first, absurd numbers) is ignored, not an error.
    for nonsense in ("bytes=500-100", "bytes=" + "9" * 5000 + "-", "bytes=a-b"):
        whole_again = alice.get(video, headers={"Range": nonsense})
        assert whole_again.status_code == 200, nonsense

    poster = alice.get(reverse("videos:clip_poster", args=[job.public_id, 1]))
    assert poster["Content-Type"] == "image/jpeg"

    archive = alice.get(reverse("videos:job_zip", args=[job.public_id]))
    raw = b"".join(archive.streaming_content)
    assert int(archive["Content-Length"]) == len(raw)
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        manifest = json.loads(z.read("manifest.json"))
        assert (
            manifest["prompt"] == "Spring launch teaser!"
            and manifest["model"] == "sandbox/multi-clip"
        )
        for clip, entry in zip(clips, manifest["clips"], strict=True):
            assert z.read(entry["file"]) == default_storage.open(clip.file.name).read()
            assert entry["sha256"] == clip.sha256


def test_other_users_get_404_for_everything(client, key, user, other_user):
    job = run_job(user, key, model="google/veo-3.1", duration=8)
    client.force_login(other_user)
    urls = [
        job.get_absolute_url(),
        reverse("videos:job_live", args=[job.public_id]),
        reverse("videos:job_zip", args=[job.public_id]),
        reverse("videos:clip_file", args=[job.public_id, 1]),
        reverse("videos:clip_poster", args=[job.public_id, 1]),
        reverse("videos:clip_download", args=[job.public_id, 1]),
        reverse("videos:generate") + f"?from={job.public_id}",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    for url in [
        reverse("videos:job_resubmit", args=[job.public_id]),
        reverse("videos:clip_retry", args=[job.public_id, 1]),
    ]:
        assert client.post(url).status_code == 404, url
    assert job.prompt not in client.get(reverse("videos:videos")).content.decode()
    assert job.prompt not in client.get(reverse("videos:library")).content.decode()


def test_resubmit_makes_a_new_job_with_the_same_settings(alice, key, user):
    job = run_job(user, key, model="google/veo-3.1", duration=8, aspect_ratio="9:16")
    url = reverse("videos:job_resubmit", args=[job.public_id])
    confirm = alice.get(url).content.decode()
    assert "Make another take?" in confirm and f"${job.estimated_cost:.2f}" in confirm
    assert not VideoJob.objects.exclude(pk=job.pk).exists()  # asking sends nothing
    key_field = confirm.split('name="idempotency_key" value="')[1].split('"')[0]
    response = alice.post(url, {"idempotency_key": key_field})
    alice.post(url, {"idempotency_key": key_field})  # a double click: still one new job
    new = VideoJob.objects.exclude(pk=job.pk).get()
    assert response["Location"] == new.get_absolute_url()
    assert new.parameters == job.parameters and new.prompt == job.prompt


# --- lists --------------------------------------------------------------------------------------


def test_lists_filter_and_search(alice, key, user):
    ready = run_job(
        user, key, prompt="Harbour sunrise", model="google/veo-3.1", duration=8, aspect_ratio="9:16"
    )
    run_job(user, key, prompt="[sandbox:fail] broken", model="google/veo-3.1", duration=8)
    page = alice.get(reverse("videos:videos"), {"status": "ready"}).content.decode()
    assert "Harbour sunrise" in page and "broken" not in page
    page = alice.get(reverse("videos:library"), {"q": "harbour", "aspect": "9:16"}).content.decode()
    assert "Harbour sunrise" in page
    assert reverse("videos:clip_poster", args=[ready.public_id, 1]) in page
    page = alice.get(reverse("videos:library"), {"aspect": "16:9"}).content.decode()
    assert "Harbour sunrise" not in page


def test_pages_run_a_constant_number_of_queries(alice, key, user, django_assert_max_num_queries):
    def counts():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        result = {}
        job = VideoJob.objects.filter(status="ready").first()
        for name, url in [
            ("list", reverse("videos:videos")),
            ("library", reverse("videos:library")),
            ("job", job.get_absolute_url()),
            ("live", reverse("videos:job_live", args=[job.public_id])),
        ]:
            with CaptureQueriesContext(connection) as ctx:
                assert alice.get(url).status_code in (200, 286)
            result[name] = len(ctx.captured_queries)
        return result

    run_job(user, key, model="google/veo-3.1", duration=8)
    few = counts()
    for _ in range(3):
        run_job(user, key)  # three more jobs with three clips each
    many = counts()
    assert many == few, (few, many)
    with django_assert_max_num_queries(12):
        alice.get(reverse("videos:videos"))


def test_download_names_are_cut_at_a_word(user):
    job = VideoJob(
        owner=user, prompt="Spring launch teaser: sneakers on a sunny street, golden hour"
    )
    assert job.file_stem == "spring-launch-teaser-sneakers-on-a-sunny-street"
    assert VideoJob(owner=user, prompt="!!!").file_stem == "video"


def test_an_overlong_idempotency_key_is_refused_plainly(alice, key, user):
    job = run_job(user, key, model="google/veo-3.1", duration=8)
    url = reverse("videos:job_resubmit", args=[job.public_id])
    response = alice.post(url, {"idempotency_key": "k" * 500})
    assert response.status_code == 200 and VideoJob.objects.count() == 1


def poll_url_in(response) -> str:
    return response.content.decode().split('hx-get="')[1].split('"')[0].replace("&amp;", "&")


def test_an_unchanged_status_panel_costs_one_query_and_no_rendering(
    alice, key, user, django_assert_num_queries
):
    job, _ = lifecycle.start_job(user, key, JobSpec(model="google/veo-3.1", prompt="x"), "k")
    url = reverse("videos:job_live", args=[job.public_id])
    polled = poll_url_in(alice.get(url))
    assert "?v=" in polled and "&t=" in polled
    with django_assert_num_queries(1):  # the job's version: no session, no user
        unchanged = alice.get(polled)
    assert unchanged.status_code == 204 and unchanged.content == b""
    # Any change, of the job or of a clip, gives the panel again, with its new version.
    job.refresh_from_db()
    job.claim_for_submit()
    changed = alice.get(polled)
    assert changed.status_code == 200 and "Sending the request" in changed.content.decode()
    following = poll_url_in(changed)
    assert following != polled
    assert alice.get(following).status_code == 204
    # A clip's claim shows (its attempt count); renewing the claim's lease does not.
    clip = make_clip(job, source_url="https://cdn.example/0.mp4")
    assert clip.claim()
    redrawn = alice.get(following)
    assert redrawn.status_code == 200
    latest = poll_url_in(redrawn)
    assert clip.extend_lease()
    assert alice.get(latest).status_code == 204
    assert clip.mark_ready(size=1) and alice.get(latest).status_code == 200


def test_a_panel_pass_holds_only_for_its_job_its_session_and_its_time(
    alice, key, user, other_user, monkeypatch
):
    job, _ = lifecycle.start_job(user, key, JobSpec(model="google/veo-3.1", prompt="x"), "k")
    other, _ = lifecycle.start_job(user, key, JobSpec(model="google/veo-3.1", prompt="y"), "k2")
    polled = poll_url_in(alice.get(reverse("videos:job", args=[job.public_id])))
    assert alice.get(polled).status_code == 204
    token = polled.split("&t=")[1]
    version = polled.split("?v=")[1].split("&")[0]
    # Another person's session with the same URL: the full access check, which says no.
    bob = Client()
    bob.force_login(other_user)
    assert bob.get(polled).status_code == 404
    # The same person in another session (another browser): a new pass is handed out.
    again = Client()
    again.force_login(user)
    assert again.get(polled).status_code == 200
    # No session at all (logged out): the login page, as for any page.
    assert Client().get(polled).status_code == 302
    # The pass names its job: on another job's panel, or on another page, it is no pass.
    elsewhere = reverse("videos:job_live", args=[other.public_id])
    assert alice.get(f"{elsewhere}?v={version}&t={token}").status_code == 200
    page = alice.get(f"{reverse('videos:job', args=[job.public_id])}?v={version}&t={token}")
    assert page.status_code == 200 and b"<html" in page.content
    # A forged pass is no pass.
    assert alice.get(polled[:-3] + "xyz").status_code == 200
    # A stale pass: the panel again, with a new pass (the same, within one second).
    monkeypatch.setattr("videos.live.PASS_SECONDS", -1)
    stale = alice.get(polled)
    assert stale.status_code == 200 and "&t=" in poll_url_in(stale)
