"""Rebuild the google-genai 3.x golden files: `python -m tests.oracles.regenerate [--check]`."""

from __future__ import annotations

import argparse
import sys

from .capture import OracleError
from .genai3 import GENAI3_VERSION, ensure_genai3_env
from .golden import GOLDEN_DIR, build_goldens, stored_goldens


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a golden file is stale"
    )
    args = parser.parse_args(argv)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        ensure_genai3_env(log=log)
        fresh = build_goldens()
    except OracleError as exc:
        log(f"error: {exc}")
        return 2
    stored = stored_goldens()
    changed = sorted(name for name in fresh if stored.get(name) != fresh[name])
    stale = sorted(set(stored) - set(fresh))
    if args.check:
        for name in changed:
            log(f"out of date: {name}")
        for name in stale:
            log(f"no longer a scenario: {name}")
        return 1 if changed or stale else 0
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    for name in changed:
        (GOLDEN_DIR / name).write_text(fresh[name], encoding="utf-8")
    for name in stale:
        (GOLDEN_DIR / name).unlink()
    log(
        f"google-genai {GENAI3_VERSION}: {len(fresh)} golden files, {len(changed)} written, "
        f"{len(stale)} removed"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
