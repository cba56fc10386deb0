"""Helpers shared by tests (import them from here, never from conftest or another test)."""

from providers.base import JobSpec, ModelInfo, ProviderError


def submit(provider, job: JobSpec):
    """Submit as the app does: with the model as the provider lists it (or, for a model it
    does not list, a bare description, to see what the provider itself says)."""
    try:
        models = provider.list_models()
    except ProviderError:
        models = []
    model = next((m for m in models if m.id == job.model), None)
    return provider.submit(job, model or ModelInfo(provider.slug, job.model, job.model))


def run_in_process(job):
    """Submit, poll and copy ``job`` in this process, as a worker would; returns it reloaded."""
    import time

    from videos import lifecycle
    from videos.models import VideoJob

    lifecycle.submit(job.pk)
    job.refresh_from_db()
    while job.status == VideoJob.Status.WAITING:
        time.sleep(0.2)
        lifecycle.poll(job.pk, job.poll_generation)
        job.refresh_from_db()
    for clip in job.clips.all():
        lifecycle.collect(clip.pk)
    job.refresh_from_db()
    return job


def run_spec(user, key, idempotency, **spec):
    """A job of ``spec`` (JobSpec fields) started with no estimate and run to its end in this
    process, against the sandbox."""
    from videos import lifecycle

    job, _ = lifecycle.start_job(user, key, JobSpec(**spec), idempotency)
    return run_in_process(job)


def run_job(user, key, prompt="Spring launch teaser", model="sandbox/multi-clip", **spec):
    """Start a job as the form would (with its estimate) and run it whole in this process."""
    import uuid

    from providers import registry
    from videos import lifecycle

    spec.setdefault("duration", 4)
    job_spec = JobSpec(model=model, prompt=prompt, **spec)
    info = next(m for m in key.models() if m.id == model)
    estimate = registry.adapter(key.provider).estimate(job_spec, info)
    job, _ = lifecycle.start_job(user, key, job_spec, uuid.uuid4().hex, estimate=estimate)
    return run_in_process(job)


def finished_output(provider, model, prompt="p", **spec):
    """The first output of a job run to its end at ``provider`` (the adapter alone)."""
    import time

    submitted = submit(provider, JobSpec(model=model, prompt=prompt, **spec))
    for _ in range(100):
        state = provider.poll(submitted.polling_url)
        if state.status.is_terminal:
            return state.outputs[0]
        time.sleep(0.1)
    raise AssertionError("no output")


DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "user_agent": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1"
    ),
}


def wait_for(predicate, timeout=30.0, interval=0.1):
    """``predicate()``'s first truthy value, polled until ``timeout`` (then AssertionError)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def until_ended(api, path: str, running: tuple[str, ...], timeout: float = 15.0) -> dict:
    """GET ``path`` from a sandbox API until its ``status`` is no longer one of ``running``."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = api.get(path)
        if response.status_code == 200 and response.json()["status"] not in running:
            return response.json()
        time.sleep(0.05)
    raise AssertionError(f"{path} never ended")


def png_upload(colour="#4f46e5", name="frame.png"):
    """A real 320x180 PNG as a file a form uploads (a named BytesIO)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 180), colour).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def png_b64(colour=(200, 20, 20), size=(32, 18)) -> str:
    """A small real PNG, base64-encoded as the APIs take it inline."""
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def until(page, expression: str, timeout: float = 15.0):
    """Wait until a JS expression is true in ``page``. Playwright's wait_for_function compiles
    its predicate with eval, which the app's Content Security Policy forbids. An expression
    that throws while the page is still loading counts as not yet true."""
    import time

    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate(expression):
                return
            last = "false"
        except Error as error:  # the element is not there yet, or a navigation is under way
            last = error.message
        assert time.monotonic() < deadline, f"not true in time: {expression} ({last})"
        page.wait_for_timeout(50)


def settled(page):
    """No htmx request in flight: the answer to the last change is on the page (a change
    made while an earlier answer is on its way may be swapped away by it)."""
    page.wait_for_timeout(100)
    until(page, "!document.querySelector('.htmx-request')")
    page.wait_for_timeout(100)


def accessible(page, name):
    """No serious or critical axe violations on this page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{name}: {bad}"


def browser_page(browser, viewport, errors):
    """A fresh browser context and page at ``viewport``; console errors and page errors are
    collected in ``errors``. Returns (context, page)."""
    context = browser.new_context(**viewport)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page


def log_in(page, base, username="alice"):
    """Log in through the login form, as a person would, with the password the test users are
    made with (``<name>-pw-1234``); the app then shows the generate page."""
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-pw-1234")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/generate/")


# --- e-mails, as the demo's console prints them --------------------------------------------------


def printed(message) -> str:
    """``message`` as the console backend prints it (the demo's e-mails)."""
    import io

    from django.core.mail.backends.console import EmailBackend as ConsoleBackend

    stream = io.StringIO()
    ConsoleBackend(stream=stream).send_messages([message])
    return stream.getvalue()


def link_of(message, start="http://testserver/") -> str:
    """The one link of ``message`` as printed, found whole on a line of its own."""
    lines = [line.strip() for line in printed(message).splitlines()]
    found = [line for line in lines if line.startswith(start)]
    assert len(found) == 1, printed(message)
    return found[0]


# --- steps people take in the browser -------------------------------------------------------------


def invite_from_the_members_page(page, base, workspace, email, role):
    """Invite ``email`` as ``role`` (its label) from the members page; returns the link of the
    e-mail Django sent, whole and absolute on the live server."""
    from django.core import mail
    from django.urls import reverse

    page.goto(base + reverse("workspaces:members", args=[workspace.slug]))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Role", exact=True).select_option(label=role)
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"Invited {email}").is_visible()
    message = mail.outbox[-1]
    assert message.to == [email]
    # The e-mail as the demo's console prints it: the link whole, on one line, on the app.
    return link_of(message, start=base + "/invitations/")


def generate_in_project(page, base, workspace, project: str, prompt: str):
    """Generate a 4 s sandbox video in ``project`` (its label in the form) of ``workspace``
    from the generate page, and wait on the job page until it is ready."""
    from django.urls import reverse

    page.goto(f"{base}{reverse('videos:generate', args=[workspace.slug])}")
    # Each choice re-renders part of the form: let each answer land before the next choice.
    page.get_by_label("Model").select_option("sandbox/multi-clip")
    page.locator("#id_duration option[value='4']").wait_for(state="attached")
    settled(page)
    page.get_by_label("Duration").select_option("4")
    settled(page)
    page.get_by_label("Project").select_option(label=project)
    settled(page)
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(f"{base}/videos/*/")
    page.locator(".badge-job-ready").wait_for(timeout=60_000)


def open_as_guest(page, link: str, name: str, password: str = ""):
    """Open a share link as a client: give a name (and the password) at its gate."""
    page.goto(link)
    page.get_by_label("Your name").fill(name)
    if password:
        page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Show me the videos").click()


def moment(page) -> str:
    """The moment the comment being written is about (empty: the whole clip)."""
    return page.get_by_label("At (m:ss)").input_value()


def comment_on_the_timeline(page, text: str, fraction: float) -> str:
    """Write a comment whose moment is chosen by a click on the review timeline at
    ``fraction`` of its width; returns the moment the form took."""
    page.get_by_role("textbox", name="Comment").fill(text)
    assert moment(page) == ""  # writing does not pin the comment to the playhead
    strip = page.locator("[data-timeline]")
    box = strip.bounding_box()
    strip.click(position={"x": box["width"] * fraction, "y": box["height"] / 2})
    chosen = moment(page)
    page.get_by_role("button", name="Comment", exact=True).click()
    page.locator(".comment", has_text=text).wait_for()
    return chosen


def comment_at_the_playhead(page, text: str, seconds: float) -> str:
    """Write a comment, move the review video's playhead to ``seconds`` and choose that
    moment with the "At m:ss" button; returns the moment the form took."""
    page.get_by_role("textbox", name="Comment").fill(text)
    assert moment(page) == ""  # writing does not pin the comment to the playhead
    page.evaluate(f"document.querySelector('[data-review-video]').currentTime = {seconds}")
    shown = f"{int(seconds) // 60}:{int(seconds) % 60:02d}"
    page.get_by_role("button", name=f"At {shown}").click()
    chosen = moment(page)
    page.get_by_role("button", name="Comment", exact=True).click()
    page.locator(".comment", has_text=text).wait_for()
    return chosen


def share_with_a_client(page, label: str, password: str = "", works_for_days: int | None = None):
    """From a ready video's page, "Share with a client" (beside Download): a link that lets
    the client comment, approve and ask for changes; returns the link to send."""
    open_the_share_form(page)
    return make_the_link(page, label, password, works_for_days)


def open_the_share_form(page):
    """From a ready video's page, "Share with a client" (beside Download)."""
    actions = page.locator(".carousel-actions")
    actions.get_by_role("link", name="Download clip").wait_for()
    actions.get_by_role("link", name="Share with a client").click()
    page.get_by_role("heading", name="Share this video with a client").wait_for()


def fill_the_share_form(page, label: str, password: str = "", works_for_days: int | None = None):
    """On the share form: a link that lets the client comment, approve and ask for changes
    (and never download), sent with "Make the link"."""
    page.get_by_label("Label").fill(label)
    page.get_by_label("Guests may approve or request changes").check()
    if password:
        page.get_by_label("Password").fill(password)
    if works_for_days is not None:
        page.get_by_label("Works for (days)").fill(str(works_for_days))
    page.get_by_role("button", name="Make the link").click()


def make_the_link(page, label: str, password: str = "", works_for_days: int | None = None):
    """Fill the share form and make the link; returns the link to send."""
    fill_the_share_form(page, label, password, works_for_days)
    return page.get_by_label("Send this link to your client").input_value()


def open_the_revision(page, base, job) -> str:
    """From the review of ``job``'s first clip, "Revise from feedback"; returns the prompt
    the form wrote from the ticked comments."""
    from django.urls import reverse

    page.goto(base + reverse("review:clip", args=[job.public_id, 1]))
    page.get_by_role("link", name="Revise from feedback").click()
    return page.get_by_label("Prompt sent to the provider").input_value()


def make_the_version(page, base, version: int):
    """Send the revision form and wait on the new version's page until it is ready."""
    page.get_by_role("button", name=f"Make version {version}").click()
    page.wait_for_url(f"{base}/videos/*/")
    page.locator(".badge-job-ready").wait_for(timeout=60_000)


def read_everything(context) -> list[tuple[str, str]]:
    """Every page and fragment the server sends ``context`` from now on, as (url, text): to
    look for what must never reach a browser. Redirects reach the browser as they were sent."""
    bodies: list[tuple[str, str]] = []

    def keep(route, request):
        if request.resource_type not in ("document", "xhr", "fetch"):
            route.continue_()
            return
        response = route.fetch(max_redirects=0)
        bodies.append((request.url, response.text()))
        route.fulfill(response=response)

    context.route("**/*", keep)
    return bodies


def hostile_video(
    path, *, size=(64, 64), stated=None, later=None, frames=2, rate=24, last_at=None, streams=1
):
    """A small real video (MOV) of blank frames saying what a hostile provider's file may say.

    Frames are PNG at one bit a pixel, so a blank frame of any size deflates to a few KB and
    encodes in milliseconds: two 16000x16000 frames make a 63 KB file that takes gigabytes to
    decode. ``stated`` is the size the file's header gives (``size`` unless said otherwise);
    ``last_at`` puts the last frame that many seconds in (a long duration in two frames);
    ``later`` is the size of every frame after the first; ``streams`` repeats the video stream.
    """
    from fractions import Fraction

    import av

    def blank(width, height):
        encoder = av.CodecContext.create("png", "w")
        encoder.width, encoder.height, encoder.pix_fmt = width, height, "monob"
        encoder.time_base = Fraction(1, rate)
        encoder.open()
        frame = av.VideoFrame(width, height, "monob")
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        (packet,) = encoder.encode(frame)
        return packet

    first = blank(*size)
    then = blank(*later) if later else first
    with av.open(str(path), "w", format="mov") as out:
        for _ in range(streams):
            stream = out.add_stream("png", rate=rate)
            stream.width, stream.height = stated or size
            stream.pix_fmt = "monob"
        for stream in out.streams:
            for index in range(frames):
                last = index == frames - 1 and index > 0
                packet = then if index else first
                packet.stream = stream
                packet.pts = packet.dts = round(last_at * rate) if last and last_at else index
                packet.time_base = Fraction(1, rate)
                out.mux(packet)
    return path
