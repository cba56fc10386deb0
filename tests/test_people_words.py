"""Pages speak people's words: job states as people say them, models by name, one date format."""

import datetime
import re

import pytest
from django.template import Context, Template
from django.utils import timezone

from providers.base import JobSpec
from providers.catalog import readable_name
from tests.factories import make_job, make_key
from videos import lifecycle
from videos.models import VideoJob
from videos.presentation import announcement

MOMENT = datetime.datetime(2026, 11, 23, 14, 5, tzinfo=datetime.UTC)


def test_every_job_state_has_a_label_people_say():
    words = dict(VideoJob.Status.choices)
    assert words["queued"] == "Waiting to start"
    assert words["waiting"] == "Generating"
    assert words["collecting"] == "Saving clips"
    assert words["ready"] == "Ready"
    assert words["failed"] == "Failed"
    assert words["needs_attention"] == "Needs your attention"
    for value, label in words.items():
        assert "_" not in label and label != value and label[0].isupper()


def test_every_ended_job_announces_itself_and_every_failure_has_a_heading():
    for status in VideoJob.TERMINAL:
        job = VideoJob(status=status)
        assert announcement(job).startswith("Your video")
        assert (job.problem == "") == (status == VideoJob.Status.READY)
    assert announcement(VideoJob(status=VideoJob.Status.READY)) == "Your video is ready."
    assert announcement(VideoJob(status=VideoJob.Status.WAITING)) == ""


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("queued", "Waiting to start"),
        ("waiting", "Generating"),
        ("collecting", "Saving clips"),
        ("failed", "Failed"),
        ("needs_attention", "Needs your attention"),
    ],
)
def test_pages_show_the_state_in_words_not_values(alice, user, status, words):
    job = make_job(user, prompt="Harbour at dawn", status=status, created_at=MOMENT)
    for url in (job.get_absolute_url(), "/videos/"):
        page = alice.get(url).content.decode()
        assert f">{words}</span>" in page
        visible = re.sub(r"<[^>]+>", " ", page)  # what people read, not attributes
        assert "needs_attention" not in visible and "google/veo-3.1" not in visible
        assert "Veo 3.1" in visible
        assert "23 Nov 2026, 14:05" in visible


def test_a_model_is_named_as_its_catalogue_names_it(user, reachable):
    key = make_key(user)
    key.models()  # the generate form has just listed them
    job, _ = lifecycle.start_job(
        user, key, JobSpec(model="google/veo-3.1", prompt="p", duration=8), "named"
    )
    assert job.model_name == "Google: Veo 3.1" and job.model_label == "Google: Veo 3.1"


def test_a_model_without_a_catalogue_name_gets_one_made_from_its_id():
    assert readable_name("google/veo-3.1") == "Veo 3.1"
    assert readable_name("sandbox/multi-clip") == "Multi Clip"
    assert readable_name("veo-3.1-fast-generate-preview") == "Veo 3.1 Fast Generate Preview"
    assert VideoJob(model="google/veo-3.1").model_label == "Veo 3.1"
    assert VideoJob(model="x/y", model_name="Kling v3").model_label == "Kling v3"


def test_one_date_format_for_every_template():
    rendered = Template('{{ moment|date:"DATETIME_FORMAT" }} | {{ moment|date }} | {{ moment }}')
    text = rendered.render(Context({"moment": MOMENT}))
    assert text == "23 Nov 2026, 14:05 | 23 Nov 2026 | 23 Nov 2026, 14:05"


def test_no_template_writes_a_date_format_of_its_own():
    """Every date goes through the app's formats (marketos/formats): no "j M Y" in templates,
    no relative time where a date is what people look for (the job and video pages)."""
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text()
        for found in re.findall(r"\|date:[\"']([^\"']+)[\"']", text):
            # Month names on a chart's axis are labels, not dates; "c" is for machines.
            assert found.endswith("_FORMAT") or found in ("M", "M y", "c"), (path, found)
    for page in ("videos/job.html", "videos/videos.html"):
        assert "naturaltime" not in (templates / page).read_text()


def test_a_local_time_zone_moves_the_moment(settings):
    settings.TIME_ZONE = "Europe/Paris"
    with timezone.override("Europe/Paris"):
        text = Template('{{ moment|date:"DATETIME_FORMAT" }}').render(Context({"moment": MOMENT}))
    assert text == "23 Nov 2026, 15:05"
