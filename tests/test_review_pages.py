"""The review pages: a clip's review page for members and for the guests of a share link (one
template, with and without JavaScript), a project's review overview, and revising a clip from a
comment into its next version."""

import re
import uuid

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from review import guests
from review.models import Comment, Reviewer, ReviewEvent, ShareLink, Verdict
from tests.factories import (
    logged_in,
    make_job,
    make_key,
    make_project,
    make_ready_clip,
    member,
)
from tests.helpers import run_in_process
from tests.personas import OWNER, VIEWER
from videos.models import VideoJob

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def project(agency):
    return make_project(agency)


@pytest.fixture
def key(agency, user):
    return make_key(user, workspace=agency, label="Agency key")


@pytest.fixture
def clip(agency, user, project, key):
    job = make_job(
        user,
        agency,
        key=key,
        project=project,
        status=VideoJob.Status.READY,
        prompt="A lighthouse at dawn, slow push in",
        parameters={"duration": 8, "sample_count": 1},
        estimated_cost="3.200000",
    )
    return make_ready_clip(job, duration=8.0)


def page_url(clip, name="review:clip"):
    return reverse(name, args=[clip.job.public_id, clip.number])


def comment_url(clip, name, comment):
    return reverse(name, args=[clip.job.public_id, clip.number, comment.public_id])


def as_role(agency, role):
    return logged_in(agency.memberships.get(user__username=role).user)


def alice_says(agency, clip, body, at=None):
    return Comment.add(clip, body, by=Reviewer.member(member(agency, OWNER)), at_seconds=at)


# --- the member page ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["alice", "admin", "member", "viewer"])
def test_every_role_reviews_but_only_generators_revise(agency, clip, role):
    alice_says(agency, clip, "Logo too small", at="0:03")
    page = as_role(agency, role).get(page_url(clip))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="body"' in html and "Approve" in html and "Request changes" in html
    assert reverse("videos:clip_file", args=[clip.job.public_id, 1]) in html
    assert ("Revise from feedback" in html) == (role != "viewer")


def test_strangers_get_404_and_anonymous_visitors_log_in(clip, other_user):
    assert logged_in(other_user).get(page_url(clip)).status_code == 404
    assert Client().get(page_url(clip))["Location"].startswith(reverse("login"))


def test_a_clip_not_in_storage_has_no_review_page(agency, clip):
    clip.job.clips.update(status="pending")
    assert as_role(agency, "alice").get(page_url(clip)).status_code == 404


def test_a_comment_without_javascript_pins_a_moment_and_marks_the_timeline(agency, clip):
    alice = as_role(agency, "alice")
    response = alice.post(
        page_url(clip, "review:comment"), {"body": "Brighter sky here", "at": "0:02.5"}
    )
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(clip)}#comment-{comment.public_id}"
    assert comment.at_seconds == pytest.approx(2.5) and comment.author.username == "alice"
    html = alice.get(page_url(clip)).content.decode()
    video = reverse("videos:clip_file", args=[clip.job.public_id, 1])
    assert f'href="{video}#t=2.50" data-seek="2.50"' in html  # the marker and the timecode
    assert html.count('data-seek="2.50"') == 2
    assert 'data-percent="31.25"' in html  # 2.5 s of 8 s
    assert "1 open comment on the timeline" in html


def test_a_comment_with_htmx_gets_the_thread_and_the_timeline(agency, clip):
    response = as_role(agency, "viewer").post(
        page_url(clip, "review:comment"), {"body": "Love it", "at": "1"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert '<section id="thread"' in html and "Love it" in html
    assert 'id="timeline" class="timeline" hx-swap-oob="true"' in html


@pytest.mark.parametrize(
    ("data", "message", "kept"),
    [
        ({"body": "", "at": "0:04"}, "Write something first.", 'value="0:04"'),
        ({"body": "   ", "at": ""}, "Write something first.", 'name="body"'),
        ({"body": "Cut here", "at": "0:30"}, "past the end of the clip", "Cut here</textarea>"),
        ({"body": "Cut here", "at": "soon"}, "seconds or m:ss", "Cut here</textarea>"),
    ],
)
def test_bad_comments_say_why_and_keep_what_was_typed(agency, clip, data, message, kept):
    alice = as_role(agency, "alice")
    response = alice.post(page_url(clip, "review:comment"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and kept in html
    fragment = alice.post(page_url(clip, "review:comment"), data, **HTMX)
    assert fragment.status_code == 200  # htmx swaps only 2xx answers: the error is inside
    assert message in fragment.content.decode() and kept in fragment.content.decode()
    assert not Comment.objects.exists()


def test_a_reply_to_a_comment_that_is_gone_keeps_the_reply(agency, clip):
    gone = alice_says(agency, clip, "Soon deleted")
    url = comment_url(clip, "review:reply", gone)
    gone.delete()
    response = as_role(agency, "member").post(url, {"body": "My careful answer"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "no longer exists" in html and "My careful answer</textarea>" in html


def test_replies_resolve_and_reopen(agency, clip):
    comment = alice_says(agency, clip, "Too dark", at="0:01")
    viewer = as_role(agency, "viewer")
    empty = viewer.post(comment_url(clip, "review:reply", comment), {"body": ""})
    assert empty.status_code == 400 and "Write something first." in empty.content.decode()
    viewer.post(comment_url(clip, "review:reply", comment), {"body": "Agreed"})
    assert comment.replies.get().body == "Agreed"
    response = viewer.post(comment_url(clip, "review:resolve", comment), **HTMX)
    html = response.content.decode()
    assert "Resolved by viewer" in html and "No open time-coded comments" in html
    assert "Reopen" in html
    viewer.post(comment_url(clip, "review:reopen", comment))
    comment.refresh_from_db()
    assert comment.resolved_at is None
    missing = comment_url(clip, "review:resolve", comment).replace(
        str(comment.public_id), str(uuid.uuid4())
    )
    assert viewer.post(missing).status_code == 404


def test_members_approve_directly_and_the_standing_shows_who_said_what(agency, clip):
    response = as_role(agency, "viewer").post(
        page_url(clip, "review:verdict"), {"state": "approved"}
    )
    assert response.status_code == 302
    fragment = as_role(agency, "member").post(
        page_url(clip, "review:verdict"), {"state": "changes_requested"}, **HTMX
    )
    html = fragment.content.decode()
    assert '<section id="verdicts"' in html and "<html" not in html
    assert "badge-standing-changes_requested" in html
    assert "<strong>viewer</strong>" in html and "Approved" in html
    bad = as_role(agency, "alice").post(page_url(clip, "review:verdict"), {"state": "maybe"})
    assert bad.status_code == 400 and "Choose approve or request changes." in bad.content.decode()
    assert Verdict.objects.count() == 2


def test_a_clip_page_of_another_workspace_is_404_for_every_action(agency, clip, other_user):
    stranger = logged_in(other_user)
    comment = alice_says(agency, clip, "Hi")
    assert stranger.post(page_url(clip, "review:comment"), {"body": "x"}).status_code == 404
    assert stranger.post(comment_url(clip, "review:resolve", comment)).status_code == 404
    assert stranger.post(page_url(clip, "review:verdict"), {"state": "approved"}).status_code == 404


# --- guests -------------------------------------------------------------------------------------


def guest_client(link, name="Dana"):
    """A visitor admitted to ``link`` as ``name`` (what the link's gate does)."""
    client = Client()
    session = SessionStore()
    session[guests.SESSION_KEY] = {link.token_digest: name}
    session.create()
    client.cookies["sessionid"] = session.session_key
    return client


def share(agency, project, **rights):
    link, token = ShareLink.create(by=member(agency, OWNER), project=project, **rights)
    return link, token


def guest_url(name, token, clip, *extra):
    return reverse(name, args=[token, clip.job.public_id, clip.number, *extra])


def test_a_guest_sees_the_same_page_without_member_parts(agency, project, clip, key):
    alice_says(agency, clip, "Logo too small", at="0:03")
    link, token = share(agency, project, can_approve=True)
    response = guest_client(link).get(guest_url("review:guest_clip", token, clip))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Logo too small" in html and "reviewing as Dana" in html
    assert guest_url("review:guest_comment", token, clip) in html
    for secret in (key.label, key.masked, key.reveal(), "$3.20", "Estimated", clip.job.prompt):
        assert secret not in html, secret
    for member_only in ("Revise", "/keys/", "Compare", "Download"):
        assert member_only not in html, member_only
    # No member page or member media URL at all: every URL on it is under the link.
    assert '"/videos/' not in html and f'"{clip.job.get_absolute_url()}' not in html
    assert f'src="/s/{token}/videos/{clip.job.public_id}/clips/1/video"' in html


def test_a_guest_comments_and_replies_as_a_guest(agency, project, clip):
    link, token = share(agency, project)
    dana = guest_client(link)
    response = dana.post(guest_url("review:guest_comment", token, clip), {"body": "Nice", "at": ""})
    assert response.status_code == 302
    assert response["Location"].startswith(guest_url("review:guest_clip", token, clip))
    comment = Comment.objects.get()
    assert comment.guest_name == "Dana" and comment.link == link and comment.author is None
    dana.post(guest_url("review:guest_reply", token, clip, comment.public_id), {"body": "Also"})
    page = dana.get(guest_url("review:guest_clip", token, clip)).content.decode()
    assert page.count("(guest)") == 2
    event = ReviewEvent.objects.filter(kind=ReviewEvent.Kind.COMMENTED).get()
    assert event.by_guest and event.actor_name == "Dana"


def test_a_guest_approval_is_confirmed_first(agency, project, clip):
    link, token = share(agency, project, can_approve=True)
    dana, url = guest_client(link), guest_url("review:guest_verdict", token, clip)
    question = dana.post(url, {"state": "approved"})
    html = question.content.decode()
    assert question.status_code == 200 and not Verdict.objects.exists()
    assert f"Approve version 1 of “{project.name}”?" in html
    assert "This tells the team the clip is final" in html
    fragment = dana.post(url, {"state": "approved"}, **HTMX).content.decode()
    assert "Yes, approve it" in fragment and "<html" not in fragment
    assert not Verdict.objects.exists()
    assert dana.post(url, {"state": "approved", "confirm": "on"}).status_code == 302
    verdict = Verdict.objects.get()
    assert (verdict.guest_name, verdict.state, verdict.link) == ("Dana", "approved", link)
    event = ReviewEvent.objects.get(kind=ReviewEvent.Kind.APPROVED)
    assert event.detail == "version 1" and event.by_guest
    # Asking for changes needs no confirming.
    dana.post(url, {"state": "changes_requested"})
    assert Verdict.objects.get().state == "changes_requested"


def test_a_guest_cannot_do_what_the_link_does_not_allow(agency, project, clip):
    comment = alice_says(agency, clip, "Hi")
    link, token = share(agency, project, can_comment=False, can_approve=False)
    dana = guest_client(link)
    html = dana.get(guest_url("review:guest_clip", token, clip)).content.decode()
    assert 'name="body"' not in html and "Approve" not in html and "Resolve" not in html
    posts = [
        (guest_url("review:guest_comment", token, clip), {"body": "x"}),
        (guest_url("review:guest_reply", token, clip, comment.public_id), {"body": "x"}),
        (guest_url("review:guest_resolve", token, clip, comment.public_id), {}),
        (guest_url("review:guest_reopen", token, clip, comment.public_id), {}),
        (guest_url("review:guest_verdict", token, clip), {"state": "approved", "confirm": "on"}),
    ]
    for url, data in posts:
        assert dana.post(url, data).status_code == 403, url
    assert Comment.objects.count() == 1 and not Verdict.objects.exists()


def test_a_guest_resolves_and_reopens_only_their_own_comments(agency, project, clip):
    link, token = share(agency, project)
    other_link, _ = share(agency, project)
    team = alice_says(agency, clip, "Team: warmer grade")
    resolved_team = alice_says(agency, clip, "Team: done already")
    resolved_team.resolve(by=Reviewer.member(member(agency, OWNER)))
    erin = Comment.add(clip, "Erin: louder music", by=Reviewer.guest(link, "Erin"))
    elsewhere = Comment.add(clip, "Dana elsewhere", by=Reviewer.guest(other_link, "Dana"))
    mine = Comment.add(clip, "Dana: bigger logo", by=Reviewer.guest(link, "Dana"))
    dana = guest_client(link)
    page = dana.get(guest_url("review:guest_clip", token, clip)).content.decode()
    assert page.count(">Resolve</button>") == 1  # only on her own comment
    assert ">Reopen</button>" not in page
    before = {c.pk: (c.resolved_at, c.resolved_by_name, c.body) for c in Comment.objects.all()}
    for comment in (team, erin, elsewhere):
        for name in ("review:guest_resolve", "review:guest_reopen"):
            url = guest_url(name, token, clip, comment.public_id)
            assert dana.post(url).status_code == 403, (name, comment.body)
            assert dana.post(url, **HTMX).status_code == 403, (name, comment.body)
    url = guest_url("review:guest_reopen", token, clip, resolved_team.public_id)
    assert dana.post(url).status_code == 403
    after = {c.pk: (c.resolved_at, c.resolved_by_name, c.body) for c in Comment.objects.all()}
    assert after == before
    kinds = set(ReviewEvent.objects.values_list("kind", flat=True))
    assert ReviewEvent.Kind.REOPENED not in kinds
    assert ReviewEvent.objects.filter(kind=ReviewEvent.Kind.RESOLVED).count() == 1  # alice's
    # Her own: resolved and reopened.
    url = guest_url("review:guest_resolve", token, clip, mine.public_id)
    assert dana.post(url).status_code == 302
    mine.refresh_from_db()
    assert mine.resolved_by_name == "Dana"
    url = guest_url("review:guest_reopen", token, clip, mine.public_id)
    assert dana.post(url).status_code == 302
    mine.refresh_from_db()
    assert mine.resolved_at is None


def test_a_guest_s_comments_are_rate_limited_and_what_they_wrote_is_kept(
    agency, project, clip, settings
):
    settings.GUEST_COMMENT_RATE = (3, 600)
    link, token = share(agency, project)
    dana = guest_client(link)
    url = guest_url("review:guest_comment", token, clip)
    for n in range(3):
        assert dana.post(url, {"body": f"Note {n}"}).status_code == 302
    refused = dana.post(url, {"body": "One note too many"})
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 600
    html = refused.content.decode()
    assert "You have posted many comments in a short time. Wait 10 minutes" in html
    assert "One note too many" in html  # kept in the form
    fragment = dana.post(url, {"body": "Again"}, **HTMX)
    assert fragment.status_code == 200 and "Wait 10 minutes" in fragment.content.decode()
    first = Comment.objects.get(body="Note 0")
    reply = guest_url("review:guest_reply", token, clip, first.public_id)
    assert dana.post(reply, {"body": "A reply"}).status_code == 429
    # Another name from the same address is counted with it; the team is never limited.
    assert guest_client(link, "Erin").post(url, {"body": "Erin's"}).status_code == 429
    assert Comment.objects.count() == 3
    alice_says(agency, clip, "Team remark")
    assert Comment.objects.count() == 4


def test_a_guest_link_opens_only_its_own_clips(agency, user, project, clip, key):
    other = make_project(agency, name="Autumn")
    elsewhere = make_ready_clip(make_job(user, agency, key=key, project=other, status="ready"))
    link, token = share(agency, project, can_approve=True)
    dana = guest_client(link)
    assert dana.get(guest_url("review:guest_clip", token, elsewhere)).status_code == 404
    url = guest_url("review:guest_comment", token, elsewhere)
    assert dana.post(url, {"body": "x"}).status_code == 404
    # Another link's guest, a revoked link and a made-up one see nothing either.
    assert guest_client(link).get(guest_url("review:guest_clip", "nope" * 8, clip)).status_code == (
        404
    )
    link.revoke(by=member(agency, OWNER))
    assert dana.get(guest_url("review:guest_clip", token, clip)).status_code == 404


def test_a_visitor_who_has_not_given_a_name_is_sent_to_the_gate(agency, project, clip):
    _, token = share(agency, project)
    gate = reverse("share:gate", args=[token])
    response = Client().get(guest_url("review:guest_clip", token, clip))
    assert response.status_code == 302 and response["Location"] == gate


# --- the project page ---------------------------------------------------------------------------


def project_url(project):
    return reverse("review:project", args=[project.workspace.slug, project.public_id])


def test_the_project_page_shows_every_video_newest_version_first(agency, user, project, clip):
    second = make_job(
        user,
        agency,
        project=project,
        status="ready",
        prompt="Lighthouse v2",
        parent=clip,
        continuation="revise",
        version=2,
    )
    newer = make_ready_clip(second)
    alice_says(agency, newer, "Better", at="0:01")
    link, _ = share(agency, project, can_approve=True)
    Verdict.decide(newer, "approved", by=Reviewer.guest(link, "Dana"))
    Verdict.decide(clip, "changes_requested", by=Reviewer.member(member(agency, VIEWER)))
    response = as_role(agency, "viewer").get(project_url(project))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Lighthouse v2") < html.index("A lighthouse at dawn")
    assert ">Version 2</span>" in html and ">Version 1</span>" in html
    assert "Dana (guest): Approved" in html and "viewer: Changes requested" in html
    assert "1 open comment" in html and page_url(newer) in html
    trail = html.split('id="trail-title"')[1]
    assert 'Dana</strong> <span class="muted small">(guest)</span> approved' in trail
    assert "alice</strong> commented on version 2" in trail
    assert "viewer</strong> requested changes on version 1" in trail


def test_the_project_page_is_for_the_project_s_workspace_only(agency, project, other_user):
    assert logged_in(other_user).get(project_url(project)).status_code == 404
    wrong_slug = reverse("review:project", args=["elsewhere", project.public_id])
    assert as_role(agency, "alice").get(wrong_slug).status_code == 404


def test_the_project_page_runs_a_constant_number_of_queries(agency, user, project, key):
    alice = as_role(agency, "alice")

    def add_videos(count):
        for n in range(count):
            job = make_job(user, agency, key=key, project=project, status="ready", prompt=f"{n}")
            clip = make_ready_clip(job)
            alice_says(agency, clip, f"Note {n}", at="0:01")
            Verdict.decide(clip, "approved", by=Reviewer.member(member(agency, OWNER)))

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert alice.get(project_url(project)).status_code == 200
        return len(queries)

    add_videos(1)
    one = count_queries()
    add_videos(4)
    assert count_queries() == one


def test_clients_and_job_pages_link_to_review(agency, project, clip):
    alice = as_role(agency, "alice")
    clients = alice.get(reverse("workspaces:clients", args=[agency.slug])).content.decode()
    assert project_url(project) in clients
    job = alice.get(clip.job.get_absolute_url()).content.decode()
    assert page_url(clip) in job


# --- revising from feedback ---------------------------------------------------------------------


@pytest.fixture
def sandbox_clip(agency, user, project, reachable):
    """A clip made at the sandbox with a key of the agency, so revisions can be sent."""
    from tests.helpers import run_spec

    key = make_key(user, workspace=agency, label="Agency key")
    # Made there for real: an edit is only offered while the provider keeps the job.
    job = run_spec(
        user, key, "lighthouse", model="google/veo-3.1", prompt="A lighthouse at dawn", duration=8
    )
    VideoJob.objects.filter(pk=job.pk).update(project=project)
    return job.clips.get()


def revise_url(clip, *comments):
    """The revise page of ``clip``, with ``comments`` ticked (none named: every open one)."""
    url = page_url(clip, "review:revise")
    return url + "".join(
        f"{'&' if n else '?'}comments={c.public_id}" for n, c in enumerate(comments)
    )


def answering(*comments, **data):
    """A revise form's POST data answering ``comments``."""
    return {"comments": [str(c.public_id) for c in comments], **data}


def test_revise_shows_what_will_be_sent_and_what_it_costs(agency, sandbox_clip):
    comment = alice_says(agency, sandbox_clip, "Make the sky pink", at="0:02")
    response = as_role(agency, "member").get(revise_url(sandbox_clip, comment))
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "A lighthouse at dawn\n\nChanges from the previous version:\n- At 0:02: Make the sky pink"
        in html
    )
    assert re.search(r"Estimated cost: <strong>\$\d+\.\d\d</strong>", html)
    assert "Veo 3.1" in html and "Agency key" in html and "Make version 2" in html
    assert 'name="idempotency_key" value="' in html


def test_revise_starts_the_next_version_once(agency, user, project, sandbox_clip):
    comment = alice_says(agency, sandbox_clip, "Make the sky pink")
    client = as_role(agency, "member")
    data = answering(comment, idempotency_key="rev-1", prompt="A lighthouse at dawn, pink sky")
    first = client.post(revise_url(sandbox_clip), data)
    again = client.post(revise_url(sandbox_clip), data)
    new = VideoJob.objects.get(idempotency_key="rev-1")
    assert first["Location"] == again["Location"] == new.get_absolute_url()
    assert VideoJob.objects.count() == 2
    assert new.prompt == "A lighthouse at dawn, pink sky" and new.parent == sandbox_clip
    assert (new.version, new.continuation, new.project) == (2, "revise", project)
    assert new.key == sandbox_clip.job.key and new.workspace == agency
    assert new.owner.username == "member" and new.model == "google/veo-3.1"
    assert new.parameters == sandbox_clip.job.parameters and new.estimated_cost is not None
    event = ReviewEvent.objects.get(kind=ReviewEvent.Kind.REVISED)
    assert event.actor_name == "member" and event.clip == sandbox_clip
    assert "Make the sky pink" in event.detail


def test_revise_refuses_viewers_strangers_and_bad_input(agency, sandbox_clip, other_user):
    comment = alice_says(agency, sandbox_clip, "Pinker")
    url = revise_url(sandbox_clip, comment)
    assert as_role(agency, "viewer").get(url).status_code == 403
    assert (
        as_role(agency, "viewer").post(url, {"idempotency_key": "v", "prompt": "x"}).status_code
        == 403
    )
    assert logged_in(other_user).get(url).status_code == 404
    member_client = as_role(agency, "member")
    empty = member_client.post(url, answering(comment, idempotency_key="e", prompt=""))
    assert empty.status_code == 400 and "The prompt cannot be empty." in empty.content.decode()
    none = member_client.post(url, {"idempotency_key": "n", "prompt": "Pinker"})
    assert none.status_code == 400 and "Tick the comments this version answers." in (
        none.content.decode()
    )
    unknown = member_client.post(url, answering(Comment(), idempotency_key="u", prompt="Pinker"))
    assert unknown.status_code == 400 and 'value="Pinker"' not in unknown.content.decode()
    missing = reverse("review:revise", args=[uuid.uuid4(), 1])
    assert member_client.get(missing).status_code == 404
    assert VideoJob.objects.count() == 1
    comment.resolve(by=Reviewer.member(member(agency, OWNER)))
    nothing_open = member_client.get(url)
    assert nothing_open.status_code == 302 and nothing_open["Location"] == page_url(sandbox_clip)


def test_revise_needs_a_usable_key(agency, sandbox_clip):
    comment = alice_says(agency, sandbox_clip, "Pinker")
    sandbox_clip.job.key.delete()
    response = as_role(agency, "member").get(revise_url(sandbox_clip, comment))
    assert response.status_code == 302 and response["Location"] == page_url(sandbox_clip)


@pytest.mark.django_db(transaction=True)
def test_a_finished_revision_is_the_clip_s_next_version(agency, user, project, reachable):
    from providers.base import JobSpec
    from videos import lifecycle

    key = make_key(user, workspace=agency, label="Agency key")
    first, _ = lifecycle.start_job(
        user,
        key,
        JobSpec(model="google/veo-3.1", prompt="A kite", duration=8),
        "k1",
        project=project,
    )
    first = run_in_process(first)
    assert first.status == VideoJob.Status.READY, first.error
    clip = first.clips.get()
    comment = alice_says(agency, clip, "Make it red")
    alice = as_role(agency, "alice")
    alice.post(revise_url(clip), answering(comment, idempotency_key="r1", prompt="A red kite"))
    second = run_in_process(VideoJob.objects.get(idempotency_key="r1"))
    assert second.status == VideoJob.Status.READY, second.error
    new_clip = second.clips.get()
    html = alice.get(page_url(new_clip)).content.decode()
    assert 'aria-current="page">Version 2</span>' in html and "revised from feedback" in html
    compare_url = reverse("videos:job_compare", args=[second.public_id])
    assert f'href="{compare_url}?with={first.public_id}">Compare with this version<' in html
    compare = alice.get(reverse("videos:job_compare", args=[second.public_id])).content.decode()
    assert "Version 2 revises version 1 from feedback" in compare
    job_page = alice.get(second.get_absolute_url()).content.decode()
    assert "revised from feedback" in job_page


def test_resolving_a_reply_says_to_resolve_its_comment(agency, clip):
    comment = alice_says(agency, clip, "Too dark")
    reply = Comment.add(clip, "Agreed", by=Reviewer.member(member(agency, VIEWER)), parent=comment)
    alice = as_role(agency, "alice")
    url = comment_url(clip, "review:resolve", reply)
    response = alice.post(url)
    assert response.status_code == 400
    assert "Resolve the comment a reply belongs to." in response.content.decode()
    fragment = alice.post(url, **HTMX).content.decode()
    assert "Resolve the comment a reply belongs to." in fragment and "<html" not in fragment


def test_a_bad_verdict_is_explained_inside_the_fragment(agency, clip):
    url = page_url(clip, "review:verdict")
    fragment = as_role(agency, "alice").post(url, {"state": "in_review"}, **HTMX)
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "Choose approve or request changes." in html
    assert '<section id="verdicts"' in html and not Verdict.objects.exists()


def test_a_guest_sees_only_the_versions_their_link_shows(agency, user, project, clip):
    second = make_job(
        user, agency, project=project, status="ready", parent=clip, continuation="revise", version=2
    )
    newer = make_ready_clip(second)
    unshared = make_ready_clip(make_job(user, agency, project=project, status="ready"))
    job_link, token = ShareLink.create(by=member(agency, OWNER), job=second)
    html = guest_client(job_link).get(guest_url("review:guest_clip", token, newer)).content
    assert guest_url("review:guest_clip", token, clip).encode() in html  # the video's versions
    assert str(unshared.job.public_id).encode() not in html
    project_link, token = share(agency, project)
    html = guest_client(project_link).get(guest_url("review:guest_clip", token, newer)).content
    assert guest_url("review:guest_clip", token, clip).encode() in html
    assert b"revised from feedback" in html
    # Guests compare through their link, never through the members' page.
    compare = reverse("share:compare", args=[token, second.public_id])
    assert f"{compare}?with={clip.job.public_id}".encode() in html
    assert f'href="{reverse("videos:job_compare", args=[second.public_id])}'.encode() not in html


def test_a_revision_is_a_new_generation_and_a_new_take_stays_a_revision(agency, sandbox_clip):
    from videos import lifecycle

    revised, _ = lifecycle.revise_clip(sandbox_clip, "A pink lighthouse", "rev-2")
    assert lifecycle.spec_for(revised).parent is None  # nothing of the clip is sent along
    take, _ = lifecycle.resubmit(revised, "rev-3")
    assert (take.continuation, take.parent, take.version) == ("revise", sandbox_clip, 2)
    assert take.prompt == "A pink lighthouse"


def test_where_the_model_edits_clips_a_revision_can_edit_the_clip_itself(
    agency, project, sandbox_clip
):
    comment = alice_says(agency, sandbox_clip, "Make the sky pink", at="0:02")
    client = as_role(agency, "member")
    url = revise_url(sandbox_clip, comment)
    assert "Edit this clip instead" in client.get(url).content.decode()
    page = client.get(f"{url}&way=edit").content.decode()
    assert "Edit instruction sent to the provider" in page
    assert "\nAt 0:02: Make the sky pink</textarea>" in page and "Edit into version 2" in page
    assert re.search(r"Estimated cost: <strong>\$\d+\.\d\d</strong>", page)
    data = answering(comment, idempotency_key="edit-1", prompt="Make the sky pink")
    response = client.post(f"{page_url(sandbox_clip, 'review:revise')}?way=edit", data)
    new = VideoJob.objects.get(idempotency_key="edit-1")
    assert response["Location"] == new.get_absolute_url()
    assert (new.continuation, new.parent, new.version, new.project) == (
        "edit",
        sandbox_clip,
        2,
        project,
    )
    assert new.prompt == "Make the sky pink"
    assert ReviewEvent.objects.filter(kind=ReviewEvent.Kind.REVISED, clip=sandbox_clip).exists()


def test_where_the_model_cannot_edit_the_revision_is_a_new_generation(agency, sandbox_clip):
    comment = alice_says(agency, sandbox_clip, "Pinker")
    VideoJob.objects.filter(pk=sandbox_clip.job.pk).update(provider_job_id="")  # nothing to edit
    client = as_role(agency, "member")
    page = client.get(f"{revise_url(sandbox_clip, comment)}&way=edit").content.decode()
    assert "Edit this clip instead" not in page and "Make version 2" in page


# --- links to a project's videos, sharing from the job page, revising from several comments -----


def test_the_project_page_counts_links_to_its_videos_too(agency, project, clip):
    alice = as_role(agency, "alice")
    assert "No live share link" in alice.get(project_url(project)).content.decode()
    ShareLink.create(by=member(agency, OWNER), job=clip.job, label="Dana's video")
    html = alice.get(project_url(project)).content.decode()
    assert "No live share link" not in html
    assert "1 live share link: 1 to a single video (with every version of it)" in html
    share(agency, project)
    html = alice.get(project_url(project)).content.decode()
    assert "2 live share links: 1 to the whole project" in html
    # The project's links page lists the video's link, to revoke it there.
    links = reverse("share:project_links", args=[agency.slug, project.public_id])
    page = alice.get(links).content.decode()
    assert "Links to single videos of this project" in page and "Dana&#x27;s video" in page


def test_the_finished_job_s_panel_offers_sharing_beside_download(agency, clip):
    live = reverse("videos:job_live", args=[clip.job.public_id])
    panel = as_role(agency, "member").get(live, **HTMX).content.decode()
    actions = panel.split('class="carousel-actions"')[1].split("</div>")[0]
    share_url = reverse("share:job_links", args=[clip.job.public_id])
    assert f'href="{share_url}">Share with a client</a>' in actions and "Download" in actions
    # Without JavaScript (no carousel bar) it sits among the video's other actions.
    assert f'class="button no-js-share" href="{share_url}"' in panel
    assert share_url not in as_role(agency, "viewer").get(live, **HTMX).content.decode()


def test_one_revision_answers_several_comments_each_quoted_with_its_moment(
    agency, project, sandbox_clip
):
    link, token = share(agency, project, can_comment=True)
    logo = Comment.add(
        sandbox_clip, "Make the logo bigger", by=Reviewer.guest(link, "Dana"), at_seconds="0:02"
    )
    warmer = alice_says(agency, sandbox_clip, "Warmer colours\nthroughout")
    later = alice_says(agency, sandbox_clip, "Maybe a new ending", at="0:06")
    client = as_role(agency, "member")
    page = client.get(revise_url(sandbox_clip, logo, warmer)).content.decode()
    assert (
        "A lighthouse at dawn\n\nChanges from the previous version:\n"
        "- Whole clip: Warmer colours throughout\n- At 0:02: Make the logo bigger</textarea>"
    ) in page
    assert page.count('name="comments"') == 3 and page.count("checked") == 2
    # Ticking another set writes the prompt again, and starts nothing.
    rewrite = client.post(
        revise_url(sandbox_clip), answering(later, idempotency_key="k", rewrite="1", prompt="x")
    )
    assert "- At 0:06: Maybe a new ending</textarea>" in rewrite.content.decode()
    assert VideoJob.objects.count() == 1
    data = answering(logo, warmer, idempotency_key="both", prompt="A lighthouse, bigger logo")
    response = client.post(revise_url(sandbox_clip), data)
    new = VideoJob.objects.get(idempotency_key="both")
    assert response["Location"] == new.get_absolute_url() and new.version == 2
    for comment in (logo, warmer, later):
        comment.refresh_from_db()
    assert logo.addressed_by == warmer.addressed_by == new and later.addressed_by is None
    assert logo.resolved_at and warmer.resolved_at and later.resolved_at is None
    event = ReviewEvent.objects.get(kind=ReviewEvent.Kind.REVISED)
    assert "Dana, At 0:02: Make the logo bigger" in event.detail and "Warmer" in event.detail
    # Version 1 says where each was answered; version 2 shows what it answers, to the client too.
    newer = make_ready_clip(new)
    VideoJob.objects.filter(pk=new.pk).update(status=VideoJob.Status.READY)
    old_page = client.get(page_url(sandbox_clip)).content.decode()
    assert old_page.count("Addressed in version 2") == 2 and page_url(newer) in old_page
    dana = guest_client(link).get(guest_url("review:guest_clip", token, newer)).content.decode()
    assert "Made from 2 comments on version 1" in dana
    assert "Make the logo bigger" in dana and "Addressed in this version" in dana
    # Reopened, a comment is open again and no longer answered.
    logo.reopen(by=Reviewer.member(member(agency, OWNER)))
    logo.refresh_from_db()
    assert logo.addressed_by is None and logo.resolved_at is None
