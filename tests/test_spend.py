"""Spend and budgets: what each video counts for, the spend page and its CSV, and monthly
budgets that refuse a video before anything is created or sent."""

import csv
import io
import threading
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from providers.base import Estimate, JobSpec
from tests.factories import (
    OPENROUTER_KEY,
    logged_in,
    make_job,
    make_key,
    make_project,
    make_ready_clip,
    make_user,
    member,
)
from tests.personas import OWNER
from videos import lifecycle
from videos.models import VideoJob
from workspaces.models import Budget, OverBudget, month_of

pytestmark = pytest.mark.django_db

S = VideoJob.Status
F = VideoJob.Failure


def job(owner, workspace, key, estimate=None, cost=None, **fields):
    return make_job(
        owner,
        workspace,
        key=key,
        estimated_cost=Decimal(estimate) if estimate is not None else None,
        cost=Decimal(cost) if cost is not None else None,
        **fields,
    )


@pytest.fixture
def work(user, agency):
    """Alice's agency with a key, Northwind's spring launch and Contoso's summer ads, and jobs
    of this month in every state (what each counts for is in ``counted``)."""
    key = make_key(user, workspace=agency, label="Agency key")
    spring = make_project(agency, "Northwind", "Spring launch")
    summer = make_project(agency, "Contoso", "Summer ads")
    sent = timezone.now()
    rows = [
        # (estimate, reported cost, fields, counted)
        ("3.00", "2.00", {"status": S.READY, "project": spring}, "2.00"),
        ("1.50", None, {"status": S.READY, "project": spring}, "1.50"),
        ("1.00", None, {"status": S.WAITING, "project": summer}, "1.00"),
        ("0.70", None, {"status": S.QUEUED}, "0.70"),
        ("5.00", None, {"status": S.BLOCKED, "failure": F.SAFETY, "submitted_at": sent}, "0"),
        ("4.00", None, {"status": S.FAILED, "failure": F.PROVIDER, "submitted_at": sent}, "0"),
        ("0.40", None, {"status": S.FAILED, "failure": F.COPY, "submitted_at": sent}, "0.40"),
        ("9.00", None, {"status": S.CANCELLED, "failure": F.CANCELLED}, "0"),
        ("0.25", None, {"status": S.CANCELLED, "submitted_at": sent}, "0.25"),
        ("6.00", "0.10", {"status": S.FAILED, "failure": F.PROVIDER, "project": summer}, "0.10"),
        ("2.00", None, {"status": S.NEEDS_ATTENTION}, "2.00"),
    ]
    jobs = [job(user, agency, key, est, cost, **fields) for est, cost, fields, _ in rows]
    # Last month's video counts for last month only.
    last_month = month_of()[0] - timedelta(days=3)
    old = job(user, agency, key, "100.00", "99.00", status=S.READY, project=spring)
    VideoJob.objects.filter(pk=old.pk).update(created_at=last_month)
    return {
        "workspace": agency,
        "key": key,
        "spring": spring,
        "summer": summer,
        "jobs": jobs,
        "counted": [Decimal(c) for *_, c in rows],
        "last_month": last_month,
    }


def page(visitor, *args, **query):
    response = visitor.get(reverse("spend:overview", args=args), query)
    assert response.status_code == 200
    return response.content.decode()


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


# --- what counts ------------------------------------------------------------------------------


def test_each_job_counts_its_reported_cost_else_its_estimate_and_uncharged_jobs_nothing(work):
    jobs = VideoJob.objects.with_charged().in_month()
    charged = {j.pk: j.charged for j in jobs}
    assert [charged[j.pk] for j in work["jobs"]] == work["counted"]
    assert VideoJob.objects.in_month().charged_total() == Decimal("7.95")
    assert VideoJob.objects.in_month(work["last_month"]).charged_total() == Decimal("99.00")


def test_the_page_shows_totals_by_client_project_and_key(work, alice):
    html = page(alice, work["workspace"].slug)
    assert "$7.95" in html and "11 videos" in html and "filtered" not in html
    assert f"started in {timezone.localtime():%B %Y}" in html
    assert "$2.10" in html  # reported by the providers: 2.00 + 0.10
    # Northwind: 2.00 + 1.50; Contoso: 1.00 + 0.10; no client: the rest.
    assert "Northwind" in html and "$3.50" in html
    assert "Contoso" in html and "$1.10" in html
    assert "No client" in html and "$3.35" in html
    assert "Agency key" in html and work["key"].masked in html
    assert work["key"].reveal() not in html
    assert "What counts" in html and "safety filter" in html


def test_filters_by_client_project_key_and_month(work, alice, user):
    slug = work["workspace"].slug
    northwind = str(work["spring"].client.public_id)
    html = page(alice, slug, client=northwind)
    by_client = html.split("By client and project")[1].split("By key")[0]
    assert "$3.50" in html and "Northwind" in by_client and "Contoso" not in by_client
    html = page(alice, slug, project=str(work["summer"].public_id))
    assert "$1.10" in html and "2 videos" in html
    other = make_key(user, workspace=work["workspace"], label="Second key")
    job(user, work["workspace"], other, "7.00", status=S.QUEUED)
    html = page(alice, slug, key=str(other.public_id))
    assert "$7.00" in html and ", filtered" in html
    assert "12 videos" in page(alice, slug)
    assert "$99.00" in page(alice, slug, month=f"{work['last_month']:%Y-%m}")
    # A key, client or project the visitor cannot see filters to nothing.
    assert "0 videos" in page(alice, slug, key=str(uuid.uuid4()))
    assert "0 videos" in page(alice, slug, key="not-a-key")


def test_a_month_that_cannot_be_read_says_so_and_shows_this_one(work, alice):
    html = page(alice, month="2026-13")
    assert "is not a month like 2026-01" in html and "$7.95" in html
    assert f"{timezone.localtime():%B %Y}" in html


def test_the_page_over_all_workspaces_shows_only_the_visitors(work, alice, other_user):
    theirs = make_key(other_user, label="Bob's key")
    job(other_user, None, theirs, "40.00", status=S.READY)
    assert "$7.95" in page(alice)  # alice is not in bob's workspace
    html = page(logged_in(other_user))
    assert "$40.00" in html and "Northwind" not in html and "Agency key" not in html


@pytest.mark.parametrize("role", ["admin", "member", "viewer"])
def test_every_member_sees_the_workspaces_spend(work, role):
    from django.contrib.auth import get_user_model

    someone = get_user_model().objects.get(username=role)
    assert "$7.95" in page(logged_in(someone), work["workspace"].slug)


# --- the chart --------------------------------------------------------------------------------


def test_the_chart_is_an_accessible_svg_of_twelve_months_with_the_numbers_as_a_table(work, alice):
    html = page(alice, work["workspace"].slug)
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and "<title" in svg
    assert svg.count("<rect") == 12
    assert svg.count("is-current") == 1
    # Last month's 99.00 is the highest: its bar is the full height, this month's a share.
    assert 'height="160"' in svg and 'height="12"' in svg  # 7.95 / 99 * 160
    assert f"{timezone.localtime():%B %Y}: $7.95" in svg
    table = html.split("</svg>", 1)[1]
    assert "$7.95" in table and "$99.00" in table
    assert "style=" not in html  # the CSP allows no inline styles


# --- CSV --------------------------------------------------------------------------------------


def test_the_csv_has_one_row_per_job_with_the_filters_and_never_the_secret(work, alice):
    response = alice.get(reverse("spend:export", args=[work["workspace"].slug]))
    assert response.status_code == 200 and response.streaming
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == [
        "date",
        "title",
        "workspace",
        "client",
        "project",
        "campaign",
        "key",
        "model",
        "status",
        "estimated (USD)",
        "reported (USD)",
        "counted (USD)",
        "prompt",
        "link",
        "cost note",
    ]
    assert len(rows) == 1 + 11  # this month's jobs only
    assert sum(Decimal(r[11]) for r in rows[1:]) == Decimal("7.95")
    first = next(r for r in rows[1:] if r[10] == "2.00")
    assert first[2:10] == [
        "Acme Agency",
        "Northwind",
        "Spring launch",
        "",
        "Agency key",
        "google/veo-3.1",
        "Ready",
        "3.00",
    ]
    assert first[0] == f"{timezone.localdate():%Y-%m-%d}"
    text = "\n".join(",".join(r) for r in rows)
    assert OPENROUTER_KEY not in text and work["key"].masked not in text
    filtered = csv_rows(
        alice.get(reverse("spend:export"), {"project": str(work["summer"].public_id)})
    )
    assert [r[4] for r in filtered[1:]] == ["Summer ads", "Summer ads"]


def test_the_csv_names_each_video_by_its_title_prompt_link_and_campaign(
    work, alice, user, settings
):
    from campaigns.models import Campaign, Variant

    prompt = "A slow dolly shot across a sunlit kitchen where the new kettle steams, warm light"
    made = job(user, work["workspace"], work["key"], "1.00", status=S.READY, prompt=prompt)
    made.project = work["spring"]
    made.save(update_fields=["project"])
    campaign = Campaign.objects.create(
        workspace=work["workspace"], key=work["key"], name="Kettle launch"
    )
    Variant.objects.create(campaign=campaign, job=made, number=1, ad_format="landscape")
    rows = csv_rows(alice.get(reverse("spend:export")))
    row = next(r for r in rows[1:] if r[12] == prompt)
    # The title is the one the job's pages show: the prompt's first words.
    assert row[1] == made.short_title == "A slow dolly shot across a sunlit…"
    assert row[3:6] == ["Northwind", "Spring launch", "Kettle launch"]
    # The link is absolute (a spreadsheet has no page to be relative to) and opens the video.
    assert row[13] == f"http://testserver/videos/{made.public_id}/"
    assert alice.get(row[13].removeprefix("http://testserver")).status_code == 200
    settings.PUBLIC_URL = "https://video.example.com"
    rows = csv_rows(alice.get(reverse("spend:export")))
    assert f"https://video.example.com/videos/{made.public_id}/" in [r[13] for r in rows]


def test_the_csv_never_hands_a_spreadsheet_a_formula(work, alice, user):
    project = make_project(work["workspace"], '=HYPERLINK("http://evil")', "+cmd")
    made = job(user, work["workspace"], work["key"], "1.00", status=S.QUEUED, project=project)
    made.prompt = "=cmd|' /C calc'!A0 and a long tail after the formula"
    made.save(update_fields=["prompt"])
    rows = csv_rows(alice.get(reverse("spend:export")))
    row = next(r for r in rows if "HYPERLINK" in r[3])
    assert row[3].startswith("'=") and row[4] == "'+cmd"
    assert row[1].startswith("'=cmd") and row[12].startswith("'=cmd")


# --- a constant number of queries -------------------------------------------------------------


def test_the_page_and_the_csv_take_as_many_queries_for_twenty_jobs_as_for_one(
    user, agency, django_assert_max_num_queries
):
    key = make_key(user, workspace=agency)
    Budget.set(agency, None, Decimal(100), by=member(agency, OWNER))
    client = logged_in(user)
    job(user, agency, key, "1.00", status=S.READY, project=make_project(agency))
    urls = [reverse("spend:overview", args=[agency.slug]), reverse("spend:overview")]
    export = reverse("spend:export", args=[agency.slug])
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as one:
            assert client.get(url).status_code == 200
        counts[url] = len(one)
    with CaptureQueriesContext(connection) as one:
        assert len(csv_rows(client.get(export))) == 1 + 1
    counts[export] = len(one)
    for number in range(19):
        project = make_project(agency, f"Client {number % 5}", f"Project {number}")
        other = make_key(user, workspace=agency, label=f"Key {number}")
        Budget.set(agency, project.client, Decimal(50), by=member(agency, OWNER))
        job(user, agency, other, "1.00", status=S.QUEUED, project=project)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            html = client.get(url).content.decode()
        assert "20 videos" in html
    with django_assert_max_num_queries(counts[export]):
        rows = csv_rows(client.get(export))
    assert len(rows) == 1 + 20 and {r[5] for r in rows[1:]} == {""}


# --- budgets ----------------------------------------------------------------------------------


def spec(prompt="A harbour at dawn"):
    return JobSpec(model="google/veo-3.1", prompt=prompt, duration=8)


def start(user, key, estimate, project=None):
    return lifecycle.start_job(
        user,
        key,
        spec(),
        uuid.uuid4().hex,
        estimate=Estimate(Decimal(estimate), "test"),
        project=project,
    )


def test_a_job_past_a_clients_budget_is_refused_with_a_clear_message_and_nothing_made(user, agency):
    key = make_key(user, workspace=agency)
    spring = make_project(agency, "Northwind", "Spring launch")
    Budget.set(agency, spring.client, Decimal("50"), by=member(agency, OWNER))
    start(user, key, "47.10", spring)
    tasks = DBTaskResult.objects.count()
    with pytest.raises(OverBudget) as refused:
        start(user, key, "3.20", spring)
    assert refused.value.message == (
        "This video is estimated at $3.20, more than is left of Northwind's monthly budget: "
        "$50.00 a month, $47.10 spent or still being made this month, $2.90 left, so it is "
        "$0.30 short. Nothing was started: raise the budget by at least $0.30, or choose "
        "cheaper settings."
    )
    assert VideoJob.objects.count() == 1 and DBTaskResult.objects.count() == tasks
    # What fits exactly is started; a video for another client, or none, is not held back.
    start(user, key, "2.90", spring)
    start(user, key, "30.00", make_project(agency, "Contoso", "Summer"))
    start(user, key, "30.00")
    assert VideoJob.objects.count() == 4


def test_the_workspace_budget_counts_every_client_and_what_is_committed(user, agency):
    key = make_key(user, workspace=agency)
    Budget.set(agency, None, Decimal("10"), by=member(agency, OWNER))
    start(user, key, "4.00", make_project(agency))
    job(user, agency, key, "50.00", status=S.BLOCKED, failure=F.SAFETY)  # never charged
    job(user, agency, key, "5.00", "6.00", status=S.READY)  # reported: 6.00 counts
    with pytest.raises(
        OverBudget, match=r"Acme Agency's monthly budget: \$10\.00 a month, \$10\.00 spent"
    ):
        start(user, key, "0.01")
    # Last month's spend does not count.
    VideoJob.objects.update(created_at=month_of()[0] - timedelta(days=1))
    start(user, key, "9.00")


def test_a_replayed_start_gets_its_job_even_when_the_budget_is_spent(user, agency):
    key = make_key(user, workspace=agency)
    Budget.set(agency, None, Decimal("5"), by=member(agency, OWNER))
    first, created = lifecycle.start_job(
        user, key, spec(), "same-click", estimate=Estimate(Decimal("5"), "")
    )
    again, created_again = lifecycle.start_job(
        user, key, spec(), "same-click", estimate=Estimate(Decimal("5"), "")
    )
    assert created and not created_again and again == first


def test_the_generate_form_says_why_and_keeps_the_prompt(user, alice, reachable):
    key = make_key(user)
    workspace = key.workspace
    Budget.set(workspace, None, Decimal("0.01"), by=member(workspace, OWNER))
    data = {
        "idempotency_key": uuid.uuid4().hex,
        "key": key.pk,
        "model": "google/veo-3.1",
        "resolution": "720p",
        "aspect_ratio": "16:9",
        "duration": 8,
        "prompt": "Our bottle on a beach at golden hour",
    }
    response = alice.post(reverse("videos:generate"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "$0.01 a month, $0.00 spent or still being made this month, $0.01 left" in html
    assert "Our bottle on a beach at golden hour" in html
    assert not VideoJob.objects.exists()


def test_submitting_again_past_the_budget_is_refused_on_the_page(user, alice):
    key = make_key(user)
    workspace = key.workspace
    earlier = job(user, workspace, key, "3.00", "3.00", status=S.READY, prompt="A harbour")
    Budget.set(workspace, None, Decimal("5"), by=member(workspace, OWNER))
    url = reverse("videos:job_resubmit", args=[earlier.public_id])
    response = alice.post(url, {"idempotency_key": uuid.uuid4().hex})
    assert response.status_code == 400
    assert "This video is estimated at $3.00" in response.content.decode()
    assert "$3.00 spent or still being made this month, $2.00 left" in response.content.decode()
    assert VideoJob.objects.count() == 1


def test_extending_past_the_budget_is_refused_on_the_page(user, alice, monkeypatch):
    key = make_key(user)
    workspace = key.workspace
    earlier = job(user, workspace, key, "3.00", "3.00", status=S.READY, provider_job_id="gen-1")
    make_ready_clip(earlier)
    Budget.set(workspace, None, Decimal("5"), by=member(workspace, OWNER))
    offer = lifecycle.Offer(True, spec=spec(), estimate=Estimate(Decimal("2.50"), "test"))
    monkeypatch.setattr(lifecycle, "continuation_offer", lambda clip, kind, model=None: offer)
    url = reverse("videos:clip_continue", args=[earlier.public_id, 1, "extend"])
    response = alice.post(url, {"idempotency_key": uuid.uuid4().hex, "prompt": ""})
    assert response.status_code == 400
    assert "This video is estimated at $2.50" in response.content.decode()
    assert VideoJob.objects.count() == 1


def test_revising_from_feedback_past_the_budget_is_refused_on_the_page(user, alice, monkeypatch):
    from review.models import Comment, Reviewer, ReviewEvent

    key = make_key(user)
    workspace = key.workspace
    earlier = job(user, workspace, key, "3.00", "3.00", status=S.READY, prompt="A harbour")
    clip = make_ready_clip(earlier)
    comment = Comment.add(clip, "Brighter, please", by=Reviewer(user=user), at_seconds=1)
    Budget.set(workspace, None, Decimal("5"), by=member(workspace, OWNER))
    offer = lifecycle.Offer(True, spec=spec(), estimate=Estimate(Decimal("2.10"), "test"))
    monkeypatch.setattr(lifecycle, "revision_offer", lambda clip: offer)
    url = reverse("review:revise", args=[earlier.public_id, 1])
    data = {
        "idempotency_key": uuid.uuid4().hex,
        "prompt": "A brighter harbour",
        "comments": [str(comment.public_id)],
    }
    response = alice.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "This video is estimated at $2.10" in html and "A brighter harbour" in html
    assert VideoJob.objects.count() == 1
    assert not ReviewEvent.objects.filter(kind=ReviewEvent.Kind.REVISED).exists()


# --- setting budgets --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["alice", "admin"])
def test_owners_and_admins_set_and_remove_budgets(agency, role):
    from django.contrib.auth import get_user_model

    client = logged_in(get_user_model().objects.get(username=role))
    northwind = make_project(agency).client
    url = reverse("spend:budget_set", args=[agency.slug])
    response = client.post(url, {"client": "", "monthly_amount": "100"})
    assert response.status_code == 302
    client.post(url, {"client": str(northwind.public_id), "monthly_amount": "50.5"})
    client.post(url, {"client": "", "monthly_amount": "120"})  # replaces the first
    amounts = dict(Budget.objects.values_list("client__name", "monthly_amount"))
    assert amounts == {None: Decimal("120.00"), "Northwind": Decimal("50.50")}
    html = page(client, agency.slug)
    assert "$120.00" in html and "$50.50" in html and "Save budget" in html
    budget = Budget.objects.get(client=northwind)
    remove = reverse("spend:budget_remove", args=[agency.slug, budget.public_id])
    assert client.post(remove).status_code == 302
    assert not Budget.objects.filter(client=northwind).exists()


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_see_budgets_but_cannot_change_them(agency, role):
    from django.contrib.auth import get_user_model

    budget = Budget.set(agency, None, Decimal("100"), by=member(agency, OWNER))
    client = logged_in(get_user_model().objects.get(username=role))
    html = page(client, agency.slug)
    assert "$100.00" in html and "Save budget" not in html and "Remove" not in html
    url = reverse("spend:budget_set", args=[agency.slug])
    assert client.post(url, {"client": "", "monthly_amount": "1"}).status_code == 403
    remove = reverse("spend:budget_remove", args=[agency.slug, budget.public_id])
    assert client.post(remove).status_code == 403
    assert Budget.objects.get().monthly_amount == Decimal("100")


def test_a_budget_that_makes_no_sense_is_refused_with_a_message(agency, user):
    client = logged_in(user)
    url = reverse("spend:budget_set", args=[agency.slug])
    for amount in ("-5", "abc", ""):
        response = client.post(url, {"client": "", "monthly_amount": amount})
        assert response.status_code == 400 and 'class="field-error"' in response.content.decode()
    # Another workspace's client is not one to choose.
    elsewhere = make_project(make_user("carol").memberships.get().workspace).client
    response = client.post(url, {"client": str(elsewhere.public_id), "monthly_amount": "5"})
    assert response.status_code == 400
    assert not Budget.objects.exists()


def test_the_budgets_show_the_months_spend_and_what_is_left(work, alice, user):
    workspace = work["workspace"]
    Budget.set(workspace, None, Decimal("10"), by=member(workspace, OWNER))
    Budget.set(workspace, work["spring"].client, Decimal("3"), by=member(workspace, OWNER))
    html = page(alice, workspace.slug).split('id="budgets-title"')[1]
    assert "$7.95" in html and "$2.05" in html  # the workspace: 10 - 7.95
    assert "$3.50" in html and "over by $0.50" in html  # Northwind


def test_the_menu_and_the_nav_lead_to_spend(work, alice, user):
    workspace = work["workspace"]
    html = page(alice, workspace.slug)
    assert f'href="{reverse("spend:overview", args=[workspace.slug])}"' in html
    assert f'href="{reverse("spend:overview")}"' in html  # the switcher: all workspaces
    assert ">Spend</a>" in html


# --- two starts at once -----------------------------------------------------------------------


@pytest.mark.skipif(
    "postgres" not in settings.DATABASES["default"]["ENGINE"],
    reason="Runs on PostgreSQL (DATABASE_URL=postgres://...): SQLite's IMMEDIATE transactions "
    "let one writer at a time in, so two starts cannot overlap there.",
)
@pytest.mark.django_db(transaction=True)
def test_two_starts_at_once_cannot_both_pass_a_budget_that_fits_one(user, agency, monkeypatch):
    key = make_key(user, workspace=agency)
    Budget.set(agency, None, Decimal("50"), by=member(agency, OWNER))
    # Each start waits a moment after adding up the month's spend: without the lock on the
    # budget row, both would add up nothing spent and both would pass.
    total = VideoJob.objects.none().charged_total.__func__

    def slow_total(queryset):
        found = total(queryset)
        time.sleep(0.5)
        return found

    monkeypatch.setattr(type(VideoJob.objects.none()), "charged_total", slow_total)
    barrier, outcomes = threading.Barrier(2), []

    def start_one():
        try:
            barrier.wait()
            start(user, key, "30.00")
            outcomes.append("started")
        except OverBudget:
            outcomes.append("refused")
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=start_one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["refused", "started"]
    assert VideoJob.objects.count() == 1
