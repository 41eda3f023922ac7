"""The two numerical engines rewritten for speed, each against its old form in the same run.

Run: ``python benchmarks/bench_engines.py [--repeats 5] [--out benchmarks/results/engines.json]``.

- **Counterfactual paths**: notebook 02's 40,000 paths from 4,000 parameter draws on the embedded
  EU27 exports to Russia (level, drift + AR(1) with the monthly seasonal, the pooled model that
  costs most), all draws filtered and simulated at once (``counterfactual._batched``) against
  statsmodels' filter run draw by draw (the fallback path, forced here).
- **Wild cluster bootstrap interval**: notebook 03's exposure design size (27 member-state
  clusters, 99,999 Webb draws): the interval by test inversion from precomputed draw sums
  (``inference._WcrCurve``) against the draws x clusters computation at every null.

Each case reports the median of ``repeats`` timings and the ratio old / new measured in the
same minutes (the machine is shared: only the ratio is comparable between runs).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _times(fn: Callable[[], object], repeats: int) -> list[float]:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def _row(case: str, new: list[float], old: list[float]) -> dict[str, object]:
    t_new, t_old = statistics.median(new), statistics.median(old)
    return {"case": case, "new_seconds": round(t_new, 3), "old_seconds": round(t_old, 3),
            "old_over_new": round(t_old / t_new, 1), "new_values": new, "old_values": old}  # fmt: skip


def _paths_case(repeats: int) -> dict[str, object]:
    from sanctions_model import models
    from sanctions_model.models.counterfactual import _batched
    from sanctions_model.models.counterfactual._structural import fit_structural, simulate_paths

    y = models.load_flow("eurostat_comext", "EU27_2020", "RU", "export", None, start="2019-01",
                         end="2021-12", real=True)  # fmt: skip
    fit = fit_structural(np.log(y.to_numpy(dtype=float)), trend="level, drift + AR(1)",
                         seasonal=12)  # fmt: skip
    kw = dict(n_sims=40_000, n_param_draws=4_000, param_uncertainty=True, n_groups=10)

    def new() -> object:
        return simulate_paths(fit, None, 32, rng=np.random.default_rng(0), **kw)

    real_affine = _batched.affine_system

    def old() -> object:
        _batched.affine_system = lambda *a, **k: None  # the per-draw statsmodels path
        try:
            return simulate_paths(fit, None, 32, rng=np.random.default_rng(0), **kw)
        finally:
            _batched.affine_system = real_affine

    return _row("counterfactual paths (40,000 paths, 4,000 parameter draws, 32 months)",
                _times(new, repeats), _times(old, max(1, repeats // 2)))  # fmt: skip


def _wcr_direct_pvalue(sxy, sxx, v, beta0):
    g, total = sxy.size, float(sxx.sum())
    b = float(sxy.sum()) / total
    score = sxy - b * sxx
    se = math.sqrt(g / (g - 1) * float(score @ score)) / total
    a = sxy - beta0 * sxx
    num = (v @ a) / total
    scores = v * a[None, :] - num[:, None] * sxx[None, :]
    se_star = np.sqrt(g / (g - 1) * np.einsum("ij,ij->i", scores, scores)) / total
    return float(np.mean(np.abs(num / se_star) >= abs((b - beta0) / se) * (1 - 1e-9)))


def _wcr_case(repeats: int) -> dict[str, object]:
    from sanctions_model.models import inference

    rng = np.random.default_rng(3)
    cl = np.repeat(np.arange(27), 40)
    x = rng.standard_normal(cl.size) * rng.lognormal(0, 1, 27)[cl]
    y = 0.1 * x + rng.standard_normal(cl.size)

    def new() -> object:
        res = inference.wild_cluster_bootstrap(y, x, cl, reps=99_999, seed=0)
        return res.conf_int()

    def old() -> object:  # the same bisection, each p-value from draws x clusters
        res = inference.wild_cluster_bootstrap(y, x, cl, reps=99_999, seed=0)
        sxy = np.bincount(res._codes, weights=res._x * res._y, minlength=27)
        sxx = np.bincount(res._codes, weights=res._x * res._x, minlength=27)
        res._curve.pvalue = lambda b0: _wcr_direct_pvalue(sxy, sxx, res._v, b0)
        return res.conf_int()

    assert new() == old()  # the same interval, to the last bit of the bisection
    return _row("wild cluster bootstrap interval (27 clusters, 99,999 draws)",
                _times(new, repeats), _times(old, max(1, repeats // 2)))  # fmt: skip


def run(repeats: int = 5) -> list[dict[str, object]]:
    warnings.simplefilter("ignore")
    return [_paths_case(repeats), _wcr_case(repeats)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rows = run(args.repeats)
    for r in rows:
        print(f"{r['case']:<72} new {r['new_seconds']:7.3f} s  old {r['old_seconds']:7.3f} s  "
              f"old/new {r['old_over_new']}")  # fmt: skip
    if args.out:
        from sanctions_model._io import atomic_write_text

        atomic_write_text(args.out, json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
