"""What a web worker's memory does when many images are posted at once: 60 reference images of
about 9 MB each, sent in one request to the image field endpoint (as a browser's file input
sends them) and with the generate form itself (as a browser without JavaScript does), each to
a fresh gunicorn worker. The worker's peak resident memory (VmHWM) is read before and after."""

import argparse
import html
import io
import os
import re
import time
import uuid
from pathlib import Path

import httpx
from PIL import Image

from sandbox.testing import SandboxProcess

from .setup import configure, demo_key, login_session, start_gunicorn


def noise_png(megabytes: float) -> bytes:
    """A PNG of random pixels (it does not compress) of about ``megabytes``."""
    side = int((megabytes * 1024**2 / 3) ** 0.5)
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def peak_kib(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))


def worker_of(server) -> int:
    """The pid of gunicorn's one worker."""
    for _ in range(100):
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def measure(name, session_key, path, fields, files, warm_up) -> None:
    server, base = start_gunicorn(
        "--workers", "1", "--timeout", "600", "--log-level", "warning"
    )  # fmt: skip
    try:
        worker = worker_of(server)
        with httpx.Client(base_url=base, cookies={"sessionid": session_key}, timeout=600) as web:
            web.get(warm_up).raise_for_status()  # the worker's code loaded, a page rendered
            token = web.cookies.get("csrftoken") or ""
            before = peak_kib(worker)
            started = time.perf_counter()
            response = web.post(path, data=fields, files=files, headers={"X-CSRFToken": token})
            seconds = time.perf_counter() - started
            after = peak_kib(worker)
        sent = sum(len(data) for _, (_, data, _) in files) / 1024**2
        print(
            f"{name}: {len(files)} files, {sent:.0f} MB sent, HTTP {response.status_code} in "
            f"{seconds:.1f} s; worker peak RSS {before / 1024:.0f} MB -> {after / 1024:.0f} MB "
            f"(+{(after - before) / 1024:.0f} MB)"
        )
        said = re.findall(r'class="(?:field|form)-error"[^>]*>([^<]+)<', response.text)
        for message in dict.fromkeys(said):
            print(f"  the page says: {html.unescape(message.strip())}")
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--megabytes", type=float, default=9.5)
    args = parser.parse_args()
    with SandboxProcess("--quiet") as sandbox:
        configure(sandbox, MARKETOS_SSL_REDIRECT="0", MARKETOS_SECURE_COOKIES="0")
        from django.core.management import call_command

        from common.models import PendingUpload

        call_command("collectstatic", "--no-input", verbosity=0)
        user, key = demo_key()
        session_key = login_session(user)
        image = noise_png(args.megabytes)
        files = [("reference", (f"ref-{n}.png", image, "image/png")) for n in range(args.files)]
        field = {
            "upload_for": "reference",
            "upload_id": "id_reference",
            "upload_label": "Reference",
            "upload_multiple": "1",
        }
        measure("image field (/uploads/)", session_key, "/uploads/", field, files, "/generate/")
        PendingUpload.objects.all().delete()
        form = {
            "idempotency_key": uuid.uuid4().hex,
            "key": str(key.pk),
            "model": "google/veo-3.1",
            "prompt": "A bottle on a table",
            "resolution": "720p",
            "aspect_ratio": "16:9",
            "duration": "8",
        }
        no_script = "generate form (no JavaScript)"
        measure(no_script, session_key, "/generate/", form, files, "/generate/")


if __name__ == "__main__":
    main()
