"""Every URL of the app, for every kind of visitor: the owner, another user, and nobody.

The list of URLs comes from the URL configuration itself, so a new URL that is not described
here fails the test until someone says who may see it.
"""

import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import make_key
from videos.models import Clip, VideoJob

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
    "videos:keys": ("GET", 200),
    "videos:key_detail": ("GET", 200),
    "videos:key_replace": ("POST", 400),
    "videos:key_verify": ("POST", 302),
    "videos:key_delete": ("GET", 200),
    "password_change": ("GET", 200),
    "password_change_done": ("GET", 200),
    "logout": ("POST", 302),
}
# Pages that are the same for everybody, or nobody's in particular: (method, status) for
# anonymous visitors.
PUBLIC = {
    "login": ("GET", 200),
    "videos:health": ("GET", 200),
    "videos:ready": ("GET", 503),  # no worker runs during this test
    "videos:metrics": ("GET", 404),  # no metrics token configured
    "provider_webhook": ("POST", 404),  # no webhook secret configured
}
# Pages that show only the visitor's own things: another user gets the page, not 404.
PERSONAL = {
    "videos:home",
    "videos:generate",
    "videos:generate_options",
    "videos:videos",
    "videos:library",
    "videos:keys",
    "password_change",
    "password_change_done",
    "logout",
}


def url_names(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's own admin has its own login and permissions
            yield from url_names(entry, f"{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name


@pytest.fixture
def world(user, providers, settings):
    """An owner with a key, a ready job whose clip has a next version, both with files."""
    key = make_key(user)

    def job_with_clip(**fields):
        job = VideoJob.objects.create(
            owner=user,
            key=key,
            idempotency_key=uuid.uuid4().hex,
            provider="openrouter",
            model="google/veo-3.1",
            prompt="A harbour at dawn",
            parameters={"duration": 8, "sample_count": 1},
            status=VideoJob.Status.READY,
            provider_job_id=f"gen-vid-1-{uuid.uuid4().hex[:20]}",
            **fields,
        )
        name = f"clips/{job.public_id}/clip-1"
        clip = Clip.objects.create(
            job=job,
            index=0,
            source_url="https://openrouter.ai/api/v1/videos/x/content?index=0",
            status=Clip.Status.FAILED,
            file=default_storage.save(f"{name}.mp4", ContentFile(b"\x00" * 64)),
            poster=default_storage.save(f"{name}.jpg", ContentFile(b"\xff\xd8" * 8)),
            size=64,
            content_type="video/mp4",
        )
        return job, clip

    first, first_clip = job_with_clip()
    second, _ = job_with_clip(parent=first_clip, continuation="extend", version=2)
    # The first clip is ready (so it can be shown and continued); the second job's is failed
    # (so it can be retried).
    Clip.objects.filter(pk=first_clip.pk).update(status=Clip.Status.READY)
    Clip.objects.filter(job=second).update(status=Clip.Status.READY)
    retry = Clip.objects.create(job=first, index=1, source_url="x", status=Clip.Status.FAILED)
    return {"key": key, "job": first, "version": second, "retry": retry}


def url_for(name, world):
    job, version, key = world["job"], world["version"], world["key"]
    args = {
        "job_compare": [version.public_id],
        "clip_retry": [job.public_id, world["retry"].number],
        "clip_continue": [job.public_id, 1, "extend"],
        "provider_webhook": ["openrouter"],
    }
    short = name.split(":")[-1]
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


def test_every_url_is_described():
    assert set(url_names()) == set(OWNER) | set(PUBLIC)


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
    assert response.status_code in (200, 302, 286), name
    page = response.content.decode(errors="replace")
    assert world["job"].prompt not in page and world["key"].masked not in page


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
