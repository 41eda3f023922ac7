"""Rows of the findings page: their group order, their post-period, and labels that tell the
runs of a sensitivity sweep apart (used by :mod:`sanctions_model.reporting.findings`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sanctions_model.reporting import format as fmt
from sanctions_model.reporting import labels as lab

_GROUP_ORDER = {g: i for i, g in enumerate(lab.GROUPS)}


def _post_period(results: Mapping[str, Any]) -> str:
    period = results.get("post_period")
    if isinstance(period, list | tuple) and len(period) == 2:
        return f"{fmt.month(period[0])} to {fmt.month(period[1])}"
    return ""


def _distinguish(estimates: list[Any], records: Mapping[str, Any]) -> list[Any]:
    """Rows of one label from different runs (a sensitivity sweep) get the parameters that vary
    among those runs in their label: two pre-periods of one flow are two different rows."""
    from dataclasses import replace

    groups: dict[str, list[int]] = {}
    for i, e in enumerate(estimates):
        groups.setdefault(e.label, []).append(i)
    out = list(estimates)
    for label, rows in groups.items():
        runs = {estimates[i].run for i in rows}
        if len(rows) < 2 or len(runs) < 2:
            continue
        params = {}
        for name in runs:
            record = records.get(name)
            params[name] = (
                {**(record.resolved or {}), **(record.parameters or {})} if record else {}
            )
        keys = sorted({k for p in params.values() for k in p})
        varying = [k for k in keys if len({repr(p.get(k)) for p in params.values()}) > 1]
        for i in rows:
            p = params.get(estimates[i].run, {})
            what = "; ".join(
                f"{lab.param_label(k)} {lab.param_value(k, p.get(k))}" for k in varying
            )
            if what:
                e = estimates[i]
                out[i] = replace(e, label=f"{label} ({what})", run_label=e.run_label or e.label)
    return out


def _table_frame(value: Any):
    """A per-ally table from the shapes a DataFrame's ``to_dict`` gives; None if not a table."""
    import pandas as pd

    try:
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            frame = pd.DataFrame(value)
            for name in ("ally", "reporter", "country", "index"):
                if name in frame.columns:
                    frame = frame.set_index(name)
                    break
        elif isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            frame = pd.DataFrame(value)
            codes = sum(_looks_like_place(c) for c in frame.columns)
            if codes > len(frame.columns) / 2:  # {ally: {column: value}}
                frame = frame.T
        else:
            return None
    except (ValueError, TypeError):
        return None
    frame.index = [str(i) for i in frame.index]
    return frame


def _looks_like_place(text: Any) -> bool:
    text = str(text)
    return bool(re.fullmatch(r"[A-Z]{2}|EU27(_\d{4})?|[A-Z]{3}", text))
