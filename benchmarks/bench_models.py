"""Fit times of the estimators in ``sanctions_model.models`` (a benchmark, not a timed test).

Run: ``python benchmarks/bench_models.py [--repeats 3] [--out benchmarks/results/models.json]``.
Reports the median wall time of each fit and how it scales with series length and panel size.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sanctions_model import models

ROOT = Path(__file__).resolve().parents[1]
YOTOV = ROOT / "data" / "raw" / "reference" / "Chapter2Application2.dta"


def timed(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up (imports, numba compilation in pyfixest)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def gravity_randomization_cases() -> list[tuple[str, str, Callable[[], object]]]:
    """Notebook 03's gravity randomization on the embedded data (issue 23: one vectorised pass):
    ``(name, size, call)`` for this script and for ``make bench`` (``suite/fits.py``)."""
    from sanctions_model.models.gravity import regimes
    from sanctions_model.models.panel import annual as annual_panel

    exports = annual_panel.annual_exports(real=True)
    donors = annual_panel.donor_pool(exports, 2022).donors
    dum = regimes.regime_dummies(exports.data, ["AM", "GE", "KZ", "KG", "UZ"], 2022)
    return [
        ("gravity randomization, Russia among every donor", f"{len(donors)} placebo fits",
         lambda: models.gravity_randomization(
             dum.data, outcome="value", treated="RU", donors=donors, contrasts=dum.contrast,
             windows={"russia_2014": (2014, 2021), "russia_2022": (2022, None)})),
        ("gravity randomization, 5 partners among donor groups", "1,999 placebo fits",
         lambda: models.gravity_randomization(
             dum.data, outcome="value", treated=["AM", "GE", "KZ", "KG", "UZ"], donors=donors,
             windows={"partners_2022": (2022, None)}, reps=1999)),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rows: list[dict[str, object]] = []

    def record(name: str, size: str, fn: Callable[[], object]) -> None:
        sec = timed(fn, args.repeats)
        rows.append({"fit": name, "size": size, "seconds": round(sec, 4)})
        print(f"{name:<55} {size:<28} {sec:8.3f} s", flush=True)

    for n in (68, 136, 272):
        sim = models.simulate_trade_series(n, start="2000-01", effect=-0.5, seed=1)
        when = sim.y.index[int(n * 0.56)]
        record("counterfactual (1000 paths, 100 param draws)", f"{n} months",
               lambda s=sim, w=when: models.estimate_counterfactual(s.y, w))  # fmt: skip
    for n in (68, 136, 272):
        sim = models.simulate_trade_series(n, start="2000-01", effect=-0.5, seed=1)
        when = sim.y.index[int(n * 0.56)]
        record("intervention, ARMA order search p <= 2, q <= 1 (6 fits)", f"{n} months",
               lambda s=sim, w=when: models.fit_intervention(s.y, w))  # fmt: skip
        record("intervention, fixed order (1, 1)", f"{n} months",
               lambda s=sim, w=when: models.fit_intervention(s.y, w, order=(1, 1)))  # fmt: skip
    for n_rep in (27, 74, 270):
        panel = models.simulate_trade_panel(
            reporters=[f"R{i:03d}" for i in range(n_rep)], seed=1, intensity=True
        ).data
        record("event study, pair + reporter^period FE (-6..12)", f"{len(panel):,} rows",
               lambda p=panel: models.estimate_event_study(p, controls="all",
                                                           inference="cluster"))  # fmt: skip
    if YOTOV.exists():
        d = pd.read_stata(YOTOV)
        d = d[d["year"].isin([1986, 1990, 1994, 1998, 2002, 2006])].copy()
        d["year"] = d["year"].astype(int)
        record("gravity PPML, exp-year + imp-year + pair FE", f"{len(d):,} rows (Yotov et al.)",
               lambda: models.fit_gravity_ppml(d, outcome="trade", treatments="RTA",
                                               fixed_effects=("exporter^year", "importer^year",
                                                              "pair_id"),
                                               cluster="pair_id"))  # fmt: skip
    for name, size, fn in gravity_randomization_cases():
        record(name, size, fn)
    if args.out:
        from sanctions_model._io import atomic_write_text

        atomic_write_text(args.out, json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
