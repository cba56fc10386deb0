"""Failed logins are throttled on the app's and the admin's login, logged, and never lock a
person out for good."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

WRONG = {"username": "alice", "password": "not-her-password"}
RIGHT = {"username": "alice", "password": "alice-pw-1234"}


def attempt(url, data, address="198.51.100.7"):
    return Client(REMOTE_ADDR=address).post(url, data)


@pytest.mark.parametrize("url", [reverse("login"), reverse("admin:login")])
def test_five_wrong_passwords_pause_logins_from_that_address(url, user, settings):
    user.is_staff = True
    user.save()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(url, WRONG).status_code == 200  # the form again, with its message
    locked = attempt(url, WRONG)
    assert locked.status_code == 429 and "Too many failed log-ins" in locked.content.decode()
    # Even the right password waits now, from that address...
    assert attempt(url, RIGHT).status_code == 429
    # ...but the person herself, elsewhere, is not locked out by someone else's guessing.
    assert attempt(url, RIGHT, address="203.0.113.9").status_code == 302


def test_the_pause_ends_and_guessing_meanwhile_does_not_extend_it(user, settings):
    from datetime import timedelta

    from axes.models import AccessAttempt

    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT + 3):
        attempt(url, WRONG)
    assert attempt(url, RIGHT).status_code == 429
    # The cool-off counts from the first lockout, not from the last guess.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time)
    settings.AXES_COOLOFF_TIME = timedelta(seconds=0)
    assert attempt(url, RIGHT).status_code == 302


def test_failures_are_logged_with_the_user_name_and_address(user, caplog):
    with caplog.at_level(logging.INFO):
        attempt(reverse("login"), WRONG, address="192.0.2.44")
    text = caplog.text
    assert "alice" in text and "192.0.2.44" in text
    assert "not-her-password" not in text


def test_behind_a_proxy_the_client_address_counts_not_the_proxys(user, settings):
    """Through nginx every visitor arrives from 127.0.0.1: one guesser must not lock all out,
    and nobody picks their own address with a forged header."""
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("login")

    def through_proxy(data, client, forged=""):
        chain = f"{forged}, {client}" if forged else client
        return Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=chain).post(url, data)

    for _ in range(settings.AXES_FAILURE_LIMIT):
        through_proxy(WRONG, "198.51.100.7", forged="203.0.113.50")
    assert through_proxy(RIGHT, "198.51.100.7").status_code == 429
    assert through_proxy(RIGHT, "203.0.113.50").status_code == 302  # the forged one: not hit
