"""Notifications: what a client's review and a job's end tell whom, the badge, the inbox page,
and the e-mail sent once the change is committed."""

import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.tasks import TaskResultStatus
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from inbox.models import EmailDigest, Notification, notify, send_email_digest
from review.models import Comment, Reviewer, ShareLink, Verdict
from tests.factories import logged_in, make_job, make_project, make_ready_clip, make_user, member
from tests.personas import ADMIN, MEMBER, OWNER, VIEWER
from videos import lifecycle
from videos.models import Clip, VideoJob
from workspaces.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def clip(agency, user):
    project = make_project(agency, name="Spring launch")
    job = make_job(
        user, agency, project=project, status=VideoJob.Status.READY, prompt="Dawn", version=2
    )
    return make_ready_clip(job)


@pytest.fixture
def link(agency, clip):
    made, _ = ShareLink.create(
        by=member(agency, OWNER), project=clip.job.project, label="Spring link", can_approve=True
    )
    return made


def recipients(**lookup) -> set[str]:
    rows = Notification.objects.filter(**lookup).select_related("recipient")
    return {row.recipient.username for row in rows}


def test_a_guest_comment_tells_the_team_that_makes_videos_and_mails_them_after_commit(
    agency, clip, link, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Comment.add(clip, "Warmer light please", by=Reviewer.guest(link, "Dana"))
        assert mail.outbox == []  # nothing is sent before the comment is committed
    # The owner (who also started the job), the admin and the member; not the viewer.
    assert recipients() == {"alice", "admin", "member"}
    note = Notification.objects.filter(recipient__username="member").get()
    assert (
        note.text == "Dana (client, via “Spring link”) commented on “Dawn · version 2”, clip 1 "
        "in Spring launch"
    )
    assert note.kind == Notification.Kind.CLIENT_COMMENT and note.read_at is None
    assert note.url == reverse("review:clip", args=[clip.job.public_id, 1])
    assert note.workspace == agency
    for callback in callbacks:
        callback()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "admin@example.com",
        "alice@example.com",
        "member@example.com",
    ]
    assert all(len(message.to) == 1 for message in mail.outbox)  # one message each
    assert note.text in mail.outbox[0].body and note.url in mail.outbox[0].body


TEAM_ADDRESSES = ["admin@example.com", "alice@example.com", "member@example.com"]
# Whatever a guest types as their name: never in a subject, where it would look like ours.
BAIT = "URGENT from your bank: wire 5000 USD today"


def queued_digests():
    return DBTaskResult.objects.filter(
        task_path=send_email_digest.module_path, status=TaskResultStatus.READY
    )


def test_a_burst_of_guest_comments_makes_one_e_mail_each_then_one_digest(
    agency, clip, link, settings, django_capture_on_commit_callbacks
):
    settings.CLIENT_EMAIL_INTERVAL_SECONDS = 300
    guest = Reviewer.guest(link, BAIT)
    for n in range(12):  # one request each
        with django_capture_on_commit_callbacks(execute=True):
            Comment.add(clip, f"Remark {n}", by=guest)
    # Everyone sees every comment in the app, but only the first came by e-mail, at once.
    assert Notification.objects.filter(recipient__username="member").count() == 12
    assert sorted(message.to[0] for message in mail.outbox) == TEAM_ADDRESSES
    first = mail.outbox[0]
    assert "new since" not in first.body  # this one comment
    assert BAIT in first.body and reverse("review:clip", args=[clip.job.public_id, 1]) in first.body
    # The rest wait for one send each, queued (so kept by a restarted worker) for when the
    # interval since that e-mail ends.
    queued = list(queued_digests())
    assert len(queued) == 3
    for row in queued:
        assert 290 < (row.run_after - timezone.now()).total_seconds() <= 300
    sent_first = list(mail.outbox)
    mail.outbox.clear()
    for row in queued:
        send_email_digest.call(*row.args_kwargs["args"])
        send_email_digest.call(*row.args_kwargs["args"])  # run twice: sends once
    assert sorted(message.to[0] for message in mail.outbox) == TEAM_ADDRESSES
    digest = mail.outbox[0].body
    assert "11 new since the last e-mail:" in digest
    assert digest.count(f"{BAIT} (client") == EmailDigest.LISTED
    assert "And 1 more: see them in the app." in digest
    for message in sent_first + mail.outbox:
        assert message.subject == "Client feedback through share link “Spring link”"
    assert not Notification.objects.filter(email_pending=True).exists()
    assert not EmailDigest.objects.filter(due_at__isnull=False).exists()  # nothing owed


def test_an_e_mail_a_dead_worker_owed_is_sent_by_the_recovery(
    agency, clip, link, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Comment.add(clip, "First", by=Reviewer.guest(link, "Dana"))
    with django_capture_on_commit_callbacks(execute=True):
        Verdict.decide(clip, Verdict.State.CHANGES_REQUESTED, by=Reviewer.guest(link, "Dana"))
    assert len(mail.outbox) == 3
    mail.outbox.clear()
    # The worker that took the queued sends died while sending them, long ago.
    queued_digests().update(status=TaskResultStatus.RUNNING)
    long_ago = timezone.now() - timedelta(seconds=settings.RECOVERY_GRACE_SECONDS + 400)
    EmailDigest.objects.update(due_at=long_ago)
    outcomes = lifecycle.recovery_ran.send_robust(sender=VideoJob)
    assert not [outcome for _, outcome in outcomes if isinstance(outcome, Exception)]
    assert sorted(message.to[0] for message in mail.outbox) == TEAM_ADDRESSES
    assert all("requested changes" in message.body for message in mail.outbox)
    assert not EmailDigest.objects.filter(due_at__isnull=False).exists()


def test_a_guest_verdict_says_what_they_decided(agency, clip, link):
    Verdict.decide(clip, Verdict.State.CHANGES_REQUESTED, by=Reviewer.guest(link, "Dana"))
    note = Notification.objects.filter(recipient__username="admin").get()
    assert note.text == (
        "Dana (client, via “Spring link”) requested changes on “Dawn · version 2”, clip 1 "
        "in Spring launch"
    )
    assert note.kind == Notification.Kind.CLIENT_VERDICT


def test_the_job_starter_hears_even_as_a_viewer_but_not_once_they_left(agency, clip, link):
    viewer = member(agency, VIEWER)
    VideoJob.objects.filter(pk=clip.job_id).update(owner=viewer.user)
    clip.job.refresh_from_db()
    Comment.add(clip, "Nice", by=Reviewer.guest(link, "Dana"))
    assert "viewer" in recipients()
    Notification.objects.all().delete()
    viewer.delete()
    Comment.add(clip, "Nice again", by=Reviewer.guest(link, "Dana"))
    assert recipients() == {"alice", "admin", "member"}


def test_a_members_own_review_tells_nobody(agency, clip, link, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        by = Reviewer.member(member(agency, MEMBER))
        Comment.add(clip, "Looks good", by=by)
        Verdict.decide(clip, Verdict.State.APPROVED, by=by)
        # Nor do a guest's visits or other trail lines.
        link.opened_by(Reviewer.guest(link, "Dana"))
    assert Notification.objects.count() == 0 and mail.outbox == []


def test_a_comment_rolled_back_tells_nobody(agency, clip, link, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture, pytest.raises(ValueError), transaction.atomic():
        Comment.add(clip, "Warmer light please", by=Reviewer.guest(link, "Dana"))
        raise ValueError("something later failed")
    assert Notification.objects.count() == 0 and mail.outbox == []


@pytest.fixture
def collecting(user):
    job = make_job(
        user,
        status=VideoJob.Status.COLLECTING,
        prompt="Sneakers on a sunny street at golden hour, slow dolly in",
    )
    make_ready_clip(job)
    return job


def test_a_ready_job_tells_its_starter_once_even_when_two_workers_finish_it(
    user, collecting, django_capture_on_commit_callbacks
):
    first, second = (VideoJob.objects.get(pk=collecting.pk) for _ in range(2))
    with django_capture_on_commit_callbacks(execute=True):
        assert first.finish_if_collected()
        assert not second.finish_if_collected()  # lost the compare-and-set
    note = Notification.objects.get()
    assert note.recipient == user and note.kind == Notification.Kind.JOB_READY
    assert note.text == "Your video “Sneakers on a sunny street at golden…” is ready"
    assert note.url == collecting.get_absolute_url()
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]


def test_a_failed_job_tells_its_starter_once_with_the_plain_error(
    user, django_capture_on_commit_callbacks
):
    job = make_job(user, status=VideoJob.Status.WAITING, prompt="Harbour")
    stale = VideoJob.objects.get(pk=job.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert job.fail("The provider refused the prompt.\nTry again.", raw="400 bad")
        assert not stale.fail("Timed out.")
        # An admin closing a job that needed attention does not tell again either.
        other = make_job(user, status=VideoJob.Status.SUBMITTING, prompt="Unknown outcome")
        assert other.mark_needs_attention("We could not tell whether it was sent.")
        assert other.resolve()
    texts = sorted(Notification.objects.values_list("text", flat=True))
    assert texts == [
        "Your video “Harbour” failed: The provider refused the prompt.\nTry again.",
        "Your video “Unknown outcome” failed: We could not tell whether it was sent.",
    ]
    assert "400 bad" not in str(texts) and len(mail.outbox) == 2
    assert "Your video “Harbour” failed: The provider refused the prompt. Try again." in {
        message.subject for message in mail.outbox
    }


def test_a_cancelled_job_tells_nobody(user, django_capture_on_commit_callbacks):
    job = make_job(user, status=VideoJob.Status.QUEUED)
    with django_capture_on_commit_callbacks(execute=True):
        assert job.cancel_before_sending()
    assert Notification.objects.count() == 0 and mail.outbox == []


def test_a_mail_server_that_is_down_does_not_break_the_move(
    user, collecting, settings, django_capture_on_commit_callbacks, caplog
):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert collecting.finish_if_collected()
    collecting.refresh_from_db()
    assert collecting.status == VideoJob.Status.READY
    assert Notification.objects.filter(recipient=user).count() == 1
    assert "Could not send" in caplog.text


def test_notify_refuses_an_off_site_url_and_skips_repeats(user, agency):
    for url in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        with pytest.raises(ValueError):
            notify([user], workspace=agency, kind="job_ready", text="x", url=url)
    made = notify([user, user, None], workspace=agency, kind="job_ready", text="x", url="/v/")
    assert len(made) == 1


def test_the_badge_counts_unread_notifications_in_one_query(user, agency, alice):
    page = alice.get(reverse("workspaces:list")).content.decode()
    assert "nav-badge" not in page
    notify([user], workspace=agency, kind="job_ready", text="One", url="/videos/")
    notify([user], workspace=agency, kind="job_ready", text="Two", url="/videos/")
    notify([make_user("zed")], workspace=agency, kind="job_ready", text="Not hers", url="/")
    with CaptureQueriesContext(connection) as queries:
        page = alice.get(reverse("workspaces:list")).content.decode()
    assert '<span class="nav-badge"><span class="visually-hidden">(</span>2<' in page
    asked = [q["sql"] for q in queries.captured_queries if "inbox_notification" in q["sql"]]
    assert len(asked) == 1
    # Anonymous visitors (and a share link's guests, who have no account) ask nothing.
    with CaptureQueriesContext(connection) as queries:
        page = Browser().get(reverse("login")).content.decode()
    assert "nav-badge" not in page
    assert not any("inbox_notification" in q["sql"] for q in queries.captured_queries)


def test_the_inbox_lists_the_latest_unread_first_marked_and_marks_all_read(user, agency, alice):
    notify([user], workspace=agency, kind="job_ready", text="Old news", url="/videos/")
    Notification.objects.update(read_at="2026-01-01T00:00Z")
    notify([user], workspace=agency, kind="job_ready", text="Fresh news", url="/videos/")
    page = alice.get(reverse("inbox:list")).content.decode()
    assert page.index("Fresh news") < page.index("Old news")
    assert page.count('class="notification unread"') == 1 and "Mark all as read" in page
    response = alice.post(reverse("inbox:mark_all_read"))
    assert response.status_code == 302 and response["Location"] == reverse("inbox:list")
    assert not Notification.objects.unread_for(user).exists()
    assert alice.get(reverse("inbox:mark_all_read")).status_code == 405


def test_opening_a_notification_marks_it_read_and_goes_where_it_points(user, agency, alice):
    (note,) = notify([user], workspace=agency, kind="job_ready", text="x", url="/videos/?page=2")
    response = alice.get(reverse("inbox:open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == "/videos/?page=2"
    note.refresh_from_db()
    assert note.read_at is not None
    assert not note.mark_read()  # already read


def test_another_users_notification_is_a_404(user, agency, other_user):
    (note,) = notify([user], workspace=agency, kind="job_ready", text="x", url="/videos/")
    admin = logged_in(member(agency, ADMIN).user)  # even a teammate
    for client in (admin, logged_in(other_user)):
        assert client.get(reverse("inbox:open", args=[note.pk])).status_code == 404
        assert client.post(reverse("inbox:open", args=[note.pk])).status_code == 404
    client = logged_in(other_user)
    client.post(reverse("inbox:mark_all_read"))
    note.refresh_from_db()
    assert note.read_at is None


def test_an_off_site_url_is_never_followed(user, agency, alice):
    note = Notification.objects.create(
        recipient=user, workspace=agency, kind="job_ready", text="x", url="https://evil.example/"
    )
    response = alice.get(reverse("inbox:open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("inbox:list")
    assert "outside this site" in alice.get(response["Location"]).content.decode()


def test_the_viewer_role_is_not_told_about_client_comments(agency, clip, link):
    Comment.add(clip, "Hi", by=Reviewer.guest(link, "Dana"))
    assert not Notification.objects.filter(
        recipient__memberships__role=Membership.Role.VIEWER,
        recipient__memberships__workspace=agency,
    ).exists()


def test_a_clip_retried_after_a_failed_job_tells_when_it_is_ready(user, collecting):
    Clip.objects.filter(job=collecting).update(status=Clip.Status.FAILED)
    assert collecting.finish_if_collected()  # none copied: failed
    Clip.objects.filter(job=collecting).update(status=Clip.Status.READY)
    assert collecting.reopen_for_collecting() and collecting.finish_if_collected()
    kinds = list(Notification.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [Notification.Kind.JOB_FAILED, Notification.Kind.JOB_READY]
