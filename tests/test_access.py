"""Login is required everywhere but the login page; every POST needs a CSRF token."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import OPENROUTER_KEY, make_key
from videos.models import ProviderKey
from workspaces.access import membership_of, personal_workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(user):
    return make_key(user)


def every_page(key):
    return [
        reverse("videos:home"),
        reverse("videos:keys"),
        reverse("videos:key_detail", args=[key.public_id]),
        reverse("videos:key_replace", args=[key.public_id]),
        reverse("videos:key_verify", args=[key.public_id]),
        reverse("videos:key_delete", args=[key.public_id]),
        reverse("account"),
        reverse("password_change"),
        reverse("password_change_done"),
    ]


def test_anonymous_users_are_sent_to_login(client, key):
    for url in every_page(key):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login") + "?next="), url
    admin = client.get(reverse("admin:index"))
    assert admin.status_code == 302 and "/admin/login/" in admin["Location"]


def test_login_page_is_public_and_logs_in(client, user):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "alice", "password": "alice-pw-1234"})
    assert response.status_code == 302
    assert client.get(reverse("videos:keys")).status_code == 200


def test_wrong_password_says_so(client, user):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert "Please enter a correct username and password" in response.content.decode()


def test_logout_is_a_post(alice):
    assert alice.post(reverse("logout")).status_code == 302
    assert alice.get(reverse("videos:keys")).status_code == 302


def test_no_public_sign_up(client):
    assert client.get("/signup/").status_code in (302, 404)
    assert client.get("/accounts/signup/").status_code in (302, 404)


def test_every_post_needs_a_csrf_token(user, key):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    posts = {
        reverse("videos:keys"): {"provider": "openrouter", "label": "x", "secret": OPENROUTER_KEY},
        reverse("videos:key_replace", args=[key.public_id]): {"secret": OPENROUTER_KEY},
        reverse("videos:key_verify", args=[key.public_id]): {},
        reverse("videos:key_delete", args=[key.public_id]): {},
        reverse("account"): {"name": "Alice"},
        reverse("password_change"): {},
        reverse("logout"): {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    # Logged-out forms too: logging in, joining from an invitation, a forgotten password.
    anonymous = Client(enforce_csrf_checks=True)
    invitation = personal_workspace(user).invite(
        "carol@example.com", "member", by=membership_of(user, personal_workspace(user))
    )
    for url in (reverse("login"), invitation.get_absolute_url(), reverse("password_reset")):
        assert anonymous.post(url, {}).status_code == 403, url
    assert ProviderKey.objects.count() == 1


def test_pages_send_a_strict_content_security_policy(alice):
    csp = alice.get(reverse("videos:keys"))["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
