"""Every URL of the app, for every kind of visitor: the owner, a member and a viewer of the
owner's workspace, another user, and nobody.

The list of URLs comes from the URL configuration itself, so a new URL that is not described
here fails the test until someone says who may see it (and, for what belongs to a workspace,
which capability it takes).

The world the URLs point into (tests/world.py) is built once for the module; each case runs in a
savepoint over it, so what one case changes is gone before the next.
"""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from review import guests
from tests import personas
from tests.world import keep_provider_jobs, world_for_this_test, world_once  # noqa: F401 (fixtures)
from workspaces.models import Membership

pytestmark = pytest.mark.django_db

# url name -> (method, expected status for the owner). Anonymous visitors are sent to log in
# and other users get 404 for everything that belongs to someone, unless PUBLIC says otherwise.
OWNER = {
    "videos:home": ("GET", 302),
    "videos:generate": ("GET", 200),
    "videos:generate_options": ("GET", 200),
    "videos:videos": ("GET", 200),
    "videos:library": ("GET", 200),
    "videos:job": ("GET", 200),
    "videos:job_live": ("GET", 286),
    "videos:job_resubmit": ("GET", 200),
    "videos:job_cancel": ("POST", 302),
    "videos:job_compare": ("GET", 200),
    "videos:job_zip": ("GET", 200),
    "videos:clip_file": ("GET", 200),
    "videos:clip_poster": ("GET", 200),
    "videos:clip_download": ("GET", 200),
    "videos:clip_retry": ("POST", 302),
    "videos:clip_continue": ("GET", 200),
    "videos:clip_rename": ("POST", 302),  # no title: called "Clip 1" again
    "videos:clip_star": ("POST", 302),
    "videos:clip_delete": ("GET", 200),  # the question; the POST deletes
    "videos:job_project": ("POST", 302),  # no project chosen: filed under none
    "videos:clip_export": ("POST", 302),  # the 9:16 export is ready already: said so
    "videos:rendition_file": ("GET", 200),
    "videos:rendition_download": ("GET", 200),
    "videos:keys": ("GET", 200),
    "videos:key_detail": ("GET", 200),
    "videos:key_replace": ("POST", 400),
    "videos:key_verify": ("POST", 302),
    "videos:key_delete": ("GET", 200),
    "account": ("GET", 200),
    "password_change": ("GET", 200),
    "password_change_done": ("GET", 200),
    "logout": ("POST", 302),
    "workspaces:list": ("GET", 200),
    "workspaces:members": ("GET", 200),
    "workspaces:member_role": ("POST", 302),  # no role chosen: sent back with a message
    "workspaces:member_remove": ("POST", 302),
    "workspaces:invite": ("POST", 400),  # no e-mail address given
    "workspaces:invitation_revoke": ("POST", 302),
    "workspaces:clients": ("GET", 200),
    "workspaces:client_add": ("POST", 400),  # no name given
    "workspaces:project_add": ("POST", 400),  # no client or name given
    "workspaces:client_edit": ("GET", 200),
    "workspaces:project_edit": ("GET", 200),
    "inbox:list": ("GET", 200),
    "inbox:mark_all_read": ("POST", 302),
    "inbox:open": ("GET", 302),  # marked read, then on to the job it is about
    "share:project_links": ("GET", 200),
    "share:job_links": ("GET", 200),
    "share:link_revoke": ("POST", 302),
    "review:clip": ("GET", 200),
    "review:comment": ("POST", 400),  # nothing written
    "review:reply": ("POST", 400),  # nothing written
    "review:resolve": ("POST", 302),
    "review:reopen": ("POST", 302),  # nothing to reopen: sent back to the page
    "review:verdict": ("POST", 400),  # neither approve nor request changes chosen
    "review:revise": ("GET", 200),
    "review:project": ("GET", 200),
    "spend:overview": ("GET", 200),
    "spend:export": ("GET", 200),
    "spend:budget_set": ("POST", 400),  # no amount given
    "spend:budget_remove": ("POST", 302),
    "videos:preset_save": ("POST", 400),  # no name given: the form comes back
    "brand:kits": ("GET", 200),
    "brand:kit_add": ("GET", 200),
    "brand:kit_edit": ("GET", 200),
    "brand:preset_edit": ("GET", 200),
    "brand:kit_image": ("GET", 200),
    "campaigns:list": ("GET", 200),
    "campaigns:plan": ("POST", 400),  # nothing chosen: the generate form comes back
    "campaigns:campaign": ("GET", 200),
    "campaigns:start": ("POST", 302),  # started already: said so
    "campaigns:discard": ("POST", 302),  # started: its videos stay, said so
    "campaigns:compare": ("GET", 302),  # no clips ticked: back to the campaign, said so
    "campaigns:package": ("GET", 200),
    "common:upload": ("POST", 400),  # no field named
    "common:upload_file": ("GET", 200),
    "common:upload_remove": ("POST", 200),
}
# Pages that are the same for everybody, or nobody's in particular: (method, status) for
# anonymous visitors.
PUBLIC = {
    "login": ("GET", 200),
    # Getting in: an invitation link (its holder makes an account or logs in there), a
    # forgotten password, and open sign-up (off unless MARKETOS_OPEN_SIGNUP: no such page).
    "workspaces:invitation": ("GET", 200),
    "password_reset": ("GET", 200),
    "password_reset_done": ("GET", 200),
    "password_reset_confirm": ("GET", 200),  # a made-up link: the page says it cannot be used
    "password_reset_complete": ("GET", 200),
    "signup": ("GET", 404),
    "videos:health": ("GET", 200),
    "videos:ready": ("GET", 503),  # no worker runs during this test
    "videos:metrics": ("GET", 404),  # no metrics token configured
    "provider_webhook": ("POST", 404),  # no webhook secret configured
    # A share link's pages, for a made-up link (see GUEST for the guests of a real one).
    "review:guest_clip": ("GET", 404),
    "review:guest_comment": ("POST", 404),
    "review:guest_reply": ("POST", 404),
    "review:guest_resolve": ("POST", 404),
    "review:guest_reopen": ("POST", 404),
    "review:guest_verdict": ("POST", 404),
}
# The guests of a share link (to the world's job), admitted by name, on a clip's review page:
# what they get through a link that allows everything, and through one that only shows.
GUEST_REVIEW = {
    "review:guest_clip": ("GET", 200, 200),
    "review:guest_comment": ("POST", 400, 403),  # nothing written
    "review:guest_reply": ("POST", 400, 403),
    # The world's comment is the team's: a guest resolves and reopens only their own.
    "review:guest_resolve": ("POST", 403, 403),
    "review:guest_reopen": ("POST", 403, 403),
    "review:guest_verdict": ("POST", 400, 403),
}
# A share link's pages, for whoever holds the link (logged in or not, a member or not: a guest
# is never a user): (method, status once admitted). Before giving a name, the gate answers 200
# and every other page sends the visitor to it; a dead (revoked, expired, unknown) link is 404.
GUEST = {
    "share:gate": ("GET", 302),  # an admitted guest goes straight to the overview
    "share:overview": ("GET", 200),
    "share:compare": ("GET", 200),
    "share:clip_file": ("GET", 200),
    "share:clip_poster": ("GET", 200),
    "share:clip_download": ("GET", 200),  # the link grants downloads
}
# Pages that show only what the visitor's workspaces hold: another user gets the page, not 404.
PERSONAL = {
    "videos:home",
    "videos:generate",
    "videos:generate_options",
    "videos:videos",
    "videos:library",
    "videos:keys",
    "account",
    "password_change",
    "password_change_done",
    "logout",
    "workspaces:list",
    "inbox:list",
    "inbox:mark_all_read",
    # Spend is not secret inside a workspace: every member, viewers too, sees its spend.
    "spend:overview",
    "spend:export",
    "campaigns:list",
    # The generate form sent to plan a campaign: the key it names decides the workspace.
    "campaigns:plan",
    # Choosing an image keeps it as the visitor's own pending upload.
    "common:upload",
}
# What belongs to one user, not to a workspace: everybody else, teammates included, gets 404.
OWN = {"inbox:open", "common:upload_file", "common:upload_remove"}


# Everything else belongs to a workspace: what a member of it must be allowed to do there to
# get the owner's answer. None: seeing it (every member); otherwise a capability of the role.
NEEDS = {
    "videos:job": None,
    "videos:job_live": None,
    "videos:job_compare": None,
    "videos:job_zip": None,
    "videos:clip_file": None,
    "videos:clip_poster": None,
    "videos:clip_download": None,
    "videos:job_resubmit": "can_generate",
    "videos:job_cancel": "can_generate",
    "videos:clip_retry": "can_generate",
    "videos:clip_continue": "can_generate",
    "videos:clip_rename": "can_generate",
    "videos:clip_star": "can_generate",
    "videos:clip_delete": "can_generate",
    "videos:job_project": "can_generate",
    "videos:clip_export": "can_generate",
    "videos:rendition_file": None,
    "videos:rendition_download": None,
    "videos:key_detail": "can_manage_keys",
    "videos:key_replace": "can_manage_keys",
    "videos:key_verify": "can_manage_keys",
    "videos:key_delete": "can_manage_keys",
    "workspaces:members": None,
    "workspaces:member_role": "can_manage_members",
    "workspaces:member_remove": "can_manage_members",
    "workspaces:invite": "can_manage_members",
    "workspaces:invitation_revoke": "can_manage_members",
    "workspaces:clients": None,
    "workspaces:client_add": "can_generate",
    "workspaces:project_add": "can_generate",
    "workspaces:client_edit": "can_generate",
    "workspaces:project_edit": "can_generate",
    "share:project_links": "can_generate",
    "share:job_links": "can_generate",
    "share:link_revoke": "can_generate",
    "review:clip": None,
    "review:comment": "can_review",
    "review:reply": "can_review",
    "review:resolve": "can_review",
    "review:reopen": "can_review",
    "review:verdict": "can_review",
    "review:revise": "can_generate",
    "review:project": None,
    # Budgets are set by those who manage the workspace's keys (its account with providers).
    "spend:budget_set": "can_manage_keys",
    "spend:budget_remove": "can_manage_keys",
    # Brand kits and presets: every member reads them, members who generate change them.
    "videos:preset_save": "can_generate",
    "brand:kits": None,
    "brand:kit_add": "can_generate",
    "brand:kit_edit": "can_generate",
    "brand:preset_edit": "can_generate",
    "brand:kit_image": None,
    # Campaigns: every member sees them and downloads their package; members who generate
    # start them (and discard plans).
    "campaigns:campaign": None,
    "campaigns:compare": None,
    "campaigns:package": None,
    "campaigns:start": "can_generate",
    "campaigns:discard": "can_generate",
}
# Pages that also exist inside one workspace (``w/<slug>/...``): every member of it gets the
# page with that workspace's work only; another user gets 404, nobody is sent to log in.
SCOPED = {
    "videos:generate",
    "videos:videos",
    "videos:library",
    "videos:keys",
    "spend:overview",
    "spend:export",
    "campaigns:list",
}
# Roles in the owner's workspace checked besides the owner themselves.
ROLES = [Membership.Role.ADMIN, Membership.Role.MEMBER, Membership.Role.VIEWER]


def url_names(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's own admin has its own login and permissions
            yield from url_names(entry, f"{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name


@pytest.fixture
def world(world_once, providers, keep_provider_jobs):  # noqa: F811
    """The world (tests/world.py), built once for the module: this test's changes to it are
    rolled back after it."""
    return world_for_this_test(world_once)


@pytest.fixture
def user(world):
    """The world's owner (alice)."""
    return world["owner"]


@pytest.fixture
def other_user(world):
    """Somebody who belongs to none of the owner's workspaces (bob)."""
    return world["outsider"]


def scoped_url_names(resolver=None, namespace=""):
    """The names of the URL patterns that carry a workspace."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace != "admin":
                prefix = f"{entry.namespace}:" if entry.namespace else namespace
                yield from scoped_url_names(entry, prefix)
        elif entry.name and "workspace" in entry.pattern.converters:
            yield namespace + entry.name


def url_for(name, world, token=None):
    job, version, key = world["job"], world["version"], world["key"]
    slug = world["workspace"].slug
    comment = world["comment"].public_id
    if name.startswith("review:guest_"):  # a made-up link unless one is given
        token = token if token is not None else "made-up-" + "x" * 24
        short = name.split(":")[-1]
        extra = [comment] if short in ("guest_reply", "guest_resolve", "guest_reopen") else []
        return reverse(name, args=[token, job.public_id, 1, *extra])
    token = token or world["token"]
    share_args = {
        "share:project_links": [slug, world["project"].public_id],
        "share:job_links": [job.public_id],
        "share:link_revoke": [slug, world["link"].public_id],
        "share:gate": [token],
        "share:overview": [token],
        "share:compare": [token, version.public_id],
        "share:clip_file": [token, job.public_id, 1],
        "share:clip_poster": [token, job.public_id, 1],
        "share:clip_download": [token, job.public_id, 1],
    }
    if name in share_args:
        return reverse(name, args=share_args[name])
    workspace_args = {
        "workspaces:members": [slug],
        "workspaces:member_role": [slug, world["target"].pk],
        "workspaces:member_remove": [slug, world["target"].pk],
        "workspaces:invite": [slug],
        "workspaces:invitation_revoke": [slug, world["invitation"].public_id],
        "workspaces:invitation": [world["invitation"].token],
        "workspaces:clients": [slug],
        "workspaces:client_add": [slug],
        "workspaces:project_add": [slug],
        "workspaces:client_edit": [slug, world["project"].client.public_id],
        "workspaces:project_edit": [slug, world["project"].public_id],
        "review:project": [slug, world["project"].public_id],
        "spend:budget_set": [slug],
        "spend:budget_remove": [slug, world["budget"].public_id],
        "videos:preset_save": [slug],
        "brand:kits": [slug],
        "brand:kit_add": [slug],
        "brand:kit_edit": [slug, world["kit"].public_id],
        "brand:preset_edit": [slug, world["preset"].public_id],
        "brand:kit_image": [slug, world["kit"].public_id, world["logo"].pk],
    }
    if name in workspace_args:
        return reverse(name, args=workspace_args[name])
    if name.startswith("campaigns:") and name not in ("campaigns:list", "campaigns:plan"):
        return reverse(name, args=[world["campaign"].public_id])
    args = {
        "job_compare": [version.public_id],
        "clip_retry": [job.public_id, world["retry"].number],
        "clip_continue": [job.public_id, 1, "extend"],
        "clip_export": [job.public_id, 1, "vertical"],
        "rendition_file": [job.public_id, 1, "vertical"],
        "rendition_download": [job.public_id, 1, "vertical"],
        "provider_webhook": ["openrouter"],
        "password_reset_confirm": ["MQ", "made-up-token"],
        "open": [world["notification"].pk],
        "upload_file": [world["pending"].public_id],
        "upload_remove": [world["pending"].public_id],
    }
    short = name.split(":")[-1]
    if short in ("reply", "resolve", "reopen"):
        return reverse(name, args=[job.public_id, 1, comment])
    if name in ("review:clip", "review:comment", "review:verdict", "review:revise"):
        return reverse(name, args=[job.public_id, 1])
    if short in args:
        return reverse(name, args=args[short])
    if short.startswith("clip_"):
        return reverse(name, args=[job.public_id, 1])
    if short.startswith("job_") or short == "job":
        return reverse(name, args=[job.public_id])
    if short.startswith("key_"):
        return reverse(name, args=[key.public_id])
    return reverse(name)


def request(client, method, url):
    return client.get(url) if method == "GET" else client.post(url)


def body(response) -> str:
    """What a response says, streamed (a CSV export) or not."""
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def test_every_url_is_described():
    assert set(url_names()) == set(OWNER) | set(PUBLIC) | set(GUEST)
    assert set(scoped_url_names()) == SCOPED
    assert set(NEEDS) == set(OWNER) - PERSONAL - OWN
    assert set(GUEST_REVIEW) == {name for name in PUBLIC if name.startswith("review:guest_")}


def admitted_to(link, name=personas.GUEST):
    """A visitor admitted to ``link`` as ``name``, as the link's gate admits them."""
    session = SessionStore()
    session[guests.SESSION_KEY] = {link.token_digest: name}
    session.create()
    client = Client()
    client.cookies["sessionid"] = session.session_key
    return client


@pytest.mark.parametrize("full", [True, False])
@pytest.mark.parametrize("name", sorted(GUEST_REVIEW))
def test_share_link_guests(name, full, world):
    """A guest gets what their link allows, 403 for the rest; another method is refused."""
    link, token = world["links"][full]
    method, allowed, limited = GUEST_REVIEW[name]
    url = url_for(name, world, token)
    assert request(admitted_to(link), method, url).status_code == (allowed if full else limited)
    other = "POST" if method == "GET" else "GET"
    assert request(admitted_to(link), other, url).status_code == 405


@pytest.fixture
def teammate(world):
    """A client logged in as the owner's teammate with ``role`` (the admin, the member or the
    viewer of tests/personas.py)."""

    def join(role):
        client = Client()
        client.force_login(world["teammates"][str(role)])
        return client

    return join


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(NEEDS))
def test_workspace_roles(name, role, world, teammate):
    """Members get the owner's answer where their role allows it, 403 where it does not."""
    client = teammate(role)
    method, status = OWNER[name]
    allowed = NEEDS[name] is None or getattr(Membership(role=role), NEEDS[name])
    response = request(client, method, url_for(name, world))
    assert response.status_code == (status if allowed else 403), (name, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(OWN))
def test_workspace_roles_get_404_for_what_is_someone_elses_own(name, role, world, teammate):
    client = teammate(role)
    for method in ("GET", "POST"):
        assert request(client, method, url_for(name, world)).status_code == 404, (name, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(PERSONAL))
def test_workspace_members_see_the_workspace(name, role, world, teammate):
    """The lists show a member the workspace's work, and its keys only by their mask."""
    client = teammate(role)
    method, status = OWNER[name]
    response = request(client, method, url_for(name, world))
    assert response.status_code == status, (name, role)
    page = body(response)
    assert world["key"].reveal() not in page
    if name in ("videos:videos", "videos:library"):
        assert world["job"].prompt in page, (name, role)
    if name in ("spend:overview", "spend:export"):
        assert world["project"].name in page, (name, role)
    if name == "videos:keys":
        assert world["key"].masked in page, role


@pytest.mark.parametrize("name", sorted(OWNER))
def test_the_owner(name, world, client, user):
    client.force_login(user)
    method, status = OWNER[name]
    response = request(client, method, url_for(name, world))
    assert response.status_code == status, (name, response.status_code)


@pytest.mark.parametrize("name", sorted(set(OWNER) - PERSONAL))
def test_another_user_gets_404(name, world, other_user):
    client = Client()
    client.force_login(other_user)
    url = url_for(name, world)
    method, _ = OWNER[name]
    assert request(client, method, url).status_code == 404, name
    # The other method is refused too (405 says nothing about whether the object exists).
    other = "POST" if method == "GET" else "GET"
    assert request(client, other, url).status_code in (404, 405), name


@pytest.mark.parametrize("name", sorted(PERSONAL))
def test_another_user_sees_only_their_own(name, world, other_user):
    client = Client()
    client.force_login(other_user)
    method, _ = OWNER[name]
    response = request(client, method, url_for(name, world))
    # A form sent empty comes back (400) with their own choices, nobody else's.
    assert response.status_code in (200, 302, 286, 400 if method == "POST" else 200), name
    page = body(response)
    assert world["job"].prompt not in page and world["key"].masked not in page
    assert world["project"].name not in page, name


@pytest.mark.parametrize("name", sorted(OWNER))
def test_anonymous_visitors_are_sent_to_log_in(name, world):
    for method in ("GET", "POST"):
        response = request(Client(), method, url_for(name, world))
        assert response.status_code == 302, (name, method)
        assert response["Location"].startswith(reverse("login") + "?next="), name


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_pages(name, world):
    method, status = PUBLIC[name]
    assert request(Client(), method, url_for(name, world)).status_code == status


@pytest.mark.parametrize("name", sorted(SCOPED))
def test_pages_inside_a_workspace(name, world, user, teammate, other_user):
    """Inside a workspace: its members (every role) get the page with its work; another user
    and a made-up workspace get 404; nobody is sent to log in."""
    url = reverse(name, args=[world["workspace"].slug])
    owner = Client()
    owner.force_login(user)
    for client in [owner, *(teammate(role) for role in ROLES)]:
        response = client.get(url)
        assert response.status_code == 200, name
        page = body(response)
        assert world["key"].reveal() not in page
        if name in ("videos:videos", "videos:library"):
            assert world["job"].prompt in page, name
        if name in ("spend:overview", "spend:export"):
            assert world["project"].name in page, name
    stranger = Client()
    stranger.force_login(other_user)
    assert stranger.get(url).status_code == 404
    assert owner.get(reverse(name, args=["no-such-workspace"])).status_code == 404
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def admitted(client, world):
    response = client.post(url_for("share:gate", world), {"name": personas.GUEST})
    assert response.status_code == 302, response.content
    return client


def visitors(world, user, other_user):
    """Anonymous, the owner and a stranger: to a share link, all of them are guests."""
    owner, stranger = Client(), Client()
    owner.force_login(user)
    stranger.force_login(other_user)
    return {"anonymous": Client(), "owner": owner, "stranger": stranger}


@pytest.mark.parametrize("name", sorted(GUEST))
def test_guests_once_admitted(name, world, user, other_user):
    for who, client in visitors(world, user, other_user).items():
        method, status = GUEST[name]
        response = request(admitted(client, world), method, url_for(name, world))
        assert response.status_code == status, (name, who)


@pytest.mark.parametrize("name", sorted(GUEST))
def test_guests_not_yet_admitted_are_sent_to_the_gate(name, world, user, other_user):
    for who, client in visitors(world, user, other_user).items():
        method, _ = GUEST[name]
        response = request(client, method, url_for(name, world))
        if name == "share:gate":
            assert response.status_code == 200, who
        else:
            assert response.status_code == 302, (name, who)
            assert response["Location"] == url_for("share:gate", world), (name, who)


@pytest.mark.parametrize("name", sorted(GUEST))
def test_a_dead_link_is_404_for_everybody(name, world, user, other_user):
    for who, client in visitors(world, user, other_user).items():
        client = admitted(client, world)  # admitted to the live link changes nothing
        for token in (world["dead_token"], "made-up-token"):
            for method in ("GET", "POST"):
                response = request(client, method, url_for(name, world, token))
                assert response.status_code == 404, (name, who, method)


# Methods no page of the app takes: each URL answers them 405, naming what it does take.
UNHANDLED = ("PUT", "PATCH", "DELETE", "TRACE")


@pytest.mark.parametrize("name", sorted(set(OWNER) | set(PUBLIC) | set(GUEST)))
def test_no_url_answers_a_method_it_does_not_take(name, world, user):
    """GET-only pages answered PUT, DELETE and TRACE with the page."""
    owner = Client()
    owner.force_login(user)
    guest = admitted_to(world["link"])  # a share link's guest, logged in as nobody
    method, _ = {**OWNER, **PUBLIC, **GUEST}[name]
    url = url_for(name, world)
    for who, client in (("owner", owner), ("guest", guest)):
        for unhandled in UNHANDLED:
            response = client.generic(unhandled, url)
            if who == "guest" and name in OWNER:  # sent to log in before anything else
                assert response.status_code == 302, (name, unhandled)
                assert response["Location"].startswith(reverse("login") + "?next=")
                continue
            assert response.status_code == 405, (name, who, unhandled, response.status_code)
            allow = [m.strip() for m in response["Allow"].split(",")]
            assert method in allow and not set(UNHANDLED) & set(allow), (name, allow)


@pytest.mark.parametrize("name", sorted(GUEST_REVIEW))
def test_a_guest_on_a_live_link_gets_405_for_a_method_it_does_not_take(name, world):
    link, token = world["links"][True]
    url = url_for(name, world, token)
    for unhandled in UNHANDLED:
        response = admitted_to(link).generic(unhandled, url)
        assert response.status_code == 405, (name, unhandled)
        allow = [m.strip() for m in response["Allow"].split(",")]
        assert GUEST_REVIEW[name][0] in allow and ("POST" in allow) != ("GET" in allow), allow
