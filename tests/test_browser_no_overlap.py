"""No overlap, anywhere: on every page the axe walk visits (the same list, from the access
matrix), at desktop (1366x900) and phone (390x844) size, no visible control (link, button,
field, label, disclosure) or piece of text lies over another, and none is cut off: clipped by
an ancestor that hides its overflow, or partly off the screen's sides.

Text is measured by its line boxes (a paragraph's text beside a link is not "over" it), and
an element is never compared with what it contains. Text cut short on purpose, with an
ellipsis, and what scrolls sideways inside its own scroller are not cut off.
"""

import pytest
from django.urls import reverse

from brand.models import Preset
from tests.factories import make_workspace
from tests.helpers import DESKTOP, PHONE, browser_page, log_in, settled
from tests.test_access_matrix import url_for
from tests.test_browser_every_page_axe import (
    anonymous_pages,
    anonymous_url,
    guest_pages,
    member_pages,
    open_the_watch_only_page,
    real_posters,
    scoped_pages,
)
from tests.world import keep_provider_jobs, world  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Boxes that share less than this (px, each way) only touch: line boxes of neighbouring lines,
# a focus ring's width.
SLACK = 3

# What the page shows, as boxes: every visible control, every visible run of text (per line),
# then which of them overlap, and which are cut off. Returns findings as plain strings.
FIND_PROBLEMS = """(slack) => {
  const CONTROLS = "a[href], button, input:not([type=hidden]), select, textarea, label, summary";
  const width = document.documentElement.clientWidth;
  const name = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || el.alt || "")
      .trim().replace(/\\s+/g, " ").slice(0, 40);
    const id = el.id ? "#" + el.id : "";
    const cls = el.classList.length ? "." + [...el.classList].slice(0, 2).join(".") : "";
    return `${el.tagName.toLowerCase()}${id}${cls}${text ? ` "${text}"` : ""}`;
  };
  // Hidden from sight: not rendered, transparent, or inside something shrunk to a pixel
  // (.visually-hidden) or clipped away on purpose.
  const hidden = (el) => {
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return true;
    for (let up = el; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.clip !== "auto" && style.position === "absolute") return true;
      if (style.clipPath !== "none") return true;
      const box = up.getBoundingClientRect();
      if (box.width <= 1 && box.height <= 1) return true;
    }
    return false;
  };
  const boxes = [];  // {owner, rects, what}
  for (const el of document.querySelectorAll(CONTROLS)) {
    if (hidden(el)) continue;
    const rects = [...el.getClientRects()].filter((r) => r.width > 1 && r.height > 1);
    if (rects.length) boxes.push({ owner: el, rects, what: name(el), text: false });
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el) continue;
    if (el.closest("script, style, template, option, select, textarea")) continue;
    if (hidden(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter((r) => r.width > 1 && r.height > 1);
    const words = node.textContent.trim().replace(/\\s+/g, " ").slice(0, 40);
    const what = `text "${words}" in ${name(el)}`;
    if (rects.length) boxes.push({ owner: el, rects, what, text: true });
  }
  const overlap = (a, b) =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > slack &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > slack;
  const related = (a, b) => a === b || a.contains(b) || b.contains(a);
  // A label's own control and a control's own label are one thing.
  const labelled = (a, b) =>
    (a.tagName === "LABEL" && a.control === b) || (b.tagName === "LABEL" && b.control === a);
  // A problem is told once per control (a button and the text in it are one thing).
  const ids = new Map();
  const root = (el) => {
    const whole = el.closest(CONTROLS) || el;
    if (!ids.has(whole)) ids.set(whole, ids.size);
    return ids.get(whole);
  };
  const told = new Set();
  const once = (key) => !told.has(key) && told.add(key);
  const found = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (related(a.owner, b.owner) || labelled(a.owner, b.owner)) continue;
      if (!a.rects.some((r) => b.rects.some((s) => overlap(r, s)))) continue;
      const pair = [root(a.owner), root(b.owner)].sort().join(" ");
      if (once("overlap " + pair)) found.push(`overlap: ${a.what} and ${b.what}`);
    }
  }
  // Cut off: by an ancestor that clips its overflow, or by the sides of the screen.
  for (const box of boxes) {
    let sideways = false;
    // Text is clipped by the element holding it too; a control only by those around it.
    const first = box.text ? box.owner : box.owner.parentElement;
    for (let up = first; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      const shortened = style.textOverflow === "ellipsis" || style.webkitLineClamp !== "none";
      if (shortened || ["auto", "scroll"].includes(style.overflowX)) { sideways = true; break; }
      const clipsX = ["hidden", "clip"].includes(style.overflowX);
      const clipsY = ["hidden", "clip"].includes(style.overflowY);
      if (!clipsX && !clipsY) continue;
      const edge = up.getBoundingClientRect();
      for (const r of box.rects) {
        const outX = clipsX && (r.left < edge.left - slack || r.right > edge.right + slack);
        const outY = clipsY && (r.top < edge.top - slack || r.bottom > edge.bottom + slack);
        const seen =
          r.right > edge.left && r.left < edge.right && r.bottom > edge.top && r.top < edge.bottom;
        if (!seen || !(outX || outY)) continue;
        if (once(`cut ${root(box.owner)}`)) found.push(`cut off by ${name(up)}: ${box.what}`);
        break;
      }
    }
    if (sideways || getComputedStyle(box.owner).textOverflow === "ellipsis") continue;
    for (const r of box.rects) {
      const partly =
        (r.left < -slack && r.right > 0) || (r.right > width + slack && r.left < width);
      const where = `${Math.round(r.left)} to ${Math.round(r.right)} px`;
      if (!partly) continue;
      if (once(`off ${root(box.owner)}`)) found.push(`off the screen (${where}): ${box.what}`);
      break;
    }
  }
  return found;
}"""


def problems_on(page, where: str, screenshot) -> list[str]:
    """What overlaps or is cut off on ``page``; a page with problems is photographed."""
    # Loaded, fonts and images laid out, no htmx request on its way (quicker than waiting for
    # the network to stay idle, page after page).
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    settled(page)
    found = [f"{where}: {problem}" for problem in page.evaluate(FIND_PROBLEMS, SLACK)]
    if found:
        screenshot(page, "overlap-" + "".join(c if c.isalnum() else "-" for c in where))
    return found


def test_no_control_or_text_overlaps_or_is_cut_off_on_any_page(
    browser,
    live_server,
    world,  # noqa: F811
    user,
    screenshot,
    settings,
):
    settings.OPEN_SIGNUP = True  # its page is walked too
    make_workspace(user, "Acme Agency")  # two workspaces: the top bar has its switcher
    user.is_staff = True  # and the Admin link
    user.save()
    real_posters()
    # A preset with a prompt as long as those that come with the app (which a flushed
    # database no longer has).
    Preset.objects.create(
        workspace=world["workspace"],
        name="Kitchen morning",
        prompt_template="A slow, low-angle dolly-in on {product} on a sunlit worktop, " * 4,
    )
    base = live_server.url
    errors: list[str] = []
    problems: list[str] = []
    for viewport, size in ((DESKTOP, "desktop"), (PHONE, "phone")):
        context, page = browser_page(browser, viewport, errors)
        log_in(page, base)
        for name in member_pages():
            page.goto(base + url_for(name, world))
            problems += problems_on(page, f"{name} ({size})", screenshot)
        for name in scoped_pages():
            page.goto(base + reverse(name, args=[world["workspace"].slug]))
            problems += problems_on(page, f"{name} in a workspace ({size})", screenshot)
        context.close()

        context, page = browser_page(browser, viewport, errors)
        for name, path in (
            ("login", "/login/"),
            ("404", "/no-such-page/"),
            ("dead share link", "/s/no-such-link/"),
        ):
            page.goto(base + path)
            problems += problems_on(page, f"{name} ({size})", screenshot)
        for name in anonymous_pages():
            page.goto(base + anonymous_url(name, world, user))
            problems += problems_on(page, f"{name}, logged out ({size})", screenshot)
        page.goto(base + url_for("share:gate", world))
        problems += problems_on(page, f"share gate ({size})", screenshot)
        page.get_by_label("Your name").fill("Dana")
        page.get_by_role("button", name="Show me the videos").click()
        for name in guest_pages():
            page.goto(base + url_for(name, world, token=world["token"]))
            problems += problems_on(page, f"{name} ({size})", screenshot)
        open_the_watch_only_page(page, base, world)
        problems += problems_on(page, f"a watch-only link's refused download ({size})", screenshot)
        context.close()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


SAMPLE = """<!doctype html><html><body style="margin:0;font:16px sans-serif">
<div style="position:relative;height:40px">
  <a href="#" id="under">Under</a>
  <button id="over" style="position:absolute;left:10px;top:0">Over</button>
</div>
<div style="width:80px;height:20px;overflow:hidden">
  <button id="clipped" style="width:200px">Clipped</button>
</div>
<p id="short" style="width:90px;height:20px;overflow:hidden">Two lines of text here</p>
<p style="margin-left:360px;white-space:nowrap">
  <a href="#" id="offscreen">Beyond the right edge</a>
</p>
<p>Text beside <a href="#">a link</a> and text again, wrapping or not.</p>
<label for="f">Name</label> <input id="f">
<label>Wrapped <input></label>
<div style="width:60px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap">
  A name cut short
</div>
<div style="width:60px;overflow-x:auto">
  <span style="white-space:nowrap">A table that scrolls</span>
</div>
<span style="position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)">
  Hidden
</span>
<a href="#" style="position:absolute;left:-999px">Skip link</a>
</body></html>"""


def test_the_check_finds_overlaps_and_cut_offs_and_leaves_what_is_meant(browser):
    """The check itself: what it must find, and what it must leave alone."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_content(SAMPLE)
    found = page.evaluate(FIND_PROBLEMS, SLACK)
    context.close()
    assert len(found) == 4, found
    assert any(f.startswith("cut off by p#short") for f in found), found
    assert any("overlap" in f and "#under" in f and "#over" in f for f in found), found
    assert any(f.startswith("cut off by div") and "#clipped" in f for f in found), found
    assert any(f.startswith("off the screen") and "#offscreen" in f for f in found), found
