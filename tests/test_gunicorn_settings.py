"""gunicorn's production settings are one set: the ones README.md documents, the ones the
systemd unit runs, and the ones the status benchmark measures (bench.setup.GUNICORN)."""

import re
import shlex
from pathlib import Path

from bench.setup import GUNICORN

ROOT = Path(__file__).resolve().parent.parent


def options(command: str) -> list[str]:
    """A gunicorn command line's options, without the app and the address it binds."""
    words = shlex.split(command)
    words = words[words.index("marketos.wsgi") + 1 :]
    at = words.index("--bind")
    return words[:at] + words[at + 2 :]


def test_the_unit_runs_the_settings_the_benchmark_measures():
    unit = (ROOT / "deploy" / "systemd" / "marketos-web.service").read_text()
    command = re.search(r"^ExecStart=(.*?[^\\])$", unit, re.M | re.S)[1].replace("\\\n", " ")
    assert options(command) == list(GUNICORN)


def test_the_readme_documents_the_settings_the_benchmark_measures():
    readme = (ROOT / "README.md").read_text()
    (command,) = re.findall(r"^\s*(gunicorn marketos\.wsgi .*)$", readme, re.M)
    assert options(command) == list(GUNICORN)
    # Keep-alive outlasts the 2 s between a job page's polls, so each page keeps its connection.
    assert int(GUNICORN[GUNICORN.index("--keep-alive") + 1]) > 2
