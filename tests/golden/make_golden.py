"""The golden file of the default sweep: every figure of its ``results.json`` files as printed.

``python -m tests.golden.make_golden outputs/default/latest-ok`` writes
``tests/golden/default_results.json``: for each run of the sweep (named without its parameter
hash), each leaf of its ``results.json`` as the reports print it (p-values as a table cell,
``0.03`` or ``< 0.001``; other fractional numbers to three significant figures,
:func:`format.number`; whole numbers, strings and booleans unchanged). :func:`differences` compares two such files with the rule of
``sanctions-model readme --check`` (:func:`sanctions_model.reporting.readme.same_printed`: equal,
or within two units of the last printed digit or 10%), number by number inside sentences too.

Used by ``tests/golden/test_default_golden.py``: a restructure (issue 22) must leave the default
sweep's figures where they were. When an estimator change moves them on purpose, regenerate the
file from a fresh ``make report`` and say so in the commit.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.readme import same_printed

GOLDEN = Path(__file__).with_name("default_results.json")
_HASH = re.compile(r"-[0-9a-f]{8}$")
_NUMBER = re.compile(r"[-+\u2212]?\d[\d,]*(?:\.\d+)?")


def printed(value: Any, key: str = "") -> Any:
    """A leaf as the reports print it; a list or mapping leaf by leaf."""
    if isinstance(value, dict):
        return {str(k): printed(v, str(k)) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [printed(v, key) for v in value]
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return str(value)  # counts, ranks and years are printed whole
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return fmt.p_cell(value) if fmt.is_p_name(key) else fmt.number(value, 3)
    raise TypeError(f"{key}: unexpected value {value!r} in results.json")


def printed_figures(sweep_dir: str | Path) -> dict[str, Any]:
    """``{run name without hash: printed results}`` for every run of a finished sweep."""
    folder = Path(sweep_dir).resolve()
    files = sorted(folder.glob("*/results.json"))
    if not files:
        raise FileNotFoundError(f"{sweep_dir}: no */results.json (run `make report` first)")
    out: dict[str, Any] = {}
    for path in files:
        name = _HASH.sub("", path.parent.name)
        if name in out:
            raise ValueError(f"{path.parent}: two runs named {name!r} once the hash is dropped")
        out[name] = printed(json.loads(path.read_text(encoding="utf-8")))
    return out


def _leaves(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out |= _leaves(v, f"{path}.{k}" if path else str(k))
        return out
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out |= _leaves(v, f"{path}[{i}]")
        return out
    return {path: value}


def _same(have: Any, want: Any) -> bool:
    if have == want:
        return True
    if not (isinstance(have, str) and isinstance(want, str)):
        return False
    h, w = _NUMBER.findall(have), _NUMBER.findall(want)
    if _NUMBER.sub("#", have) != _NUMBER.sub("#", want) or len(h) != len(w):
        return False  # the words changed, or a number appeared or went
    return all(
        same_printed(a.replace("\u2212", "-"), b.replace("\u2212", "-"))
        for a, b in zip(h, w, strict=True)
    )


def differences(have: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """Leaves of ``have`` (a sweep) that differ from ``want`` (the golden file) beyond the
    printed precision, and leaves present in one only."""
    a, b = _leaves(have), _leaves(want)
    out = [f"{k}: sweep {a[k]!r} vs golden {b[k]!r}" for k in sorted(a.keys() & b.keys())]
    out = [
        line
        for line, k in zip(out, sorted(a.keys() & b.keys()), strict=True)
        if not _same(a[k], b[k])
    ]
    out += [f"{k}: in the golden file only" for k in sorted(b.keys() - a.keys())]
    out += [f"{k}: in the sweep only" for k in sorted(a.keys() - b.keys())]
    return out


def write_golden(sweep_dir: str | Path, target: Path = GOLDEN) -> Path:
    """Write the golden file from ``sweep_dir`` (to a temporary file, then renamed)."""
    text = json.dumps(printed_figures(sweep_dir), indent=1, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, target)
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tests.golden.make_golden SWEEP_DIR", file=sys.stderr)
        return 2
    try:
        print(write_golden(args[0]))
    except (OSError, ValueError, TypeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
