"""Print the demo's address and login in a frame once the app answers, so that it is the last
thing on screen when the demo is ready rather than lost above the processes' start-up lines.

Run by `make demo` (see Procfile) next to the app's processes; it then waits quietly until the
demo is stopped, because honcho stops everything as soon as one of its processes ends.

Usage: python -m demo.banner [address, by default http://127.0.0.1:8000]
"""

import os
import signal
import sys
import time
import urllib.error
import urllib.request

from demo.env import client_link

READY_PATHS = ("/readyz", "/healthz")  # a worker alive too, else at least the web process


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own http URL)
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until_up(base: str, patience: float = 60.0) -> None:
    """Until the app is ready (worker included); after ``patience`` seconds, until it merely
    answers (a worker slow to start is no reason to keep the login hidden)."""
    started = time.monotonic()
    while True:
        waited = time.monotonic() - started
        paths = READY_PATHS if waited > patience else READY_PATHS[:1]
        if any(answers(base + path) for path in paths):
            return
        time.sleep(1)


def frame(lines: list[str]) -> str:
    width = max(len(line) for line in lines) + 4
    return "\n".join(
        ["", "╔" + "═" * width + "╗"]
        + [f"║  {line.ljust(width - 4)}  ║" for line in lines]
        + ["╚" + "═" * width + "╝", ""]
    )


def main() -> None:
    # Ctrl-C (honcho passes it on as SIGTERM) ends this quietly, with no traceback.
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda *_: sys.exit(0))
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    wait_until_up(base)
    password = os.environ.get("MARKETOS_DEMO_PASSWORD", "(see var/demo.env)")
    lines = [
        "MarketOS Video is ready.",
        "",
        f"Open        {base}/",
        f"Log in as   demo     password   {password}",
    ]
    if secret_key := os.environ.get("MARKETOS_SECRET_KEY"):
        token, link_password = client_link(secret_key)
        lines += [
            "",
            "A client's view of the sample video (open it in a private window):",
            f"            {base}/s/{token}/     password   {link_password}",
        ]
    lines += ["", "Ctrl-C stops every process. The password is kept in var/demo.env."]
    print(frame(lines), flush=True)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
