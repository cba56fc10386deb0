"""Campaigns: one brief fanned out into formats x models x wordings x takes through the real
generate form and the real sandbox, priced and confirmed once, started all or none within the
budgets, compared 2 to 4 at a time, and packaged by format with a manifest."""

import csv
import hashlib
import io
import json
import uuid
import zipfile
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from campaigns.models import Campaign, Variant
from tests.factories import add_member, make_clip, make_key, make_project, make_user, make_workspace
from tests.helpers import png_upload, run_in_process
from videos.models import Clip, VideoJob
from workspaces.models import Budget, Membership

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def key(user, reachable):
    return make_key(user)


def brief(key, **data):
    payload = {
        "idempotency_key": uuid.uuid4().hex,
        "key": key.pk,
        "model": "google/veo-3.1",
        "prompt": "Our sparkling water on a sunny picnic table",
        "resolution": "720p",
        "duration": 8,
        "ad_format": "landscape",
        "generate_audio": "on",
    }
    payload.update(data)
    return payload


def plan(client, key, **data):
    return client.post(reverse("campaigns:plan"), brief(key, **data))


def test_a_brief_fans_out_into_a_priced_plan_and_nothing_is_sent(alice, key, reachable):
    sent_before = len(reachable.stats()["jobs"])
    response = plan(
        alice,
        key,
        also_formats=["vertical", "square"],
        also_models=["sandbox/multi-clip"],
        takes=2,
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign = Campaign.objects.get()
    assert response["Location"] == campaign.get_absolute_url()
    # 3 formats x 2 models x 2 takes, and no job, no request to the provider.
    assert len(campaign.plan) == 12
    assert not VideoJob.objects.exists()
    assert len(reachable.stats()["jobs"]) == sent_before
    by = {(e["format"], e["model"], e["take"]): e for e in campaign.plan}
    # Veo makes 9:16 itself; it has no 1:1, so the square one is made at 16:9 and reframed.
    assert by["vertical", "google/veo-3.1", 1]["parameters"]["aspect_ratio"] == "9:16"
    assert by["square", "google/veo-3.1", 1]["parameters"]["aspect_ratio"] == "16:9"
    assert by["square", "sandbox/multi-clip", 1]["parameters"]["aspect_ratio"] == "1:1"
    # Takes differ by seed; each entry is priced, and the total is their sum.
    assert (
        by["landscape", "google/veo-3.1", 1]["parameters"]["seed"] + 1
        == by["landscape", "google/veo-3.1", 2]["parameters"]["seed"]
    )
    total = sum(Decimal(e["estimate"]) for e in campaign.plan)
    assert campaign.estimated_total == total > 0
    page = alice.get(campaign.get_absolute_url()).content.decode()
    assert "12 videos, about" in page and f"${total}" in page
    assert "Nothing has been sent yet" in page
    assert f"Start 12 videos for about ${total}" in page


def test_starting_makes_every_job_once_and_a_second_click_nothing(alice, key):
    plan(alice, key, also_formats=["vertical"], takes=2)
    campaign = Campaign.objects.get()
    start = reverse("campaigns:start", args=[campaign.public_id])
    assert alice.post(start).status_code == 302
    assert alice.post(start, follow=True).content.decode().count("had already started") == 1
    jobs = VideoJob.objects.order_by("variant__number")
    assert jobs.count() == 4 == Variant.objects.filter(campaign=campaign).count()
    assert [j.parameters["ad_format"] for j in jobs] == ["landscape"] * 2 + ["vertical"] * 2
    assert [j.parameters["aspect_ratio"] for j in jobs] == ["16:9"] * 2 + ["9:16"] * 2
    assert len({j.parameters["seed"] for j in jobs}) == 2  # per take, the same across formats
    assert sum(j.estimated_cost for j in jobs) == campaign.estimated_total
    campaign.refresh_from_db()
    assert not campaign.is_draft


def test_a_campaign_that_would_pass_the_budget_starts_nothing(alice, user, key):
    """The refusal counts what the month really spent (as the spend page does, not the
    campaign's own first video, which is never made) and names the campaign's whole total,
    the budget, what is left and how far it falls short; raised by that much, it starts."""
    from tests.factories import make_job

    make_job(user, key.workspace, key=key, status="ready", cost=Decimal("3.20"))
    plan(alice, key, also_formats=["vertical"], takes=2)
    campaign = Campaign.objects.get()
    assert campaign.estimated_total == Decimal("12.80")  # 4 videos of 8 s at $0.40
    # Room for one more video of the four, not for the campaign.
    Budget.objects.create(workspace=key.workspace, monthly_amount=Decimal("8.00"))
    response = alice.post(reverse("campaigns:start", args=[campaign.public_id]), follow=True)
    page = response.content.decode().replace("&#x27;", "'")
    assert (
        "This campaign of 4 videos is estimated at $12.80, more than is left of "
        f"{key.workspace.name}'s monthly budget: $8.00 a month, $3.20 spent or still being "
        "made this month, $4.80 left, so it is $8.00 short. Nothing was started"
    ) in page
    assert VideoJob.objects.count() == 1 and not Variant.objects.exists()
    campaign.refresh_from_db()
    assert campaign.is_draft  # it can start once the budget allows it
    spend = alice.get(reverse("spend:overview", args=[key.workspace.slug])).content.decode()
    assert "$3.20" in spend and "$6.40" not in spend
    Budget.objects.update(monthly_amount=Decimal("16.00"))
    alice.post(reverse("campaigns:start", args=[campaign.public_id]))
    assert VideoJob.objects.count() == 5 and Variant.objects.count() == 4


def test_two_campaigns_cannot_both_pass_a_budget_that_fits_one(alice, user, key):
    plan(alice, key, takes=2)
    plan(alice, key, takes=2)
    first, second = Campaign.objects.order_by("created_at")
    Budget.objects.create(
        workspace=key.workspace, monthly_amount=first.estimated_total * Decimal("1.5")
    )
    alice.post(reverse("campaigns:start", args=[first.public_id]))
    page = alice.post(reverse("campaigns:start", args=[second.public_id]), follow=True)
    assert "Nothing was started" in page.content.decode()
    assert VideoJob.objects.count() == 2


def test_the_generate_button_asks_to_plan_several_videos(alice, key):
    response = alice.post(reverse("videos:generate"), brief(key, takes=3))
    assert response.status_code == 400
    assert "These settings make 3 videos" in response.content.decode()
    assert not VideoJob.objects.exists() and not Campaign.objects.exists()


def test_a_campaign_has_at_most_24_videos(alice, key):
    response = plan(
        alice,
        key,
        also_formats=["vertical", "square", "portrait"],
        also_models=["sandbox/multi-clip"],
        takes=4,
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "That is 32 videos; a campaign makes at most 24." in page
    # The form comes back; its Generate button still makes one video, not a campaign.
    assert f'action="{reverse("videos:generate")}"' in page
    assert not Campaign.objects.exists()


def test_what_another_model_cannot_take_is_said_in_the_plan(alice, key):
    # Hailuo makes 6 or 10 s only: the brief's 8 s becomes one of them, and the plan says so.
    plan(alice, key, also_models=["minimax/hailuo-2.3"], negative_prompt="")
    campaign = Campaign.objects.get()
    hailuo = next(e for e in campaign.plan if e["model"] == "minimax/hailuo-2.3")
    assert hailuo["parameters"]["duration"] in (6, 10)
    assert any("instead of 8 s" in note for note in hailuo["notes"])
    page = alice.get(campaign.get_absolute_url()).content.decode()
    assert "instead of 8 s" in page


def test_a_discarded_plan_forgets_its_images(alice, key):
    plan(alice, key, takes=2, first_frame=png_upload())
    campaign = Campaign.objects.get()
    stored = [entry["path"] for entry in campaign.image_inputs]
    assert len(stored) == 1 and default_storage.exists(stored[0])  # one copy for both takes
    alice.post(reverse("campaigns:discard", args=[campaign.public_id]))
    assert not Campaign.objects.exists() and not default_storage.exists(stored[0])


def test_a_viewer_sees_the_plan_but_cannot_start_it(user, reachable):
    from django.test import Client

    work = make_workspace(user)
    key = make_key(user, workspace=work)
    viewer = make_user("vera")
    add_member(work, viewer, Membership.Role.VIEWER)
    owner = Client()
    owner.force_login(user)
    plan(owner, key, takes=2)
    campaign = Campaign.objects.get()
    guest = Client()
    guest.force_login(viewer)
    page = guest.get(campaign.get_absolute_url())
    assert page.status_code == 200 and "does not start videos" in page.content.decode()
    assert guest.post(reverse("campaigns:start", args=[campaign.public_id])).status_code == 403
    assert not VideoJob.objects.exists()


def _made(alice, key, **data):
    """A campaign planned, started and run to the end in this process."""
    plan(alice, key, **data)
    campaign = Campaign.objects.get()
    alice.post(reverse("campaigns:start", args=[campaign.public_id]))
    for job in VideoJob.objects.all():
        assert run_in_process(job).status == VideoJob.Status.READY
    return campaign


def test_the_board_compare_and_package(alice, user, key):
    project = make_project(key.workspace)
    campaign = _made(
        alice,
        key,
        also_formats=["vertical"],
        also_models=["sandbox/multi-clip"],
        prompt="Picnic [sandbox:clips=1] =cmd",
        project=str(project.public_id),
    )
    assert VideoJob.objects.filter(project=project).count() == 4
    page = alice.get(campaign.get_absolute_url()).content.decode()
    assert "4 clips ready" in page and "Download the campaign package" in page
    listed = alice.get(reverse("campaigns:list")).content.decode()
    spent = sum(job.cost for job in VideoJob.objects.all())
    assert "4 of 4 videos ready" in listed and f"${spent:.2f} spent" in listed
    job_page = alice.get(VideoJob.objects.first().get_absolute_url()).content.decode()
    assert f'href="{campaign.get_absolute_url()}"' in job_page  # its campaign, one click away
    # Polling the board stops once every video has ended.
    assert alice.get(campaign.get_absolute_url(), HTTP_HX_REQUEST="true").status_code == 286

    clips = list(Clip.objects.order_by("job__variant__number"))
    picks = [f"{c.job.public_id}:{c.number}" for c in clips]
    compare = reverse("campaigns:compare", args=[campaign.public_id])
    side_by_side = alice.get(compare, {"clip": picks[:3]}).content.decode()
    assert side_by_side.count("data-compare-video") == 3
    for too_few_or_many in (picks[:1], picks + picks[:1] + [picks[0].replace(":1", ":9")]):
        response = alice.get(compare, {"clip": too_few_or_many}, follow=True)
        assert "Tick 2 to 4 clips" in response.content.decode()
    foreign = f"{uuid.uuid4()}:1"
    assert alice.get(compare, {"clip": [picks[0], foreign]}).status_code == 404

    # Two winners starred from the compare page.
    for clip in clips[1:3]:
        alice.post(reverse("videos:clip_star", args=[clip.job.public_id, clip.number]))
    response = alice.get(reverse("campaigns:package", args=[campaign.public_id]))
    assert response.streaming and response["Content-Type"] == "application/zip"
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body)
    archive = zipfile.ZipFile(io.BytesIO(body))
    names = sorted(archive.namelist())
    folders = {name.split("/")[0] for name in names if "/" in name}
    assert folders == {"16x9-youtube", "9x16-reels-tiktok-shorts"}
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["name"] == campaign.name and manifest["project"] == str(project)
    assert len(manifest["files"]) == 4
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["file"])).hexdigest() == entry["sha256"]
        assert entry["prompt"].startswith("Picnic") and entry["settings"]["duration"]
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert [r["file"] for r in rows] == [e["file"] for e in manifest["files"]]
    assert rows[0]["sha256"] == manifest["files"][0]["sha256"]
    assert rows[0]["job_estimated_cost_usd"]

    winners = alice.get(reverse("campaigns:package", args=[campaign.public_id]), {"winners": 1})
    archive = zipfile.ZipFile(io.BytesIO(b"".join(winners.streaming_content)))
    files = json.loads(archive.read("manifest.json"))["files"]
    assert len(files) == 2 and all(f["starred"] for f in files)
    assert "winners" in winners["Content-Disposition"]


def test_the_package_is_offered_on_desktops_only(alice, key):
    campaign = _made(alice, key, prompt="Picnic [sandbox:clips=1]")
    phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148"
    page = alice.get(campaign.get_absolute_url(), HTTP_USER_AGENT=phone).content.decode()
    assert "Download the campaign package" not in page and "for computers" in page


def test_the_list_shows_plans_and_campaigns(alice, key):
    plan(alice, key, takes=2)
    page = alice.get(reverse("campaigns:list")).content.decode()
    assert "Not started" in page and "2 videos planned" in page
    scoped = alice.get(reverse("campaigns:list", args=[key.workspace.slug]))
    assert scoped.status_code == 200 and "Not started" in scoped.content.decode()


def test_two_campaigns_started_at_once_cannot_both_pass_a_budget(user, monkeypatch):
    import threading
    import time

    from django.db import connection, connections

    from workspaces.models import OverBudget

    if connection.vendor != "postgresql":
        pytest.skip(
            "Runs on PostgreSQL (DATABASE_URL=postgres://...): SQLite's IMMEDIATE transactions "
            "let one writer at a time in, so two starts cannot overlap there."
        )
    work = make_workspace(user)
    key = make_key(user, workspace=work)
    Budget.objects.create(workspace=work, monthly_amount=Decimal("50"))
    entry = {
        "format": "landscape",
        "format_name": "YouTube (16:9)",
        "model": "google/veo-3.1",
        "model_name": "Veo 3.1",
        "wording": 0,
        "prompt": "A harbour at dawn",
        "negative_prompt": "",
        "parameters": {"duration": 8, "aspect_ratio": "16:9", "ad_format": "landscape"},
        "images": [],
        "estimate": "15.00",
        "basis": "8 s",
        "notes": [],
    }
    # Each 2 x $15: one fits the $50 budget, both do not.
    campaigns = [
        Campaign.objects.create(
            workspace=work,
            key=key,
            name=f"Launch {n}",
            plan=[entry | {"take": 1}, entry | {"take": 2}],
            estimated_total=Decimal("30"),
        )
        for n in range(2)
    ]
    total = VideoJob.objects.none().charged_total.__func__

    def slow_total(queryset):
        found = total(queryset)
        time.sleep(0.5)  # without the lock on the budget row, both would find nothing spent
        return found

    monkeypatch.setattr(type(VideoJob.objects.none()), "charged_total", slow_total)
    barrier, outcomes = threading.Barrier(2), []

    def start_one(campaign):
        try:
            barrier.wait()
            campaign.start(by=user)
            outcomes.append("started")
        except OverBudget:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start_one, args=[c]) for c in campaigns]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["refused", "started"]
    assert VideoJob.objects.count() == 2 == Variant.objects.count()
    assert Campaign.objects.drafts().count() == 1


def test_other_wordings_take_the_presets_values(alice, user, key):
    from brand.models import Preset
    from workspaces.access import personal_workspace

    preset = Preset.objects.create(
        workspace=personal_workspace(user), name="Hero", prompt_template="{product} on a table"
    )
    chosen = {"preset": str(preset.public_id), "prompt": preset.prompt_template}
    wordings = "{product} in a cooler\nA picnic by the lake"
    response = plan(alice, key, **chosen, fill_product="Fizz", wordings=wordings)
    assert response.status_code == 302, response.content.decode()[:2000]
    prompts = [e["prompt"] for e in Campaign.objects.get().plan]
    assert prompts == ["Fizz on a table", "Fizz in a cooler", "A picnic by the lake"]
    # A placeholder the form has no value for is refused, and nothing is planned.
    response = plan(alice, key, **chosen, fill_product="Fizz", wordings="Only {offer}")
    assert response.status_code == 400 and "Fill in {offer}" in response.content.decode()
    assert Campaign.objects.count() == 1


def test_the_board_and_the_list_take_the_same_queries_whatever_the_size(alice, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tests.factories import make_job, make_ready_clip

    key = make_key(user)

    def campaign_of(videos):
        project = make_project(key.workspace, client=f"Client {videos}", name=f"P{videos}")
        campaign = Campaign.objects.create(
            workspace=key.workspace,
            key=key,
            project=project,
            name=f"{videos}",
            started_at=timezone.now(),
        )
        for number in range(1, videos + 1):
            job = make_job(user, key=key, status=VideoJob.Status.READY, parameters={})
            make_ready_clip(job)
            make_ready_clip(job, index=1)
            Variant.objects.create(campaign=campaign, job=job, number=number, ad_format="square")
        return campaign

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert alice.get(url).status_code == 200
        return len(captured)

    small, large = campaign_of(1), campaign_of(6)
    assert queries(small.get_absolute_url()) == queries(large.get_absolute_url())
    listed = queries(reverse("campaigns:list"))
    campaign_of(3)
    assert queries(reverse("campaigns:list")) == listed


def test_the_same_form_sent_twice_plans_one_campaign(alice, key):
    form = brief(key, takes=2)
    first = alice.post(reverse("campaigns:plan"), form)
    again = alice.post(reverse("campaigns:plan"), form)
    assert first["Location"] == again["Location"] == Campaign.objects.get().get_absolute_url()


def test_a_plan_nobody_started_does_not_keep_its_project(alice, user, key):
    from workspaces.access import membership_of

    project = make_project(key.workspace)
    plan(alice, key, takes=2, project=str(project.public_id))
    project.remove(by=membership_of(user, key.workspace))
    assert Campaign.objects.get().project is None


def test_a_failed_video_submitted_again_keeps_its_place(alice, user, key):
    plan(alice, key, also_formats=["vertical"], prompt="Picnic [sandbox:clips=1]")
    campaign = Campaign.objects.get()
    alice.post(reverse("campaigns:start", args=[campaign.public_id]))
    failed = VideoJob.objects.get(variant__number=2)
    VideoJob.objects.filter(pk=failed.pk).update(status=VideoJob.Status.FAILED)
    again = reverse("videos:job_resubmit", args=[failed.public_id])
    response = alice.post(again, {"idempotency_key": uuid.uuid4().hex})
    new = VideoJob.objects.exclude(variant__isnull=True).get(variant__number=2)
    assert response["Location"] == new.get_absolute_url() and new != failed
    assert new.parameters["ad_format"] == "vertical"
    assert not Variant.objects.filter(job=failed).exists()
    page = alice.get(campaign.get_absolute_url()).content.decode()
    assert new.get_absolute_url() in page and failed.get_absolute_url() not in page


def test_compare_refuses_made_up_clips_with_a_404(alice, key):
    plan(alice, key)
    campaign = Campaign.objects.get()
    alice.post(reverse("campaigns:start", args=[campaign.public_id]))
    job = VideoJob.objects.get()
    compare = reverse("campaigns:compare", args=[campaign.public_id])
    for number in ("\u00b2", "9" * 5000, "-1", "0", "x"):
        picks = [f"{job.public_id}:1", f"{job.public_id}:{number}"]
        assert alice.get(compare, {"clip": picks}).status_code == 404, number[:10]


def test_starring_tells_the_board_to_count_again(alice, user, key):
    from tests.factories import make_job, make_ready_clip

    clip = make_ready_clip(make_job(user, key=key, status=VideoJob.Status.READY))
    star = reverse("videos:clip_star", args=[clip.job.public_id, clip.number])
    response = alice.post(star, headers={"HX-Request": "true"})
    assert json.loads(response["HX-Trigger"]) == {"clip-starred": {}}  # htmx fires the event


def test_campaigns_are_not_made_or_moved_in_the_admin(user, key):
    from django.contrib import admin
    from django.test import RequestFactory

    user.is_staff = user.is_superuser = True
    user.save()
    request = RequestFactory().get("/")
    request.user = user
    model_admin = admin.site._registry[Campaign]
    assert not model_admin.has_add_permission(request)
    assert {"workspace", "project"} <= set(model_admin.get_readonly_fields(request))


def test_plans_nobody_started_are_forgotten_by_the_recovery(alice, user, key, settings):
    from datetime import timedelta

    from django.dispatch import receiver
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from videos import lifecycle

    plan(alice, key, takes=2, first_frame=png_upload())
    plan(alice, key, takes=3)
    old, recent = Campaign.objects.order_by("created_at")
    Campaign.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=15))
    image = old.image_inputs[0]["path"]

    # Housekeeping that fails is logged; the recovery still comes back.
    @receiver(lifecycle.recovery_ran, weak=False)
    def broken(sender, **kwargs):
        raise RuntimeError("housekeeping broke")

    try:
        lifecycle.recover_jobs.call()
    finally:
        lifecycle.recovery_ran.disconnect(broken)
    assert list(Campaign.objects.all()) == [recent]
    assert not default_storage.exists(image)
    assert DBTaskResult.objects.filter(task_path=lifecycle.recover_jobs.module_path).exists()


def test_the_board_keeps_watching_while_its_exports_are_rendered(alice, key):
    """Every video has ended but a reframed export is still being rendered: the board says
    so and keeps polling, so that the package is not taken for whole before its exports."""
    from videos.models import Rendition

    campaign = _made(alice, key, ad_format="square", prompt="Picnic")
    (rendition,) = Rendition.objects.all()
    assert rendition.in_progress  # the worker renders it; none runs here
    response = alice.get(campaign.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "still making some" in response.content.decode()
    rendition.status = Rendition.Status.READY
    rendition.save()
    response = alice.get(campaign.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert response.status_code == 286  # all made: polling stops


def _campaign_of(user, statuses):
    """A started campaign whose videos are in ``statuses``."""
    from tests.factories import make_job

    campaign = Campaign.objects.create(
        workspace=make_workspace(user, "Told once"), created_by=user, name="Autumn launch"
    )
    for number, status in enumerate(statuses, start=1):
        job = make_job(user, campaign.workspace, status=status, prompt=f"Take {number}")
        Variant.objects.create(campaign=campaign, job=job, number=number)
    return campaign


def _end(job, ready: bool):
    if ready:
        VideoJob.objects.filter(pk=job.pk).update(status=VideoJob.Status.COLLECTING)
        job.refresh_from_db()
        make_clip(job, source_url="", status=Clip.Status.READY)
        assert job.finish_if_collected()
    else:
        assert job.fail("The provider could not make it.")


@pytest.mark.django_db(transaction=True)
def test_a_campaign_tells_its_starter_once_when_all_its_videos_have_ended(user):
    """Each video of a campaign used to send its own notification (and e-mail): three videos,
    three messages. Now one, when the last has ended, saying how many are ready."""
    from inbox.models import Notification

    user.email = "owner@example.com"
    user.save()
    campaign = _campaign_of(user, ["waiting", "waiting", "collecting"])
    jobs = [variant.job for variant in campaign.variants.select_related("job")]
    told = Notification.objects.filter(recipient=user)
    _end(jobs[0], ready=True)
    _end(jobs[1], ready=False)
    assert not told.exists()  # one video is still being made
    _end(jobs[2], ready=True)
    assert [(n.kind, n.text, n.url) for n in told] == [
        (
            "campaign_finished",
            "Your campaign “Autumn launch” is finished: 2 of 3 videos are ready, 1 did not finish",
            campaign.get_absolute_url(),
        )
    ]
    # Its end being recorded again (a clip copied again) tells nobody a second time.
    assert jobs[2].reopen_for_collecting() and jobs[2].finish_if_collected()
    assert told.all().count() == 1
    # A video on its own still tells its starter.
    from tests.factories import make_job

    alone = make_job(user, campaign.workspace, status="waiting", prompt="On its own")
    _end(alone, ready=False)
    assert told.all().count() == 2 and told.all().first().kind == "job_failed"


@pytest.mark.django_db(transaction=True)
def test_a_campaign_without_any_ready_video_says_so_once(user):
    campaign = _campaign_of(user, ["waiting", "queued"])
    first, second = (variant.job for variant in campaign.variants.select_related("job"))
    _end(first, ready=False)
    assert second.cancel_before_sending()  # cancelled: an end too
    from inbox.models import Notification

    texts = list(Notification.objects.filter(recipient=user).values_list("text", flat=True))
    assert texts == [
        "Your campaign “Autumn launch” is finished: none of its 2 videos could be made"
    ]
