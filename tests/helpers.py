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
    its predicate with eval, which the app's Content Security Policy forbids."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true in time: {expression}"
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
