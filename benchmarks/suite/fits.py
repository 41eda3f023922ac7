"""Estimator fits and the rewritten numerical engines against their old forms (case 4)."""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from suite.common import (
    BENCH,
    Row,
    log,
)

# -- case 4: estimator fits ----------------------------------------------------------------------


def timed(
    fn: Callable[[], Any], repeats: int, warmup: int = 1, budget: float | None = None
) -> list[float]:
    """Seconds of ``repeats`` calls after ``warmup`` calls; stop early once ``budget`` is spent."""
    for _ in range(warmup):
        fn()
    out: list[float] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
        if budget is not None and sum(out) > budget:
            break
    return out


def bench_engines(args: argparse.Namespace) -> list[Row]:
    """The rewritten numerical engines against their old forms, same run
    (``benchmarks/bench_engines.py``): the batched counterfactual paths and the WCR interval."""
    spec = importlib.util.spec_from_file_location("bench_engines", BENCH / "bench_engines.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_engines"] = module
    spec.loader.exec_module(module)
    rows = []
    for r in module.run(args.repeats or (3 if args.quick else 5)):
        speedup = r["old_seconds"] / r["new_seconds"]
        rows.append(
            Row(
                "5 numerical engines",
                str(r["case"]),
                "s",
                [float(v) for v in r["new_values"]],
                "old form (per-draw filter / draws x clusters at every null)",
                [float(v) for v in r["old_values"]],
                target=">= 3x the old form",
                met=speedup >= 3,
                extra={"speedup": round(speedup, 2)},
            )
        )
    return rows


def bench_fits(args: argparse.Namespace) -> list[Row]:
    from sanctions_model import data, models

    repeats = args.repeats
    rows: list[Row] = []
    trade = data.load_trade(reporter="EU27_2020", partner="RU", flow="export")
    y = trade.set_index("period")["value"].sort_index()
    # A light configuration (one fixed model, 500 paths) for the scaling rows below; the notebook's
    # defaults (model choice among eight candidates, 40,000 paths) are timed on the real series
    # after them.
    kw = {"log": True, "trend": "local level", "n_sims": 500}
    log(f"fits: counterfactual on the real series ({len(y)} months)")
    real = timed(lambda: models.estimate_counterfactual(y, "2022-03", **kw), repeats)
    base_name = f"counterfactual, real EU27_2020->RU, {len(y)} months"
    row = Row("4 estimator fits", base_name, "s", real, target="< 0.3 s")
    row.met = statistics.median(real) < 0.3
    rows.append(row)
    cf = models.estimate_counterfactual(y, "2022-03", **kw)
    if hasattr(cf, "placebo_test"):
        log("fits: placebo backtest of that fit (what the notebook runs next)")
        rows.append(
            Row(
                "4 estimator fits",
                f"counterfactual placebo test, real series, {len(y)} months",
                "s",
                timed(cf.placebo_test, max(1, repeats // 2), warmup=0),
                base_name,
                real,
            )
        )
    lengths = (36, 68, 120, 240) if args.quick else (36, 68, 120, 240, 360, 600)
    for n in lengths:
        sim = models.simulate_trade_series(n, start="2000-01", seed=1)
        # The intervention three quarters of the way in: a pre-period long enough to fit.
        when = sim.y.index[int(n * 0.75)]
        log(f"fits: counterfactual on a simulated series of {n} months")
        rows.append(
            Row(
                "4 estimator fits",
                f"counterfactual, simulated, {n} months",
                "s",
                timed(lambda s=sim, w=when: models.estimate_counterfactual(s.y, w, **kw), repeats),
                base_name,
                real,
            )
        )
    nb02 = {"n_sims": 40000, "n_param_draws": 4000, "anticipation": 2}
    log("fits: counterfactual with notebook 02's defaults on the real series")
    rows.append(
        Row(
            "4 estimator fits",
            "counterfactual, notebook 02's defaults (model choice, 40,000 paths), real series",
            "s",
            timed(lambda: models.estimate_counterfactual(y, "2022-03", **nb02), repeats),
            base_name,
            real,
        )
    )
    fit_intervention = getattr(models, "fit_intervention", None)
    if fit_intervention is None:
        with contextlib.suppress(ImportError):
            from sanctions_model.models.intervention import fit_intervention
    if fit_intervention is not None and args.quick:
        log("fits: intervention skipped in --quick (an ARMA order search, 10-15 s a fit)")
    elif fit_intervention is not None:
        # Slow (an ARMA order search, 10-25 s a fit here; one 600-month fit ran > 4 min and was
        # stopped): two fits per size, no warm-up round, at most ~40 s per size.
        for n in (68, 240):
            sim = models.simulate_trade_series(n, start="2000-01", seed=1)
            when = sim.y.index[int(n * 0.75)]
            log(f"fits: intervention (regression with ARMA errors), {n} months")
            rows.append(
                Row(
                    "4 estimator fits",
                    f"intervention (ARMA order by BIC), simulated, {n} months",
                    "s",
                    timed(
                        lambda s=sim, w=when: fit_intervention(s.y, w),
                        2,
                        warmup=0,
                        budget=40,
                    ),
                    base_name,
                    real,
                )
            )
    rows += _break_fits(args, models, repeats)
    rows += _panel_fits(args, models)
    rows += _gravity_randomization(repeats)
    return rows


def _gravity_randomization(repeats: int) -> list[Row]:
    """Notebook 03's gravity randomization (cases shared with ``benchmarks/bench_models.py``)."""
    spec = importlib.util.spec_from_file_location("bench_models", BENCH / "bench_models.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = []
    for name, size, fn in module.gravity_randomization_cases():
        log(f"fits: {name}")
        rows.append(Row("4 estimator fits", f"{name}, {size}", "s", timed(fn, repeats)))
    return rows


def _break_fits(args: argparse.Namespace, models: Any, repeats: int) -> list[Row]:
    """Break tests on a 68-month series: the sieve-bootstrap default against the classical test
    (what robustness to serial correlation costs), both measured here in the same run."""
    rows: list[Row] = []
    if not hasattr(models, "qlr_test"):
        return rows
    sim = models.simulate_trade_series(68, seed=1)
    for name, fn in (("QLR", models.qlr_test), ("Chow", models.chow_test)):
        extra = {} if name == "QLR" else {"break_date": "2022-03"}
        base = f"{name}, classical (iid), 68 months"
        log(f"fits: {name} test, classical and sieve bootstrap")
        base_s = timed(lambda f=fn, e=extra: f(sim.y, inference="iid", **e), repeats)
        rows.append(Row("4 estimator fits", base, "s", base_s))
        rows.append(
            Row(
                "4 estimator fits",
                f"{name}, AR-sieve bootstrap (499 replications, default), 68 months",
                "s",
                timed(lambda f=fn, e=extra: f(sim.y, **e), max(1, repeats // 2)),
                base,
                base_s,
            )
        )
    return rows


def _panel_fits(args: argparse.Namespace, models: Any) -> list[Row]:
    """Panel event study and gravity PPML: embedded panel size to 10x, gravity at ~30,000 rows."""
    rows: list[Row] = []
    try:
        from sanctions_model.models.panel import estimate_event_study
    except ImportError:
        estimate_event_study = None
        log("fits: no sanctions_model.models.panel.estimate_event_study: event study skipped")
    try:
        from sanctions_model.models.gravity import fit_gravity_ppml
    except ImportError:
        fit_gravity_ppml = None
        log("fits: no sanctions_model.models.gravity.fit_gravity_ppml: gravity skipped")
    reps = max(1, args.repeats // 2)
    # 27 member states x 6 partners x 68 months is the embedded panel; 270 reporters is 10x.
    sizes = [(27, "embedded size"), (74, "~30,000 rows")]
    if not args.quick:
        sizes.append((270, "10x embedded"))
    panels = {n: _gravity_panel(models, n, 68) for n, _ in sizes}
    if estimate_event_study is not None:
        base: list[float] | None = None
        base_name = None
        for n, label in sizes:
            frame = panels[n]
            name = (
                f"event study (pair + reporter^period FE), {len(frame):,} rows, {n}x6x68 ({label})"
            )
            log(f"fits: {name}")
            vals = timed(
                lambda f=frame: estimate_event_study(
                    f, treated="RU", event="2022-03", controls="all", inference="cluster"
                ),
                reps,
            )
            rows.append(Row("4 estimator fits", name, "s", vals, base_name, base))
            if base is None:
                base, base_name = vals, name
    if fit_gravity_ppml is None and importlib.util.find_spec("pyfixest") is None:
        return rows
    import pyfixest as pf

    fe = ("reporter^period", "partner^period", "pair")
    for n, label in sizes:
        frame = panels[n]
        ref_name = f"pyfixest.fepois directly, same data and FE ({len(frame):,} rows)"
        log(f"fits: gravity PPML, {len(frame):,} rows, 3 FE ({label})")
        ref = timed(
            lambda f=frame: pf.fepois(
                "value ~ treat_post | reporter_month + partner_month + pair", data=f, vcov="hetero"
            ),
            reps,
        )
        if fit_gravity_ppml is None:
            rows.append(Row("4 estimator fits", ref_name, "s", ref))
            continue
        vals = timed(
            lambda f=frame: fit_gravity_ppml(
                f,
                outcome="value",
                treatments="treat_post",
                fixed_effects=fe,
                exporter="reporter",
                importer="partner",
            ),
            reps,
        )
        row = Row(
            "4 estimator fits",
            f"gravity PPML `fit_gravity_ppml`, {len(frame):,} rows, 3 FE, {n}x6x68 ({label})",
            "s",
            vals,
            ref_name,
            ref,
        )
        if n == 74:
            row.target = "< 5 s"
            row.met = statistics.median(vals) < 5
        rows.append(row)
    return rows


def _gravity_panel(models: Any, n_reporters: int, n_periods: int) -> Any:
    """A simulated reporter x partner x month panel with the columns the panel fits use."""
    sim = models.simulate_trade_panel(
        reporters=[f"R{i:03d}" for i in range(n_reporters)], n_periods=n_periods, seed=1
    )
    frame = sim.data.copy()
    # Exposure-weighted: a plain treated x post dummy is absorbed by partner-month effects.
    frame["treat_post"] = (frame["exposure"] * frame["treated"] * frame["post"]).astype(float)
    frame["pair"] = frame["reporter"] + "-" + frame["partner"]
    month = frame["period"].astype(str)
    frame["partner_month"] = frame["partner"] + "-" + month
    frame["reporter_month"] = frame["reporter"] + "-" + month
    return frame
