"""The top bar: the Admin link is for staff only."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_admin_link_shows_only_to_staff(alice, user):
    admin = f'href="{reverse("admin:index")}"'
    assert admin not in alice.get(reverse("videos:videos")).content.decode()
    user.is_staff = True
    user.save()
    page = alice.get(reverse("videos:videos")).content.decode()
    assert admin in page and ">Admin</a>" in page
