"""One title per video, made from its prompt, and its version and take said wherever a list
shows it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_job, make_project, make_ready_clip, make_workspace
from videos.models import VideoJob

pytestmark = pytest.mark.django_db

PROMPT = "Summer sale hero: a tall glass of iced coffee on a sunny terrace, slow push in"


@pytest.fixture
def takes(user):
    """Version 1 and two takes of version 2 (made from the same clip), in a project."""
    workspace = make_workspace(user)
    project = make_project(workspace)
    first = make_job(user, workspace, status="ready", prompt=PROMPT, project=project)
    clip = make_ready_clip(first)
    now = timezone.now()
    second = [
        make_job(
            user,
            workspace,
            status="ready",
            prompt=f"{PROMPT}\n\nChanges from the previous version:\n- Whole clip: bigger",
            project=project,
            parent=clip,
            continuation="revise",
            version=2,
            created_at=now + timedelta(minutes=number),
        )
        for number in (1, 2)
    ]
    for job in second:
        make_ready_clip(job)
    return project, first, second


def test_the_title_is_the_prompts_first_line_cut_at_a_word(takes):
    _, first, (take_1, take_2) = takes
    assert first.short_title == "Summer sale hero: a tall glass of iced…"
    assert take_1.short_title == first.short_title  # the revision's quoted changes are not in it
    assert first.label == first.short_title
    assert VideoJob(prompt="", version=1).short_title == "Untitled video"
    labels = {job.pk: job.label for job in VideoJob.objects.with_takes()}
    assert labels[take_1.pk] == "Summer sale hero: a tall glass of iced… · version 2"
    assert labels[take_2.pk] == "Summer sale hero: a tall glass of iced… · version 2, take 2"


def test_lists_label_versions_and_takes(alice, takes):
    project, first, _ = takes
    title = first.short_title
    videos = alice.get(reverse("videos:videos")).content.decode()
    assert f">{title} · version 2, take 2</a>" in videos
    assert f">{title} · version 2</a>" in videos and f">{title}</a>" in videos
    library = alice.get(reverse("videos:library")).content.decode()
    assert f"{title} · version 2" in library
    job_page = alice.get(first.get_absolute_url()).content.decode()
    assert f"<title>Ready · {title}" in job_page and f'data-title="{title} · ' in job_page
    review = alice.get(
        reverse("review:project", args=[project.client.workspace.slug, project.public_id])
    ).content.decode()
    assert ">Version 2, take 2</span>" in review and ">Version 1</span>" in review
