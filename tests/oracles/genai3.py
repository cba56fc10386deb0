"""google-genai 3.x as the oracle for Interactions API bodies.

3.x cannot share an environment with the 2.x the app's tests use, so it gets its own venv,
built once with `python -m venv` and pip from the exact pins in `genai3-requirements.txt`,
cached under `var/oracles/genai3/<version>-py<X.Y>-<digest of the pins>/` (git-ignored;
`MARKETOS_ORACLES_DIR` moves `var/oracles`). A small script (`_genai3_child.py`) runs there
as a subprocess: JSON calls in on stdin, the captured requests out on stdout.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .capture import CapturedRequest, OracleEnvUnavailable, OracleError, OracleRefused

GENAI3_VERSION = "3.4.0"
GENAI3_BASE_URL = "https://oracle.invalid"
GENAI3_API_VERSION = "v1beta"
GENAI3_KEY = "AIza-oracle"

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
REQUIREMENTS = HERE / "genai3-requirements.txt"
CHILD_SCRIPT = HERE / "_genai3_child.py"
BUILD_TIMEOUT = 900
CALL_TIMEOUT = 300

# pip's words when the registry cannot be reached (as opposed to a real install failure).
_OFFLINE_MARKERS = re.compile(
    r"NewConnectionError|Failed to establish a new connection|Temporary failure in name "
    r"resolution|Name or service not known|nodename nor servname|Network is unreachable|"
    r"Connection refused|ConnectTimeoutError|Read timed out|ProxyError|No route to host|"
    r"\(from versions: none\)",
)


def _oracles_dir() -> Path:
    configured = os.environ.get("MARKETOS_ORACLES_DIR")
    return Path(configured) if configured else REPO_ROOT / "var" / "oracles"


def genai3_env_dir(requirements: Path = REQUIREMENTS) -> Path:
    """Where the environment for these pins lives (it may not exist yet)."""
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    python = f"py{sys.version_info.major}.{sys.version_info.minor}"
    return _oracles_dir() / "genai3" / f"{GENAI3_VERSION}-{python}-{digest}"


def _env_python(env_dir: Path) -> Path:
    scripts = "Scripts" if sysconfig.get_platform().startswith("win") else "bin"
    name = "python.exe" if scripts == "Scripts" else "python"
    return env_dir / scripts / name


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """One builder at a time across processes (pytest-xdist workers share the cache)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # no fcntl: concurrent builders are then the caller's problem
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def pip_failure_is_offline(output: str) -> bool:
    """True when pip's output says the registry could not be reached."""
    return bool(_OFFLINE_MARKERS.search(output))


def _run_build_step(command: list[str], what: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OracleEnvUnavailable(
            f"could not build the google-genai {GENAI3_VERSION} environment: {what} failed "
            f"to run ({exc})",
            offline=isinstance(exc, subprocess.TimeoutExpired),
        ) from exc


def ensure_genai3_env(
    *,
    base_python: str | None = None,
    requirements: Path = REQUIREMENTS,
    env_dir: Path | None = None,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Build (once) the isolated google-genai 3.x environment; return its interpreter.

    Raises `OracleEnvUnavailable` with pip's own words when it cannot be built; its
    `offline` attribute says whether the registry was unreachable.
    """
    env_dir = env_dir or genai3_env_dir(requirements)
    python = _env_python(env_dir)
    stamp = env_dir / ".complete"
    if stamp.is_file() and python.exists():
        return python
    with _exclusive(env_dir.with_name(env_dir.name + ".lock")):
        if stamp.is_file() and python.exists():  # another process built it meanwhile
            return python
        if log:
            log(f"building the google-genai {GENAI3_VERSION} oracle environment in {env_dir}")
        shutil.rmtree(env_dir, ignore_errors=True)
        made = _run_build_step(
            [base_python or sys.executable, "-m", "venv", str(env_dir)], "python -m venv"
        )
        if made.returncode != 0:
            raise OracleEnvUnavailable(
                f"could not build the google-genai {GENAI3_VERSION} environment: "
                f"python -m venv failed:\n{_tail(made.stdout + made.stderr)}",
                offline=False,
            )
        installed = _run_build_step(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--quiet",
                "--retries",
                "2",
                "--timeout",
                "30",
                "-r",
                str(requirements),
            ],
            "pip install",
        )
        if installed.returncode != 0:
            output = installed.stdout + installed.stderr
            offline = pip_failure_is_offline(output)
            reason = "the package registry is unreachable" if offline else "pip install failed"
            raise OracleEnvUnavailable(
                f"could not build the google-genai {GENAI3_VERSION} environment ({reason}):\n"
                f"{_tail(output)}",
                offline=offline,
            )
        probe = _run_build_step(
            [str(python), "-I", "-c", "import google.genai; print(google.genai.__version__)"],
            "the version check",
        )
        if probe.stdout.strip() != GENAI3_VERSION:
            raise OracleEnvUnavailable(
                f"the built environment has google-genai {probe.stdout.strip() or '?'} "
                f"instead of {GENAI3_VERSION}:\n{_tail(probe.stderr)}",
                offline=False,
            )
        stamp.write_text(
            json.dumps({"google-genai": GENAI3_VERSION, "python": sys.version.split()[0]}) + "\n"
        )
    return python


def _jsonable(value: Any) -> Any:
    """bytes become base64 text, which is what the 3.x SDK takes for inline `data`."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _child_environment() -> dict[str, str]:
    """The caller's environment without anything that could steer the SDK elsewhere."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GOOGLE_", "GEMINI_", "PYTHON")) and "PROXY" not in key.upper()
    }


def genai3_run(calls: list[dict[str, Any]]) -> list[list[CapturedRequest] | OracleRefused]:
    """Run several SDK calls in one subprocess (cheaper than one each).

    Each call is `{"op": "create"|"get"|"cancel", "kwargs": {...}}`, the kwargs of
    `client.interactions.<op>` (bytes anywhere are sent as base64 text). The result for a call
    is the list of requests it made, or the `OracleRefused` the SDK raised.
    """
    python = ensure_genai3_env()
    job = {
        "expected_version": GENAI3_VERSION,
        "base_url": GENAI3_BASE_URL,
        "api_key": GENAI3_KEY,
        "api_version": GENAI3_API_VERSION,
        "calls": [
            {"op": call["op"], "kwargs": _jsonable(call.get("kwargs", {}))} for call in calls
        ],
    }
    try:
        done = subprocess.run(
            [str(python), "-I", str(CHILD_SCRIPT)],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            timeout=CALL_TIMEOUT,
            env=_child_environment(),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OracleError(f"the google-genai {GENAI3_VERSION} oracle did not run: {exc}") from exc
    if done.returncode != 0:
        raise OracleError(
            f"the google-genai {GENAI3_VERSION} oracle failed (exit {done.returncode}):\n"
            f"{_tail(done.stderr)}"
        )
    try:
        answer = json.loads(done.stdout)
    except ValueError as exc:
        raise OracleError(f"the google-genai oracle wrote no JSON:\n{_tail(done.stdout)}") from exc
    if answer.get("version") != GENAI3_VERSION or len(answer["results"]) != len(calls):
        raise OracleError(f"unexpected answer from the google-genai oracle: {answer!r:.500}")
    results: list[list[CapturedRequest] | OracleRefused] = []
    for result in answer["results"]:
        if result["ok"]:
            results.append([CapturedRequest.from_json(item) for item in result["requests"]])
        else:
            results.append(
                OracleRefused(
                    f"google-genai {GENAI3_VERSION}", result["message"], result["error_type"]
                )
            )
    return results


def _one(op: str, kwargs: dict[str, Any]) -> CapturedRequest:
    (result,) = genai3_run([{"op": op, "kwargs": kwargs}])
    if isinstance(result, OracleRefused):
        raise result
    if len(result) != 1:
        raise OracleError(f"expected one request from interactions.{op}, saw {len(result)}")
    return result[0]


def genai3_interactions_request(**kwargs: Any) -> CapturedRequest:
    """The request `client.interactions.create(**kwargs)` sends (google-genai 3.4, v1beta)."""
    return _one("create", kwargs)


def genai3_interactions_body(**kwargs: Any) -> dict[str, Any]:
    """The JSON body of `genai3_interactions_request(**kwargs)`."""
    return genai3_interactions_request(**kwargs).body


def genai3_get_request(interaction_id: str, **kwargs: Any) -> CapturedRequest:
    """The request `client.interactions.get(interaction_id, **kwargs)` sends."""
    return _one("get", {"id": interaction_id, **kwargs})


def genai3_cancel_request(interaction_id: str) -> CapturedRequest:
    """The request `client.interactions.cancel(interaction_id)` sends."""
    return _one("cancel", {"id": interaction_id})
