"""``python -m sandbox --port N``: run the offline OpenRouter + Gemini video provider."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from .config import Config, parse_keys
from .server import Sandbox, SandboxServer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Offline stand-in for the OpenRouter and Gemini video APIs.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument(
        "--job-seconds",
        type=float,
        default=3.0,
        help="how long a job takes from submit to done (default 3)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(
            os.environ.get("SANDBOX_CACHE_DIR")
            or Path(tempfile.gettempdir()) / "marketos-sandbox-clips"
        ),
        help="where rendered clips are kept between runs",
    )
    parser.add_argument(
        "--openrouter-keys",
        default=os.environ.get("SANDBOX_OPENROUTER_KEYS"),
        help="comma-separated keys to accept (default: any key starting sk-or-v1-sandbox)",
    )
    parser.add_argument(
        "--gemini-keys",
        default=os.environ.get("SANDBOX_GEMINI_KEYS"),
        help="comma-separated keys to accept (default: any key starting AIzaSandbox)",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds each submit and poll takes to answer, randomised 0.5x-1.5x (default 0)",
    )
    parser.add_argument(
        "--download-rate",
        type=int,
        default=None,
        help="bytes per second each download flows at (default: unlimited)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    args = parser.parse_args(argv)

    config = Config(
        job_seconds=args.job_seconds,
        cache_dir=args.cache_dir,
        openrouter_keys=parse_keys(args.openrouter_keys),
        gemini_keys=parse_keys(args.gemini_keys),
        quiet=args.quiet,
        latency=args.latency,
        download_rate=args.download_rate,
    )
    server = SandboxServer((args.host, args.port), Sandbox(config))
    # Exactly one line on stdout: SandboxProcess (and scripts) read the URL from it.
    print(f"sandbox listening on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
