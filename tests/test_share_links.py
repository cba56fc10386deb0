"""Client share links through the web: made and revoked by members, opened by guests, who see
what the link shares and nothing else, and are rate limited."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inbox.models import Notification
from review.models import ReviewEvent, ShareLink
from tests.factories import (
    OPENROUTER_KEY,
    logged_in,
    make_clip,
    make_job,
    make_key,
    make_project,
    member,
)
from tests.personas import OWNER
from videos.models import Clip, VideoJob

pytestmark = pytest.mark.django_db

VIDEO = bytes(range(256)) * 4  # 1 KiB whose every range is recognisable
PLAYER = {"HTTP_RANGE": "bytes=0-"}  # what a browser's video player asks first
PROMPT = "Harbour at dawn, gulls, logo reveal"


def stored_clip(job, index=0, content=VIDEO):
    """A ready clip of ``job`` with ``content`` as its video and a poster."""
    return make_clip(
        job,
        index,
        status=Clip.Status.READY,
        video_bytes=content,
        poster_bytes=b"\xff\xd8poster",
        duration=8.0,
    )


@pytest.fixture
def work(agency, user):
    """Spring launch: version 1 and version 2 (made from it), a key and costs; and another
    project of the same workspace with its own clip."""
    key = make_key(user, workspace=agency, label="Zeta studio key")
    project = make_project(agency)

    def job(**fields):
        return make_job(
            user,
            key=key,
            project=fields.pop("project", project),
            status=VideoJob.Status.READY,
            prompt=PROMPT,
            estimated_cost=Decimal("1.234"),
            cost=Decimal("4.567"),
            **fields,
        )

    first = job()
    first_clip = stored_clip(first)
    second = job(parent=first_clip, continuation="extend", version=2)
    second_clip = stored_clip(second, content=VIDEO[::-1])
    other_project = make_project(agency, client="Contoso", name="Winter sale")
    elsewhere = job(project=other_project)
    return {
        "key": key,
        "project": project,
        "first": first,
        "first_clip": first_clip,
        "second": second,
        "second_clip": second_clip,
        "other_project": other_project,
        "elsewhere": elsewhere,
        "elsewhere_clip": stored_clip(elsewhere),
    }


def share(agency, **options):
    """A link made by alice; (link, token)."""
    options.setdefault("project", None)
    return ShareLink.create(by=member(agency, OWNER), **options)


def admitted(token, name="Dana", password="", client=None, **extra):
    client = client or Client(**extra)
    data = {"name": name, **({"password": password} if password else {})}
    response = client.post(reverse("share:gate", args=[token]), data)
    assert response.status_code == 302, response.content.decode()
    return client


def guest_urls(token, work):
    first, second = work["first"], work["second"]
    return [
        reverse("share:gate", args=[token]),
        reverse("share:overview", args=[token]),
        reverse("share:compare", args=[token, second.public_id]),
        reverse("share:clip_file", args=[token, first.public_id, 1]),
        reverse("share:clip_poster", args=[token, first.public_id, 1]),
        reverse("share:clip_download", args=[token, first.public_id, 1]),
    ]


def status(client, name, *args, **headers) -> int:
    return client.get(reverse(name, args=args), **headers).status_code


def links_url(agency, project):
    return reverse("share:project_links", args=[agency.slug, project.public_id])


# --- members making links ---------------------------------------------------------------------


def create(client, url, **data):
    fields = {"label": "Northwind team", "can_comment": "on", "expires_in_days": "30"}
    return client.post(url, {**fields, **data})


def test_a_new_link_is_shown_once_and_only_its_digest_is_stored(agency, work, alice):
    url = links_url(agency, work["project"])
    response = create(alice, url, password="open sesame", can_download="on")
    assert response.status_code == 200
    page = response.content.decode()
    found = re.search(r'value="(http://testserver/s/([^/"]+)/)"', page)
    assert found, page
    token = found[2]
    assert "will not be shown again" in page
    assert response["Cache-Control"] == "no-store"
    link = ShareLink.objects.get()
    assert link.label == "Northwind team" and link.grants == "view, comment, download"
    assert link.has_password and link.created_by.username == "alice"
    assert timedelta(days=29) < link.expires_at - timezone.now() <= timedelta(days=30)
    # The list shows the link, never its address again.
    again = alice.get(url).content.decode()
    assert "Northwind team" in again and token not in again
    # A guest opens it; the token is nowhere in the database (sessions and trail included).
    admitted(token, password="open sesame")
    assert ShareLink.objects.from_token(token) == link
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                assert token not in repr(row), table
                assert "open sesame" not in repr(row), table


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"expires_in_days": "0"}, "1 to 365 days"),
        ({"expires_in_days": "366"}, "1 to 365 days"),
        ({"expires_in_days": "soon"}, "whole number of days"),
        ({"expires_in_days": ""}, "how many days"),
    ],
)
def test_a_bad_expiry_is_refused_plainly_and_keeps_the_rest(agency, work, alice, data, message):
    response = create(alice, links_url(agency, work["project"]), **data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and 'value="Northwind team"' in page
    assert not ShareLink.objects.exists()


def test_a_link_may_never_expire_and_a_video_may_be_shared_alone(agency, work, alice):
    url = reverse("share:job_links", args=[work["second"].public_id])
    response = create(alice, url, expires_in_days="", never_expires="on", can_comment="")
    assert response.status_code == 200 and "/s/" in response.content.decode()
    link = ShareLink.objects.get()
    assert link.job == work["second"] and link.project is None
    assert link.expires_at is None and link.grants == "view"


def test_viewers_and_strangers_cannot_make_or_revoke_links(agency, work, other_user):
    url = links_url(agency, work["project"])
    job_url = reverse("share:job_links", args=[work["first"].public_id])
    viewer = logged_in(agency.memberships.get(user__username="viewer").user)
    stranger = logged_in(other_user)
    for target in (url, job_url):
        assert viewer.get(target).status_code == 403
        assert create(viewer, target).status_code == 403
        assert stranger.get(target).status_code == 404
        assert create(stranger, target).status_code == 404
        assert Client().get(target)["Location"].startswith(reverse("login"))
    assert not ShareLink.objects.exists()
    link, token = share(agency, project=work["project"])
    revoke = reverse("share:link_revoke", args=[agency.slug, link.public_id])
    assert viewer.post(revoke).status_code == 403
    assert stranger.post(revoke).status_code == 404
    assert ShareLink.objects.from_token(token) == link


def test_a_project_link_page_lists_what_each_link_grants(agency, work, alice):
    share(agency, project=work["project"], label="Live one", password="pw", expires_in_days=5)
    dead, _ = share(agency, project=work["project"], label="Old one", can_download=True)
    dead.revoke(by=member(agency, OWNER))
    share(agency, project=work["other_project"], label="Not this project")
    page = alice.get(links_url(agency, work["project"])).content.decode()
    assert "Live one" in page and "Old one" in page and "Not this project" not in page
    assert "view, comment, download" in page and "Revoked" in page
    assert page.count(">Revoke</button>") == 1  # only the live link can be revoked


# --- the gate ---------------------------------------------------------------------------------


def test_a_guest_gives_a_name_then_sees_the_videos(agency, work):
    _, token = share(agency, project=work["project"])
    client = Client()
    gate = reverse("share:gate", args=[token])
    page = client.get(gate).content.decode()
    assert "Acme Agency shares Spring launch with you" in page
    response = client.post(gate, {"name": "  "})
    assert response.status_code == 400 and "Tell us your name" in response.content.decode()
    response = client.post(gate, {"name": "Dana Scully"})
    assert response["Location"] == reverse("share:overview", args=[token])
    # Admitted: the gate leads straight on; the guest is no user.
    assert client.get(gate)["Location"] == reverse("share:overview", args=[token])
    assert "_auth_user_id" not in client.session
    event = ReviewEvent.objects.get(kind=ReviewEvent.Kind.LINK_USED)
    assert event.actor_name == "Dana Scully" and event.actor is None


def test_a_wrong_password_says_so_and_keeps_the_name(agency, work):
    _, token = share(agency, project=work["project"], password="open sesame")
    client = Client()
    gate = reverse("share:gate", args=[token])
    page = client.get(gate).content.decode()
    assert "Spring launch" not in page  # not before the password
    response = client.post(gate, {"name": "Dana", "password": "guess"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "That password is not right" in page and 'value="Dana"' in page
    assert "guess" not in page
    assert client.get(reverse("share:overview", args=[token]))["Location"] == gate
    admitted(token, password="open sesame", client=client)
    assert status(client, "share:overview", token) == 200


def test_wrong_passwords_are_throttled_per_address_and_link(agency, work, settings):
    settings.GUEST_PASSWORD_RATE = (3, 900)
    _, token = share(agency, project=work["project"], password="open sesame")
    _, other_token = share(agency, project=work["project"], password="open sesame")
    gate = reverse("share:gate", args=[token])
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        assert client.post(gate, {"name": "Eve", "password": "guess"}).status_code == 400
    refused = client.post(gate, {"name": "Eve", "password": "open sesame"})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 900
    assert "Too many password attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session and "review.guests" not in client.session
    # Another address, or another link, still gets its own tries.
    admitted(token, password="open sesame", REMOTE_ADDR="198.51.100.1")
    admitted(other_token, password="open sesame", client=client)


def test_a_link_pauses_after_too_many_wrong_passwords_from_every_address_and_tells_the_team(
    agency, work, settings, alice, django_capture_on_commit_callbacks
):
    settings.GUEST_LINK_PASSWORD_RATE = (20, 3600)
    _, token = share(agency, project=work["project"], password="open sesame")
    _, other_token = share(agency, project=work["project"], password="open sesame")
    gate = reverse("share:gate", args=[token])
    with django_capture_on_commit_callbacks(execute=True):
        # Twenty addresses, one wrong password each: none of them over its own budget.
        for n in range(20):
            guess = Client(REMOTE_ADDR=f"203.0.113.{n + 1}")
            assert guess.post(gate, {"name": "Eve", "password": f"guess{n}"}).status_code == 400
        # Paused: every password is refused, the right one too, from a fresh address.
        dana = Client(REMOTE_ADDR="198.51.100.9")
        for password in ("open sesame", "guess again"):
            refused = dana.post(gate, {"name": "Dana", "password": password})
            assert refused.status_code == 429
            assert 3000 < int(refused["Retry-After"]) <= 3600
        text = main_text(refused)
        assert "This link is paused for a while" in text and "Too many wrong passwords" in text
        assert "not even the right one" in text and "ask whoever sent you the link" in text
        assert "review.guests" not in dana.session
        assert dana.get(reverse("share:overview", args=[token]))["Location"] == gate
    # The team was told once: the link's maker and the workspace's admins, in the app and by
    # one e-mail each, however many more tries came after.
    told = Notification.objects.filter(kind=Notification.Kind.LINK_PAUSED)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["admin", "alice"]
    note = told.first()
    assert "20 wrong passwords" in note.text and "revoke it" in note.text
    assert note.url == links_url(agency, work["project"])
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@example.com", "alice@example.com"]
    assert all("paused" in m.subject and "Eve" not in m.subject for m in mail.outbox)
    # The link's page, where the alert leads, shows it paused, and for how long.
    page = main_text(alice.get(note.url))
    assert page.count(">Paused</span>") == 1 and page.count(">Live</span>") == 1
    assert "For about 60 more minutes: too many wrong passwords were tried" in page
    # Another link of the same work is not paused.
    admitted(other_token, password="open sesame", REMOTE_ADDR="198.51.100.9")


def test_a_new_link_s_password_has_a_minimum_length_and_older_links_keep_theirs(
    agency, work, alice
):
    url = links_url(agency, work["project"])
    response = create(alice, url, password="short12")
    assert response.status_code == 400
    page = response.content.decode()
    assert "at least 8 characters long (this one has 7)" in page
    assert 'value="Northwind team"' in page and "short12" not in page
    assert not ShareLink.objects.exists()
    assert create(alice, url, password="eight ch").status_code == 200
    assert ShareLink.objects.get().has_password
    # A link made before the rule, with a shorter password, still opens with it.
    _, token = share(agency, project=work["project"], password="pw")
    admitted(token, password="pw")


def main_text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", html[html.index("<main") : html.index("</main>")])


def test_an_expired_link_is_a_plain_404_even_for_an_admitted_guest(agency, work):
    link, token = share(agency, project=work["project"], expires_in_days=1)
    client = admitted(token)
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    made_up = main_text(Client().get(reverse("share:gate", args=["made-up-token"])))
    for url in guest_urls(token, work):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Spring launch" not in response.content.decode()
        # The guest is told plainly what to do, in the words a made-up link gets: nothing
        # says this link ever opened something.
        assert main_text(response) == made_up, url
    assert "This link does not open anything now" in made_up
    assert "Ask whoever sent it to you for a new one." in made_up
    assert "another account" not in made_up and "Back to the app" not in made_up


def test_revoking_closes_every_guest_url_at_once(agency, work, alice):
    link, token = share(agency, project=work["project"], can_download=True)
    client = admitted(token)
    assert all(client.get(url).status_code in (200, 302) for url in guest_urls(token, work))
    response = alice.post(reverse("share:link_revoke", args=[agency.slug, link.public_id]))
    assert response["Location"] == links_url(agency, work["project"])
    for url in guest_urls(token, work):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "Dana"}).status_code == 404, url
    assert ReviewEvent.objects.filter(kind=ReviewEvent.Kind.LINK_REVOKED).count() == 1


def test_a_logged_in_member_opening_a_link_is_a_guest_too(agency, work, alice):
    _, token = share(agency, project=work["project"])
    overview = reverse("share:overview", args=[token])
    assert alice.get(overview)["Location"] == reverse("share:gate", args=[token])
    admitted(token, name="Alice from the agency", client=alice)
    page = alice.get(overview).content.decode()
    assert "Viewing as Alice from the agency" in page
    assert reverse("videos:generate") not in page  # the guest frame, not the app's


# --- what guests see --------------------------------------------------------------------------


def test_the_overview_shows_the_shared_versions_and_links_them(agency, work):
    _, token = share(agency, project=work["project"])
    page = admitted(token).get(reverse("share:overview", args=[token])).content.decode()
    first, second = work["first"], work["second"]
    assert "Acme Agency shares Spring launch with you" in page
    assert "Version 1" in page and "Version 2" in page
    assert reverse("review:guest_clip", args=[token, first.public_id, 1]) in page
    assert reverse("share:clip_poster", args=[token, second.public_id, 1]) in page
    assert reverse("share:compare", args=[token, second.public_id]) in page
    assert "Download" not in page  # not granted
    assert str(work["elsewhere"].public_id) not in page


@pytest.mark.parametrize("shared", ["project", "video"])
def test_guest_pages_show_nothing_that_is_not_shared(agency, work, settings, shared):
    key = work["key"]
    what = {"project": work["project"]} if shared == "project" else {"job": work["first"]}
    _, token = share(agency, can_download=True, can_approve=True, **what)
    client = admitted(token)
    pages = [client.get(reverse("share:gate", args=["made-up"]))]
    pages.append(Client().get(reverse("share:gate", args=[token])))
    pages += [client.get(url, follow=True) for url in guest_urls(token, work)[:3]]
    pages += [
        client.get(reverse("review:guest_clip", args=[token, job.public_id, 1]))
        for job in (work["first"], work["second"])
    ]
    settings.GUEST_RATE = (1, 60)
    pages.append(client.get(reverse("share:overview", args=[token])))  # the 429 page
    forbidden = [
        OPENROUTER_KEY,
        key.masked,
        key.label,
        "veo",
        "openrouter",
        "gemini",
        "1.23",
        "4.56",
        "$",
        "cost",
        "price",
        PROMPT,
        "Winter sale",
        "Contoso",
        "alice",
        "@example.com",
        "admin",
        "viewer",
    ]
    assert [page.status_code for page in pages] == [404, 200, 200, 200, 200, 200, 200, 429]
    for page in pages:
        # Without the page's random tokens (CSRF, the link's, signed passes), which may spell
        # any short word by chance: long runs with capitals in them, which slugs and
        # file names made from a title never do.
        text = re.sub(
            r"[A-Za-z0-9_:-]{20,}",
            lambda token: "" if token[0] != token[0].lower() != token[0].upper() else token[0],
            page.content.decode(),
        ).lower()
        text = re.sub(r'(csrftoken": "|value=")[a-z0-9]{32,}', "", text)
        for word in forbidden:
            assert word.lower() not in text, (word, page.request["PATH_INFO"])


def test_a_guest_reaches_only_what_their_link_shares(agency, work, user):
    first, second = work["first"], work["second"]
    _, project_token = share(agency, project=work["project"], can_download=True)
    _, job_token = share(agency, job=second, can_download=True)
    _, other_token = share(agency, project=work["other_project"], can_download=True)
    guest = admitted(project_token)
    other = work["elsewhere"]
    for name in ("share:clip_file", "share:clip_poster", "share:clip_download"):
        # Another project's clip through this link; this project's clip through another link.
        assert guest.get(reverse(name, args=[project_token, other.public_id, 1])).status_code == 404
        assert guest.get(reverse(name, args=[other_token, first.public_id, 1])).status_code == 302
        assert guest.get(reverse(name, args=[project_token, first.public_id, 9])).status_code == 404
    assert status(guest, "share:overview", other_token) == 302
    # A link to one video opens its versions (version 1 too, from a link made on version 2),
    # never another video of the project or workspace.
    one = admitted(job_token)
    assert status(one, "share:clip_file", job_token, second.public_id, 1) == 200
    assert status(one, "share:clip_file", job_token, first.public_id, 1) == 200
    assert status(one, "share:compare", job_token, second.public_id) == 200
    assert status(one, "share:clip_file", job_token, other.public_id, 1) == 404
    assert status(one, "review:guest_clip", job_token, other.public_id, 1) == 404
    page = one.get(reverse("share:overview", args=[job_token])).content.decode()
    assert str(other.public_id) not in page
    # A clip not (yet) in storage is not shared.
    Clip.objects.filter(pk=work["first_clip"].pk).update(status=Clip.Status.COPYING)
    assert status(guest, "share:clip_file", project_token, first.public_id, 1) == 404
    assert status(guest, "share:compare", project_token, second.public_id) == 404


def test_the_compare_page_plays_both_shared_versions(agency, work):
    _, token = share(agency, project=work["project"])
    first, second = work["first"], work["second"]
    page = admitted(token).get(reverse("share:compare", args=[token, second.public_id]))
    text = page.content.decode()
    assert text.count("data-compare-video") == 2 and "js/compare.js" in text
    assert reverse("share:clip_file", args=[token, first.public_id, 1]) in text
    assert reverse("share:clip_file", args=[token, second.public_id, 1]) in text
    assert f'"{reverse("videos:clip_file", args=[first.public_id, 1])}"' not in text
    # Version 1 has nothing before it.
    assert status(admitted(token), "share:compare", token, first.public_id) == 404


def test_downloads_need_the_permission_and_serve_the_right_bytes(agency, work):
    first = work["first"]
    _, view_token = share(agency, project=work["project"])
    _, token = share(agency, project=work["project"], can_download=True)
    viewer = admitted(view_token)
    assert status(viewer, "share:clip_download", view_token, first.public_id, 1) == 403
    guest = admitted(token)
    url = reverse("share:clip_download", args=[token, first.public_id, 1])
    response = guest.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == VIDEO
    disposition = response["Content-Disposition"]
    assert (
        disposition.startswith("attachment") and "spring-launch-version-1-clip-1.mp4" in disposition
    )
    assert "harbour" not in disposition
    partial = guest.get(url, HTTP_RANGE="bytes=10-19")
    assert partial.status_code == 206 and partial["Content-Range"] == f"bytes 10-19/{len(VIDEO)}"
    assert b"".join(partial.streaming_content) == VIDEO[10:20]
    assert guest.get(url, HTTP_RANGE="bytes=5000-").status_code == 416
    # Played inline, with Range too, whatever the permission.
    inline = viewer.get(
        reverse("share:clip_file", args=[view_token, first.public_id, 1]), HTTP_RANGE="bytes=0-3"
    )
    assert inline.status_code == 206 and b"".join(inline.streaming_content) == VIDEO[:4]
    assert inline["Content-Disposition"] == "inline"
    poster = viewer.get(reverse("share:clip_poster", args=[view_token, first.public_id, 1]))
    assert (
        poster["Content-Type"] == "image/jpeg"
        and b"".join(poster.streaming_content) == b"\xff\xd8poster"
    )


def test_a_view_only_link_streams_the_video_to_its_player_and_never_hands_over_the_file(
    agency, work
):
    first, second = work["first"], work["second"]
    _, token = share(agency, project=work["project"])
    viewer = admitted(token)
    url = reverse("share:clip_file", args=[token, first.public_id, 1])
    # A request for the whole file, as "Save video as" or a download tool makes: refused.
    refused = viewer.get(url)
    assert refused.status_code == 403
    text = main_text(refused)
    assert "This link is for watching" in text and "does not let you download" in text
    back = reverse("share:overview", args=[token])
    assert f'<a href="{back}">← Back to the videos</a>' in text
    download = viewer.get(reverse("share:clip_download", args=[token, first.public_id, 1]))
    assert download.status_code == 403 and "This link is for watching" in main_text(download)
    # The player's requests: in ranges, inline, no file name, kept in no cache.
    for asked, expected in (("bytes=0-", VIDEO), ("bytes=0-1", VIDEO[:2])):
        played = viewer.get(url, HTTP_RANGE=asked)
        assert played.status_code == 206 and b"".join(played.streaming_content) == expected
        assert played["Content-Disposition"] == "inline"
        assert played["Cache-Control"] == "private, no-store"
    # Its pages say so to the browser's own player: no download in its menu.
    page = viewer.get(guest_clip_url(token, first)).content.decode()
    assert 'controlslist="nodownload"' in page and "/download" not in page
    compare = viewer.get(reverse("share:compare", args=[token, second.public_id]))
    assert compare.content.decode().count('controlslist="nodownload"') == 2
    # A link that allows downloads serves the whole file, and its player offers it.
    _, open_token = share(agency, project=work["project"], can_download=True)
    guest = admitted(open_token)
    whole = guest.get(reverse("share:clip_file", args=[open_token, first.public_id, 1]))
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == VIDEO
    assert whole["Content-Disposition"] == "inline"
    assert "nodownload" not in guest.get(guest_clip_url(open_token, first)).content.decode()


# --- a video link follows the work -------------------------------------------------------------


def later_version(work, clip, version):
    """A ready version made (after the link) from ``clip``, with its own clip; (job, clip)."""
    job = make_job(
        clip.job.owner,
        key=work["key"],
        project=work["project"],
        status=VideoJob.Status.READY,
        prompt=PROMPT,
        parent=clip,
        continuation="revise",
        version=version,
    )
    return job, stored_clip(job, content=VIDEO[:512])


def guest_clip_url(token, job, number=1):
    return reverse("review:guest_clip", args=[token, job.public_id, number])


def test_a_video_link_shows_the_versions_made_after_it_newest_first(agency, work):
    first, second = work["first"], work["second"]
    _, token = share(agency, job=first, password="open sesame")
    guest = admitted(token, password="open sesame")
    third, _ = later_version(work, work["second_clip"], 3)  # made after the link
    page = guest.get(reverse("share:overview", args=[token])).content.decode()
    newest = page.index(guest_clip_url(token, third))
    earlier = page.index("Earlier versions")
    assert newest < earlier < page.index(guest_clip_url(token, second))
    assert earlier < page.index(guest_clip_url(token, first))
    assert "Version 3</strong> <span" in page and ">newest</span>" in page
    assert str(work["elsewhere"].public_id) not in page
    # Every version plays through the same link; nothing else does.
    for job in (first, second, third):
        assert status(guest, "share:clip_file", token, job.public_id, 1, **PLAYER) == 206
        assert guest.get(guest_clip_url(token, job)).status_code == 200
    assert status(guest, "share:clip_file", token, work["elsewhere"].public_id, 1, **PLAYER) == 404
    assert guest.get(guest_clip_url(token, work["elsewhere"])).status_code == 404
    # Version 1's page says a newer one is there.
    old = guest.get(guest_clip_url(token, first)).content.decode()
    assert "There is a newer version of this video" in old
    assert f'href="{guest_clip_url(token, third)}">see version 3</a>' in old


def test_a_guest_s_approval_stays_with_the_version_approved(agency, work):
    _, token = share(agency, job=work["first"], can_approve=True)
    guest = admitted(token)
    verdict = reverse("review:guest_verdict", args=[token, work["first"].public_id, 1])
    guest.post(verdict, {"state": "approved", "confirm": "on"})
    assert work["first_clip"].verdicts.get().state == "approved"
    assert not work["second_clip"].verdicts.exists()
    page = guest.get(reverse("share:overview", args=[token])).content.decode()
    assert "You approved version 1" in page and "You approved version 2" not in page
    second = guest.get(guest_clip_url(token, work["second"])).content.decode()
    assert "Where version 2 stands" in second and "Nobody has approved" in second
    first = guest.get(guest_clip_url(token, work["first"])).content.decode()
    assert 'Dana</strong> <span class="muted small">(guest)</span>: Approved version 1' in first


def test_revoking_a_video_link_closes_every_version_s_url(agency, work, alice):
    link, token = share(agency, job=work["second"], can_download=True, can_approve=True)
    client = admitted(token)
    urls = [reverse("share:overview", args=[token])]
    urls.append(reverse("share:compare", args=[token, work["second"].public_id]))
    for job in (work["first"], work["second"]):
        urls.append(guest_clip_url(token, job))
        urls += [
            reverse(name, args=[token, job.public_id, 1])
            for name in ("share:clip_file", "share:clip_poster", "share:clip_download")
        ]
    comment = reverse("review:guest_comment", args=[token, work["first"].public_id, 1])
    assert all(client.get(url).status_code == 200 for url in urls)
    assert client.post(comment, {"body": "Lovely"}).status_code == 302
    response = alice.post(reverse("share:link_revoke", args=[agency.slug, link.public_id]))
    assert response["Location"] == reverse("share:job_links", args=[work["second"].public_id])
    for url in [reverse("share:gate", args=[token]), *urls]:
        assert client.get(url).status_code == 404, url
    assert client.post(comment, {"body": "Again"}).status_code == 404


def test_a_video_s_share_page_lists_the_links_made_on_any_of_its_versions(agency, work, alice):
    share(agency, job=work["first"], label="Made on version 1")
    share(agency, job=work["elsewhere"], label="Another video")
    page = alice.get(reverse("share:job_links", args=[work["second"].public_id])).content.decode()
    assert "Made on version 1" in page and "Another video" not in page
    assert "versions made later appear on the same link" in page


# --- rate limits ------------------------------------------------------------------------------


def test_guest_requests_are_rate_limited_per_address(agency, work, settings):
    settings.GUEST_RATE = (3, 60)
    _, token = share(agency, project=work["project"])
    gate = reverse("share:gate", args=[token])
    client = Client(REMOTE_ADDR="203.0.113.7")
    assert [client.get(gate).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(gate)
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    assert "Too many requests" in refused.content.decode()
    # Dead links count too: guessing tokens is no way round the budget.
    assert status(client, "share:gate", "made-up") == 429
    assert Client(REMOTE_ADDR="198.51.100.1").get(gate).status_code == 200
    # Members' own pages are not counted.
    assert client.get(reverse("login")).status_code == 200


def test_guest_requests_are_rate_limited_per_link(agency, work, settings):
    settings.GUEST_LINK_RATE = (2, 60)
    _, token = share(agency, project=work["project"])
    _, other_token = share(agency, project=work["project"])
    gate = reverse("share:gate", args=[token])
    answers = [Client(REMOTE_ADDR=f"203.0.113.{n}").get(gate).status_code for n in range(1, 4)]
    assert answers == [200, 200, 429]
    assert (
        Client(REMOTE_ADDR="203.0.113.9").get(reverse("share:gate", args=[other_token])).status_code
        == 200
    )


def test_the_address_is_the_one_the_trusted_proxy_saw(agency, work, settings):
    settings.GUEST_RATE = (1, 60)
    settings.TRUSTED_PROXY_COUNT = 1
    _, token = share(agency, project=work["project"])
    gate = reverse("share:gate", args=[token])
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    assert Client(**proxy).get(gate, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 200
    assert Client(**proxy).get(gate, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200
    assert Client(**proxy).get(gate, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429


def test_the_links_panel_renders_alone_for_a_page_that_includes_it(agency, work, rf):
    from django.template.loader import render_to_string

    from review.forms import ShareLinkForm

    share(agency, project=work["project"], label="Northwind team")
    request = rf.get("/")
    html = render_to_string(
        "review/share_links.html#panel",
        {
            "links": ShareLink.objects.all(),
            "form": ShareLinkForm(),
            "create_url": links_url(agency, work["project"]),
        },
        request=request,
    )
    assert "Northwind team" in html and f'action="{links_url(agency, work["project"])}"' in html
    assert "<html" not in html


@pytest.mark.parametrize(
    ("value", "budget"),
    [("120/min", (120, 60)), ("10/15min", (10, 900)), ("5 / hour", (5, 3600)), ("2/s", (2, 1))],
)
def test_a_budget_setting_reads_as_requests_per_seconds(monkeypatch, value, budget):
    from marketos.settings import envrate

    monkeypatch.setenv("MARKETOS_GUEST_RATE", value)
    assert envrate("MARKETOS_GUEST_RATE", "1/min") == budget


@pytest.mark.parametrize("value", ["lots", "0/min", "10/0min", "10/fortnight", "-1/min"])
def test_a_malformed_budget_setting_is_reported(monkeypatch, value):
    from django.core.exceptions import ImproperlyConfigured

    from marketos.settings import envrate

    monkeypatch.setenv("MARKETOS_GUEST_RATE", value)
    with pytest.raises(ImproperlyConfigured, match="MARKETOS_GUEST_RATE must be a budget"):
        envrate("MARKETOS_GUEST_RATE", "1/min")


def test_a_guest_reviews_a_clip_in_the_guest_s_frame_with_no_way_into_the_app(agency, work):
    """The clip page a guest comments on wears the same top bar as the link's other pages:
    the sharing workspace and the guest's name, not the app's name linking to its login."""
    _, token = share(agency, job=work["first"])
    guest = admitted(token)
    overview = guest.get(reverse("share:overview", args=[token])).content.decode()
    clip = guest.get(guest_clip_url(token, work["first"])).content.decode()
    for page in (overview, clip):
        bar = page[page.index("<header") : page.index("</header>")]
        assert "Acme Agency" in bar and "Viewing as Dana" in bar
        assert "MarketOS Video" not in bar and "href" not in bar
