"""Rewrite ``tests/durations.json`` from the ``--durations`` table of a full test run.

    MPLBACKEND=Agg python -m pytest -n 2 --dist loadgroup -q --durations=0 > /tmp/durations.txt
    python -m tests.update_durations /tmp/durations.txt

The file only orders the work (``tests/conftest.py`` starts the longest tests first); a test
missing from it, or a stale figure, changes no result. Setup, call and teardown times of a test
are added (over several tables, the largest total is kept); tests under a second are left out (they take the default of their marker).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

OUT = Path(__file__).with_name("durations.json")
LINE = re.compile(r"^\s*([0-9.]+)s\s+(setup|call|teardown)\s+(\S+)")


def parse(texts: list[str]) -> dict[str, float]:
    """Seconds per test: its phases added up; over several tables, the largest."""
    seconds: dict[str, float] = {}
    for text in texts:
        one: dict[str, float] = {}
        for line in text.splitlines():
            if m := LINE.match(line):
                nodeid = re.sub(r"@[^\]@]+$", "", m[3])  # the xdist group, if any
                one[nodeid] = one.get(nodeid, 0.0) + float(m[1])
        for k, v in one.items():
            seconds[k] = max(v, seconds.get(k, 0.0))
    return {k: round(v, 1) for k, v in sorted(seconds.items()) if v >= 1.0}


def main(paths: list[str]) -> None:
    if not paths:
        raise SystemExit("usage: python -m tests.update_durations DURATIONS_TXT [...]")
    table = parse([Path(p).read_text(encoding="utf-8") for p in paths])
    if not table:
        raise SystemExit(
            f"{', '.join(paths)}: no '--durations' lines (e.g. '12.3s call  tests/..')"
        )
    OUT.write_text(json.dumps(table, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(table)} tests)")


if __name__ == "__main__":
    main(sys.argv[1:])
