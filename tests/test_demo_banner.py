"""`make demo`'s banner: once the app is ready it prints the address and the login in a frame,
then waits; stopping it (as Ctrl-C through honcho does) ends it quietly."""

import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from demo.banner import frame
from demo.env import client_link


class ReadyAfterTwoTries(BaseHTTPRequestHandler):
    asked = 0

    def do_GET(self):
        type(self).asked += 1
        ready = self.path == "/readyz" and type(self).asked > 2
        self.send_response(200 if ready else 503)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_frame_lines_up():
    lines = frame(["Ready.", "Log in as demo"]).strip().splitlines()
    assert len({len(line) for line in lines}) == 1
    assert lines[0].startswith("╔") and lines[-1].startswith("╚")


def test_the_banner_waits_for_the_app_then_stops_quietly():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ReadyAfterTwoTries)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    banner = subprocess.Popen(
        [sys.executable, "-m", "demo.banner", base],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "MARKETOS_DEMO_PASSWORD": "s3cret-demo",
            "MARKETOS_SECRET_KEY": "demo-secret-key",
        },
    )
    try:
        shown = [banner.stdout.readline() for _ in range(12)]
        assert ReadyAfterTwoTries.asked >= 3  # not before the app was ready
        text = "".join(shown)
        assert f"Open        {base}/" in text and "demo     password   s3cret-demo" in text
        # The sample client link seed_demo made with the same secret key, and its password.
        token, password = client_link("demo-secret-key")
        assert f"{base}/s/{token}/     password   {password}" in text
        banner.send_signal(signal.SIGTERM)
        assert banner.wait(timeout=10) == 0
        assert "Traceback" not in banner.stderr.read()
    finally:
        banner.kill()
        server.shutdown()


def test_ctrl_c_while_waiting_for_the_app_is_quiet_too():
    class NeverReady(ReadyAfterTwoTries):
        asked = 0

        def do_GET(self):
            type(self).asked += 1
            self.send_response(503)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), NeverReady)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    banner = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "demo.banner",
            f"http://127.0.0.1:{server.server_address[1]}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not NeverReady.asked:  # it is up and asking
            assert time.monotonic() < deadline
            time.sleep(0.05)
        banner.send_signal(signal.SIGINT)
        assert banner.wait(timeout=10) == 0
        assert "Traceback" not in banner.stderr.read()
        assert banner.stdout.read() == ""  # no login shown for an app that never answered
    finally:
        banner.kill()
        server.shutdown()
