"""The product's own error pages (with DEBUG off, as in production): 404 and 403 in the app's
frame, 400 and 500 from a page that needs no request, no user and no database to render."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

from workspaces.models import Membership

pytestmark = pytest.mark.django_db


def looks_like_the_product(html: str):
    assert 'class="topbar"' in html and "MarketOS Video" in html
    assert "/static/css/app.css" in html or "/static/css/app." in html


def test_404_is_the_products_page(alice, settings):
    assert settings.DEBUG is False
    response = alice.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    looks_like_the_product(html)
    assert "<h1>Not found</h1>" in html and 'aria-label="Main"' in html  # the menu, logged in


def test_404_for_a_visitor_not_logged_in():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    looks_like_the_product(response.content.decode())


def test_403_says_why_in_plain_words(client, agency):
    viewer = agency.memberships.get(role=Membership.Role.VIEWER).user
    client.force_login(viewer)
    response = client.get(reverse("brand:kit_add", args=[agency.slug]))
    assert response.status_code == 403
    html = response.content.decode()
    looks_like_the_product(html)
    assert "Your role in this workspace does not allow this." in html


@pytest.mark.parametrize(
    ("view", "status", "heading"),
    [
        (defaults.server_error, 500, "Something went wrong on our side"),
        (defaults.bad_request, 400, "That request could not be understood"),
    ],
)
def test_400_and_500_render_without_a_request_context(
    view, status, heading, django_assert_num_queries
):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):  # the database may be what failed
        response = view(request) if status == 500 else view(request, exception=ValueError("bad"))
    assert response.status_code == status
    html = response.content.decode()
    looks_like_the_product(html)
    assert heading in html


def test_an_unhandled_error_gets_the_500_page(alice, monkeypatch):
    from workspaces.models import OwnedQuerySet

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(OwnedQuerySet, "in_scope", broken)  # the videos page asks it
    alice.raise_request_exception = False
    response = alice.get(reverse("videos:videos"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "boom" not in response.content.decode()


def test_an_expired_form_gets_the_products_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    looks_like_the_product(html)
    assert "This page has expired" in html and "CSRF" not in html
