"""Golden files: the google-genai 3.x requests for `INTERACTION_SCENARIOS`, kept in git.

Tests compare with these even where the 3.x environment cannot be built; where it can, a test
rebuilds them and checks they are current. `python -m tests.oracles.regenerate` rewrites them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .capture import CapturedRequest, OracleError, OracleRefused
from .genai3 import GENAI3_API_VERSION, GENAI3_BASE_URL, GENAI3_VERSION, genai3_run
from .scenarios import INTERACTION_SCENARIOS

GOLDEN_DIR = Path(__file__).resolve().parent / "golden" / "interactions"


def golden_path(name: str) -> Path:
    return GOLDEN_DIR / f"{name}.json"


def load_golden(name: str) -> dict[str, Any]:
    """The golden document of one scenario; its `request.body` is the SDK's body."""
    return json.loads(golden_path(name).read_text(encoding="utf-8"))


def golden_body(name: str) -> Any:
    return load_golden(name)["request"]["body"]


def golden_document(name: str, scenario: dict[str, Any], request: CapturedRequest) -> dict:
    return {
        "sdk": "google-genai",
        "version": GENAI3_VERSION,
        "scenario": name,
        "description": scenario["description"],
        "call": {
            "method": f"client.interactions.{scenario['op']}",
            "http_options": {"base_url": GENAI3_BASE_URL, "api_version": GENAI3_API_VERSION},
            "kwargs": scenario["kwargs"],
        },
        "request": {
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "content_type": request.headers.get("content-type"),
            "content_length": len(request.content),
            "body": request.body,
        },
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def build_goldens() -> dict[str, str]:
    """Run every scenario through the 3.x SDK; file name -> file text."""
    names = list(INTERACTION_SCENARIOS)
    results = genai3_run([INTERACTION_SCENARIOS[name] for name in names])
    files = {}
    for name, result in zip(names, results, strict=True):
        if isinstance(result, OracleRefused):
            raise OracleError(f"scenario {name}: {result}")
        if len(result) != 1:
            raise OracleError(f"scenario {name}: expected one request, saw {len(result)}")
        document = golden_document(name, INTERACTION_SCENARIOS[name], result[0])
        files[golden_path(name).name] = render(document)
    return files


def stored_goldens() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in GOLDEN_DIR.glob("*.json")}
