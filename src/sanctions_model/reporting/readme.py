"""README findings written from a sweep: ``sanctions-model readme --sweep outputs/default/latest-ok``.

The text between ``<!-- findings:start -->`` and ``<!-- findings:end -->`` in README.md is
replaced by a list of sentences built from the sweep's ``results.json`` files (the figures of the
findings page, :mod:`sanctions_model.reporting.findings`, each sentence by
:func:`sanctions_model.reporting.text.effect_sentence`). :func:`readme_differences` compares the
numbers of a README's block with those a sweep gives, after the same rounding, so a test fails
when the README has gone stale.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sanctions_model.errors import ParameterError
from sanctions_model.reporting import format as fmt
from sanctions_model.reporting.answers import build_answers
from sanctions_model.reporting.findings import TIED, Estimate, build_sections
from sanctions_model.reporting.markdown import escape_markdown
from sanctions_model.reporting.real_terms import price_markdown, price_rows
from sanctions_model.reporting.text import effect_sentence

__all__ = [
    "END",
    "START",
    "findings_markdown",
    "read_sweep",
    "readme_differences",
    "update_readme",
]

START = "<!-- findings:start -->"
END = "<!-- findings:end -->"
_RUN_NAME = re.compile(r"\b\d\d_[a-z_]+(?:-[\w.-]+)?-[0-9a-f]{8}\b")
_NUMBER = re.compile(r"[-+\u2212]?\d[\d,]*(?:\.\d+)?")


class _Run:
    """The fields of a run record that the findings read (from run.json)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.name = str(data.get("name", ""))
        self.notebook = str(data.get("notebook", ""))
        self.status = str(data.get("status", ""))
        self.parameters = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
        self.resolved = data.get("resolved") if isinstance(data.get("resolved"), dict) else {}
        self.results = data.get("results")
        self.files = data.get("files") if isinstance(data.get("files"), list) else []


def finished_sweep(sweep_dir: str | Path) -> Path:
    """``sweep_dir`` if it holds a finished, successful sweep (``sweep.json`` with ``"ok": true``);
    else a :class:`ParameterError` naming why (running, killed, failed)."""
    folder = Path(sweep_dir)
    if not folder.is_dir():
        raise ParameterError(f"--sweep {sweep_dir}: no such sweep folder (run `make report` first)")
    record = folder / "sweep.json"
    try:
        info = json.loads(record.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(
            f"--sweep {sweep_dir}: no sweep.json, so the sweep is still running or was stopped "
            "before it finished; use a finished sweep (outputs/<name>/latest-ok)"
        ) from None
    except (OSError, ValueError) as exc:
        raise ParameterError(f"{record}: not readable JSON ({exc})") from None
    if not isinstance(info, dict) or info.get("ok") is not True:
        failed = info.get("failed") if isinstance(info, dict) else None
        names = (
            f" (failed: {', '.join(map(str, failed))})"
            if isinstance(failed, list) and failed
            else ""
        )
        raise ParameterError(
            f"--sweep {sweep_dir}: {record.name} does not say the sweep succeeded{names}; the "
            "README is written only from a sweep in which every run succeeded (latest-ok)"
        )
    return folder


def read_sweep(sweep_dir: str | Path) -> list[_Run]:
    """The run records of a sweep folder (a timestamp folder, or ``latest``/``latest-ok``)."""
    folder = Path(sweep_dir)
    if not folder.is_dir():
        raise ParameterError(f"--sweep {sweep_dir}: no such sweep folder (run `make report` first)")
    runs = []
    for child in sorted(folder.iterdir()):
        record = child / "run.json"
        if child.is_dir() and record.is_file():
            try:
                runs.append(_Run(json.loads(record.read_text(encoding="utf-8"))))
            except ValueError as exc:
                raise ParameterError(f"{record}: not valid JSON ({exc})") from None
    if not runs:
        raise ParameterError(f"--sweep {sweep_dir}: no run.json in its subfolders")
    return runs


_REFERENCE = {
    "effects": "the counterfactual",
    "synthetic": "the synthetic control",
    "diversion": "the comparison destinations",
}
_PER_ALLY = ("allies", "direct", "index")


def _shown(est: Estimate) -> str:
    if est.scale == "log":
        return fmt.log_points(est.value)
    if est.scale == "relative":
        return fmt.pct(est.value)
    if est.scale == "money":
        return fmt.money(est.value)
    return fmt.ratio(est.value) if est.scale == "ratio" else fmt.compact(est.value)


def _sentence(est: Estimate, section: str) -> str:
    """One figure as a sentence: effect_sentence when there is an interval, else the figure."""
    scale = {"relative": "relative", "log": "log", "ratio": "ratio", "money": "level"}.get(
        est.scale
    )
    name = escape_markdown(est.label) + (f", {est.period}" if est.period else "")
    if scale is None or not est.has_interval:
        extra = [
            f"interval {est.interval_text}"
            if est.interval_text
            else f"interval {_shown_bound(est.lower, est)} to {_shown_bound(est.upper, est)}"
        ]
        extra = extra if est.has_interval else []
        extra += (
            [est.p_text or fmt.pvalue(est.p_value, upper_bound=est.p_upper_bound)]
            if est.p_value is not None or est.p_text
            else []
        )
        extra += [escape_markdown(est.note)] if est.note else []
        return f"{name}: {_shown(est)}" + (f" ({'; '.join(extra)})." if extra else ".")
    text = effect_sentence(
        name,
        est.value,
        est.lower,
        est.upper,
        p_value=est.p_value,  # unadjusted, like the interval
        p_upper_bound=est.p_upper_bound,
        at_alpha=est.at_alpha,
        alpha=est.alpha,
        scale=scale,
        # the exposure design compares member states with each other, not destinations
        reference="the least exposed member state"
        if "least exposed member state" in est.label
        else _REFERENCE.get(section, "no effect"),
    )
    if est.p_text and est.p_value is not None:  # the run's own bound, as it wrote it
        text = text.replace(fmt.pvalue(est.p_value, upper_bound=est.p_upper_bound), est.p_text, 1)
    if est.interval_text:  # the interval as the run's report printed it (same digits)
        from sanctions_model.reporting.text import _show

        lo, hi = (_show(float(v), scale, "EUR") for v in (est.lower, est.upper))  # type: ignore[arg-type]
        text = text.replace(f"interval {lo} to {hi}", f"interval {est.interval_text}", 1)
    if est.p_adjusted is not None:
        adjusted = est.p_adjusted_text or fmt.pvalue(est.p_adjusted)
        text += f" Adjusted for the family ({est.p_adjustment}): {adjusted}" + (
            ", not distinguishable from zero after the adjustment."
            if est.p_adjusted >= est.alpha and est.p_value is not None and est.p_value < est.alpha
            else "."
        )
    return text


def _compact_line(est: Estimate) -> str:
    tied = "tied; " if est.note == TIED else ""
    interval = f" ({tied}{_shown_bound(est.lower, est)} to {_shown_bound(est.upper, est)})"
    if tied and not est.has_interval:
        return f"{escape_markdown(est.label)} {_shown(est)} (tied)"
    return f"{escape_markdown(est.label)} {_shown(est)}" + (interval if est.has_interval else "")


def _shown_bound(value: float | None, est: Estimate) -> str:
    return _shown(Estimate(est.label, value, scale=est.scale)) if value is not None else ""


def findings_markdown(runs: list[Any], *, source: str = "") -> str:
    """The README block: one heading per section of the findings page, one bullet per figure."""
    lines = []
    if source:
        lines.append(f"_Generated by `sanctions-model readme` from {source}; do not edit by hand._")
        lines.append("")
    answers = build_answers(runs)
    if any(a.runs for a in answers):
        lines.append("**Answers**")
        lines.append("")
        for n, answer in enumerate(answers, 1):
            lines.append(
                f"{n}. *{answer.question}* " + " ".join(map(escape_markdown, answer.sentences))
            )
        lines.append("")
    lines += price_markdown(price_rows(runs))
    for section in build_sections(runs):
        if not section.estimates:
            continue
        lines.append(f"**{section.title}**")
        lines.append("")
        if section.key in _PER_ALLY:  # one line per section: the findings page has the rest
            lines.append("; ".join(_compact_line(e) for e in section.estimates) + ".")
        else:
            lines += [f"- {_sentence(e, section.key)}" for e in section.estimates]
        lines.append("")
    if not lines:
        lines.append("_The sweep recorded no headline figures._")
    return "\n".join(lines).rstrip() + "\n"


def _block(text: str, path: str | Path) -> tuple[int, int]:
    start, end = text.find(START), text.find(END)
    if start < 0 or end < 0 or end < start:
        raise ParameterError(
            f"{path}: needs the markers {START} and {END} (in that order) around the findings"
        )
    return start + len(START), end


def update_readme(readme: str | Path, sweep_dir: str | Path) -> bool:
    """Rewrite the findings block of ``readme`` from ``sweep_dir``; True if the file changed."""
    path = Path(readme)
    text = path.read_text(encoding="utf-8")
    a, b = _block(text, path)
    finished_sweep(sweep_dir)
    block = "\n" + findings_markdown(read_sweep(sweep_dir), source=_source(sweep_dir)) + "\n"
    new = text[:a] + block + text[b:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def _source(sweep_dir: str | Path) -> str:
    folder = Path(sweep_dir)
    stamp = folder.resolve().name
    return f"the sweep `{folder.parent.name}/{folder.name}` ({stamp})"


def _numbers(text: str) -> list[str]:
    # the generated-by line names the sweep's timestamp: not a finding
    body = "\n".join(line for line in text.splitlines() if not line.startswith("_Generated"))
    body = _RUN_NAME.sub("", body.replace("\\_", "_"))  # a run's name and hash: not a finding
    return [m.replace("\u2212", "-") for m in _NUMBER.findall(body)]


MONTE_CARLO = 0.10
"""Relative difference within which two printed figures from simulation draws agree: percentile
bounds and p-values from 1,000 draws move by a few percent of their value with the seed, the
machine or the thread count (KZ's lower bound +59% on one machine, +56% on another)."""


def _last_digit(text: str) -> float:
    """The value of one unit in the last printed digit: ``59`` -> 1, ``0.46`` -> 0.01,
    ``1,200`` -> 100 (two significant figures)."""
    digits = text.lstrip("+-").replace(",", "")
    if "." in digits:
        return 10.0 ** -len(digits.split(".")[1])
    stripped = digits.rstrip("0")
    return 10.0 ** (len(digits) - len(stripped)) if stripped else 1.0


def same_printed(have: str, want: str, *, tolerance: float = MONTE_CARLO) -> bool:
    """Whether two printed numbers agree at the precision the draws support: equal, or within
    two units of the last printed digit or ``tolerance`` of their size. Years (1900-2100, no
    sign or decimals) must be equal."""
    if have == want:
        return True
    try:
        h, w = float(have.replace(",", "")), float(want.replace(",", ""))
    except ValueError:
        return False
    if any(re.fullmatch(r"(19|20)\d\d", t) for t in (have, want)):
        return False
    if (h < 0) != (w < 0) and h and w:
        return False  # a change of direction is never noise to gloss over
    unit = max(_last_digit(have), _last_digit(want))
    return abs(h - w) <= max(2 * unit, tolerance * max(abs(h), abs(w)))


def readme_differences(readme: str | Path, sweep_dir: str | Path) -> list[str]:
    """Numbers of the README block that differ from the sweep's at the precision the draws
    support (:func:`same_printed`); also when the sweep did not finish successfully."""
    text = Path(readme).read_text(encoding="utf-8")
    a, b = _block(text, readme)
    finished_sweep(sweep_dir)
    have = _numbers(text[a:b])
    want = _numbers(findings_markdown(read_sweep(sweep_dir)))
    diffs = [
        f"README {h} vs sweep {w}"
        for h, w in zip(have, want, strict=False)
        if not same_printed(h, w)
    ]
    if len(have) != len(want):
        diffs.append(f"README has {len(have)} numbers, the sweep gives {len(want)}")
    return diffs
