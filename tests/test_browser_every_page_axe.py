"""Every page a member sees, a share link's guest pages, the login page and the 404 page have
no serious or critical accessibility problem (axe, in Chromium), at desktop size and, for the
main pages, at phone size, where nothing may be wider than the screen; the top bar keeps to one
line on a desktop with a link more than today; screenshots of the main pages at both sizes.

The list of pages comes from the access matrix's table of URLs (every URL must be described
there), so a new page is checked here as soon as it exists.
"""

import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from tests.factories import make_workspace
from tests.helpers import DESKTOP, PHONE, accessible, browser_page, log_in
from tests.test_access_matrix import GUEST, GUEST_REVIEW, OWNER, PUBLIC, SCOPED, url_for
from tests.world import keep_provider_jobs, world  # noqa: F401 (fixtures)
from videos.models import Clip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Not pages: media, downloads, zips, exports, fragments, and the metrics of monitoring.
NOT_PAGES = ("file", "poster", "download", "zip", "package", "export", "image", "live", "options")
# The pages people spend their time on: checked and photographed at phone size too.
MAIN = {
    "videos:generate": "generate",
    "videos:videos": "videos",
    "videos:library": "library",
    "spend:overview": "spend",
    "videos:keys": "keys",
    "workspaces:list": "workspaces",
}


# Pages with forms rendered by Django, photographed at desktop size.
ALSO_SHOWN = {
    "brand:kit_edit": "brand-kit",
    "workspaces:members": "members",
    "workspaces:clients": "clients",
    "account": "account",
}


def member_pages() -> list[str]:
    return sorted(
        name
        for name, (method, status) in OWNER.items()
        if method == "GET" and status == 200 and not any(word in name for word in NOT_PAGES)
    )


def scoped_pages() -> list[str]:
    """The pages that also exist inside one workspace (``w/<slug>/...``)."""
    return sorted(name for name in SCOPED if name in member_pages())


def guest_pages() -> list[str]:
    pages = {name for name, (method, status) in GUEST.items() if (method, status) == ("GET", 200)}
    pages |= {name for name, (method, *_) in GUEST_REVIEW.items() if method == "GET"}
    return sorted(name for name in pages if not any(word in name for word in NOT_PAGES))


def anonymous_pages() -> list[str]:
    """The pages of visitors who are not logged in (an invitation, a forgotten password), and
    open sign-up (turned on for the walk); the login page is checked on its own."""
    pages = {name for name, (method, status) in PUBLIC.items() if (method, status) == ("GET", 200)}
    return sorted(pages - {"login", "videos:health"} | {"signup"})


def anonymous_url(name, world, user):  # noqa: F811
    """A real password reset link (its form), else the matrix's URL."""
    if name == "password_reset_confirm":
        from django.contrib.auth.tokens import default_token_generator
        from django.utils.http import urlsafe_base64_encode

        uid = urlsafe_base64_encode(str(user.pk).encode())
        return reverse(name, args=[uid, default_token_generator.make_token(user)])
    return url_for(name, world)


# Anonymous pages photographed at both sizes.
ANONYMOUS_SHOWN = {"workspaces:invitation": "invitation", "password_reset": "password-reset"}


def real_posters():
    """Poster frames that are pictures (the matrix's are a few bytes), for the screenshots."""
    for clip in Clip.objects.exclude(poster=""):
        buffer = io.BytesIO()
        Image.new("RGB", (320, 180), (79, 70, 229)).save(buffer, format="JPEG")
        default_storage.delete(clip.poster.name)
        default_storage.save(clip.poster.name, io.BytesIO(buffer.getvalue()))
        Clip.objects.filter(pk=clip.pk).update(width=320, height=180)


def open_the_watch_only_page(page, base, world):  # noqa: F811
    """A guest of a link that does not allow downloads asks for a whole clip (as "Save video
    as" does): the page that says the link is for watching."""
    _, token = world["links"][False]
    page.goto(base + url_for("share:gate", world, token=token))
    page.get_by_label("Your name").fill("Dana")
    page.get_by_role("button", name="Show me the videos").click()
    page.wait_for_url(base + url_for("share:overview", world, token=token))
    page.goto(base + url_for("share:clip_download", world, token=token))
    assert page.get_by_role("heading", name="This link is for watching").is_visible()


def test_the_page_list_covers_the_main_pages():
    assert set(MAIN) <= set(member_pages())
    assert {"workspaces:invitation", "password_reset", "signup"} <= set(anonymous_pages())
    assert "account" in member_pages()
    assert "review:clip" in member_pages() and "share:overview" in guest_pages()


def test_every_page_is_accessible(browser, live_server, world, user, screenshot, settings):  # noqa: F811
    settings.OPEN_SIGNUP = True
    make_workspace(user, "Acme Agency")  # two workspaces: the top bar has its switcher
    user.is_staff = True  # and the Admin link
    user.save()
    real_posters()
    base = live_server.url
    errors: list[str] = []
    problems: list[str] = []

    def check(page, name):
        try:
            accessible(page, name)
        except AssertionError as problem:  # every page's problems at once, not the first's
            problems.append(str(problem))

    for viewport, size in ((DESKTOP, "desktop"), (PHONE, "phone")):
        context, page = browser_page(browser, viewport, errors)
        log_in(page, base)
        for name in member_pages() if size == "desktop" else list(MAIN):
            page.goto(base + url_for(name, world))
            page.wait_for_load_state("networkidle")
            check(page, f"{name} ({size})")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["viewport"]["width"]:
                problems.append(f"{name} ({size}): {width} px wide, wider than the screen")
            if shown := MAIN.get(name) or ALSO_SHOWN.get(name):
                screenshot(page, f"every-page-{shown}-{size}")
        if size == "desktop":
            for name in scoped_pages():
                page.goto(base + reverse(name, args=[world["workspace"].slug]))
                page.wait_for_load_state("networkidle")
                check(page, f"{name} in a workspace ({size})")
            # An invitation to another address, opened while logged in: whom it is for.
            page.goto(base + url_for("workspaces:invitation", world))
            check(page, f"someone else's invitation ({size})")
            page.goto(base + url_for("videos:generate", world))
            top_bar_keeps_to_one_line(page)
        context.close()

        context, page = browser_page(browser, viewport, errors)
        page.goto(f"{base}/login/")
        check(page, f"login ({size})")
        screenshot(page, f"every-page-login-{size}")
        page.goto(f"{base}/no-such-page/")
        check(page, f"404 ({size})")
        assert page.get_by_role("heading", name="Not found").is_visible()
        screenshot(page, f"every-page-404-{size}")
        page.goto(f"{base}/s/no-such-link/")  # a share link that opens nothing
        check(page, f"dead share link ({size})")
        assert page.get_by_role("heading", name="This link does not open anything now").is_visible()
        for name in anonymous_pages():
            page.goto(base + anonymous_url(name, world, user))
            check(page, f"{name}, logged out ({size})")
            if shown := ANONYMOUS_SHOWN.get(name):
                screenshot(page, f"every-page-{shown}-{size}")
        # A guest of the share link: its gate, then every page it opens.
        page.goto(base + url_for("share:gate", world))
        check(page, f"share gate ({size})")
        screenshot(page, f"every-page-share-gate-{size}")
        page.get_by_label("Your name").fill("Dana")
        page.get_by_role("button", name="Show me the videos").click()
        page.wait_for_load_state("networkidle")
        for name in guest_pages():
            page.goto(base + url_for(name, world, token=world["token"]))
            page.wait_for_load_state("networkidle")
            check(page, f"{name} ({size})")
        screenshot(page, f"every-page-guest-overview-{size}")
        open_the_watch_only_page(page, base, world)
        check(page, f"a watch-only link's refused download ({size})")
        context.close()
    assert not problems, "\n".join(problems)


def top_bar_keeps_to_one_line(page):
    """The name, every link (Campaigns included), the workspace switcher and the account
    share one line at 1366 px."""
    assert page.get_by_role("navigation", name="Main").get_by_role("link").count() >= 8
    tops = page.evaluate(
        """() => [...document.querySelectorAll(
            '.topbar .brand, .nav a, .topbar .switcher summary, .account a'
          )].map((e) => Math.round(e.getBoundingClientRect().top + e.offsetHeight / 2))"""
    )
    assert max(tops) - min(tops) <= 4, tops
