"""Review rules: verdicts per reviewer, time-coded comments, share links and the trail."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.utils import timezone

from review.models import (
    Comment,
    Reviewer,
    ReviewEvent,
    ReviewRuleBroken,
    ShareLink,
    Verdict,
    standing,
)
from tests.factories import make_job, make_project, make_ready_clip, member
from tests.personas import OWNER, VIEWER
from videos.models import VideoJob

pytestmark = pytest.mark.django_db

Kind = ReviewEvent.Kind


@pytest.fixture
def clip(agency, user):
    project = make_project(agency)
    job = make_job(user, agency, project=project, status=VideoJob.Status.READY, prompt="Dawn")
    return make_ready_clip(job)


def test_each_reviewer_has_their_own_verdict_and_the_clip_stands_where_they_all_do(agency, clip):
    alice = Reviewer.member(member(agency, OWNER))
    viewer = Reviewer.member(member(agency, VIEWER))
    assert standing(clip.verdicts.all()) == Verdict.State.IN_REVIEW
    Verdict.decide(clip, Verdict.State.APPROVED, by=alice)
    assert standing(clip.verdicts.all()) == Verdict.State.APPROVED
    Verdict.decide(clip, Verdict.State.CHANGES_REQUESTED, by=viewer)
    assert standing(clip.verdicts.all()) == Verdict.State.CHANGES_REQUESTED
    Verdict.decide(clip, Verdict.State.APPROVED, by=viewer)  # changes their mind
    assert clip.verdicts.count() == 2
    assert standing(clip.verdicts.all()) == Verdict.State.APPROVED
    kinds = list(ReviewEvent.objects.values_list("kind", flat=True))
    assert kinds == [Kind.APPROVED, Kind.CHANGES_REQUESTED, Kind.APPROVED]
    assert ReviewEvent.objects.first().detail == "version 1"


def test_a_guest_verdict_needs_a_link_that_allows_it(agency, clip):
    owner = member(agency, OWNER)
    view_only, _ = ShareLink.create(by=owner, project=clip.job.project)
    approver, _ = ShareLink.create(by=owner, project=clip.job.project, can_approve=True)
    with pytest.raises(PermissionDenied):
        Verdict.decide(clip, Verdict.State.APPROVED, by=Reviewer.guest(view_only, "Dana"))
    verdict = Verdict.decide(clip, Verdict.State.APPROVED, by=Reviewer.guest(approver, "Dana"))
    assert verdict.reviewer_name == "Dana" and verdict.author is None
    # Two guests of one link each have their verdict.
    Verdict.decide(clip, Verdict.State.CHANGES_REQUESTED, by=Reviewer.guest(approver, "Eve"))
    assert clip.verdicts.count() == 2


def test_a_guest_must_give_a_name(agency, clip):
    link, _ = ShareLink.create(by=member(agency, OWNER), project=clip.job.project)
    with pytest.raises(ReviewRuleBroken):
        Reviewer.guest(link, "   ")
    assert Reviewer.guest(link, "  Dana \n Scully ").name == "Dana Scully"


def test_a_viewer_reviews_but_cannot_share(agency, clip):
    viewer = member(agency, VIEWER)
    Reviewer.member(viewer)  # allowed
    with pytest.raises(PermissionDenied):
        ShareLink.create(by=viewer, project=clip.job.project)


def test_comments_pin_a_moment_have_flat_replies_and_resolve_once(agency, clip):
    alice = Reviewer.member(member(agency, OWNER))
    note = Comment.add(clip, "Logo too small", by=alice, at_seconds="0:02")
    assert note.at_seconds == 2 and note.timecode == "0:02"
    reply = Comment.add(clip, "Agreed", by=alice, parent=note, at_seconds=5)
    assert reply.parent == note and reply.at_seconds is None
    deeper = Comment.add(clip, "Me too", by=alice, parent=reply)
    assert deeper.parent == note  # one level of replies
    with pytest.raises(ReviewRuleBroken):
        reply.resolve(by=alice)
    assert note.resolve(by=alice) and not note.resolve(by=alice)
    assert note.resolved_by_name == "alice"
    assert note.reopen(by=alice) and Comment.objects.open().filter(pk=note.pk).exists()
    kinds = list(ReviewEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [Kind.COMMENTED, Kind.REPLIED, Kind.REPLIED, Kind.RESOLVED, Kind.REOPENED]


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        ("soon", "seconds or m:ss"),
        ("-1", "not within"),
        ("NaN", "not within"),
        ("1e9", "not within"),
        ("0:30", "past the end"),
    ],
)
def test_a_moment_outside_the_clip_is_refused_plainly(agency, clip, moment, message):
    alice = Reviewer.member(member(agency, OWNER))
    with pytest.raises(ReviewRuleBroken, match=message):
        Comment.add(clip, "Hmm", by=alice, at_seconds=moment)
    assert not Comment.objects.exists()


def test_empty_and_overlong_comments_are_refused(agency, clip):
    alice = Reviewer.member(member(agency, OWNER))
    with pytest.raises(ReviewRuleBroken):
        Comment.add(clip, "  ", by=alice)
    with pytest.raises(ReviewRuleBroken):
        Comment.add(clip, "x" * (Comment.MAX_LENGTH + 1), by=alice)


def test_a_view_only_guest_cannot_comment(agency, clip):
    link, _ = ShareLink.create(by=member(agency, OWNER), job=clip.job, can_comment=False)
    with pytest.raises(PermissionDenied):
        Comment.add(clip, "Nice", by=Reviewer.guest(link, "Dana"))


def test_a_link_is_stored_hashed_opens_with_its_token_and_closes_when_revoked(agency, clip):
    alice = member(agency, OWNER)
    link, token = ShareLink.create(by=alice, project=clip.job.project, password="open sesame")
    assert token not in link.token_digest and len(link.token_digest) == 64
    assert "open sesame" not in link.password
    assert ShareLink.objects.from_token(token) == link
    assert ShareLink.objects.from_token(token + "x") is None
    assert ShareLink.objects.from_token("") is None
    assert link.check_password("open sesame") and not link.check_password("guess")
    assert link.revoke(by=alice) and not link.revoke(by=alice)
    assert ShareLink.objects.from_token(token) is None
    kinds = list(ReviewEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [Kind.LINK_CREATED, Kind.LINK_REVOKED]


def test_an_expired_link_opens_nothing(agency, clip):
    link, token = ShareLink.create(
        by=member(agency, OWNER), project=clip.job.project, expires_in_days=1
    )
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert ShareLink.objects.from_token(token) is None


def test_a_link_shares_exactly_one_thing_of_its_own_workspace(agency, clip, user):
    from tests.factories import make_user, make_workspace

    alice = member(agency, OWNER)
    with pytest.raises(ReviewRuleBroken):
        ShareLink.create(by=alice)
    with pytest.raises(ReviewRuleBroken):
        ShareLink.create(by=alice, project=clip.job.project, job=clip.job)
    other = make_workspace(make_user("mallory"), "Other")
    with pytest.raises(PermissionDenied):
        ShareLink.create(by=member(other, "mallory"), project=clip.job.project)
    with pytest.raises(IntegrityError):
        ShareLink.objects.create(workspace=agency, token_digest="x" * 64)


def test_a_link_shows_the_ready_clips_of_its_project_only(agency, clip, user):
    project = clip.job.project
    elsewhere = make_job(user, agency, status=VideoJob.Status.READY)
    make_ready_clip(elsewhere)
    link, _ = ShareLink.create(by=member(agency, OWNER), project=project)
    assert list(link.clips()) == [clip]
    one, _ = ShareLink.create(by=member(agency, OWNER), job=elsewhere)
    assert list(one.clips().values_list("job", flat=True)) == [elsewhere.pk]


def test_a_guest_is_admitted_per_link_and_a_dead_link_admits_nobody(agency, clip, rf):
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import Http404

    from review import guests

    alice = member(agency, OWNER)
    link, token = ShareLink.create(by=alice, project=clip.job.project)
    _, other_token = ShareLink.create(by=alice, job=clip.job)
    request = rf.get("/")
    request.session = SessionStore()
    with pytest.raises(guests.NotAdmitted):
        guests.guest_for(request, token)
    guests.admit(request, link, "Dana")
    guests.admit(request, link, "Dana")  # a reload: one visit in the trail
    assert guests.guest_for(request, token) == Reviewer(guest_name="Dana", link=link)
    with pytest.raises(guests.NotAdmitted):
        guests.guest_for(request, other_token)  # admitted to one link, not the other
    assert ReviewEvent.objects.filter(kind=Kind.LINK_USED).count() == 1
    link.revoke(by=alice)
    with pytest.raises(Http404):
        guests.guest_for(request, token)
    with pytest.raises(Http404):
        guests.guest_for(request, "made-up")
