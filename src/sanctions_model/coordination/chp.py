"""Common High Priority (battlefield) goods: did member states' exports of them move to the hubs?

Data: monthly CN8 exports (EUR) of the 27 member states to Russia, Belarus and the hubs,
2020-2022 (``load_trade("eu_cn8_sanctioned")``: the goods under Reg. 833/2014 export bans in
chapters 84-91), and the Common High Priority list (``load_chp_codes()``: HS6 codes with tier).
CN8 codes are summed to HS6; an HS6 code is *treated* when it is on the list (tier 1 first:
integrated circuits), the *control* goods are the other banned HS6 codes of the same workbooks.

Difference in differences (collapsed, per destination)
------------------------------------------------------
For member state ``r``, good ``g`` and destination ``d``,
``Delta_rgd = mean_{post} log X_rgdt - mean_{pre} log X_rgdt`` over the months with exports
(a pair needs exports in both periods). For each ``(r, d)`` cell with treated and control goods,
``delta_rd = mean_{g treated} Delta_rgd - mean_{g control} Delta_rgd``, and the estimate is the
mean of ``delta_rd`` over cells: how much faster exports of battlefield goods changed than
those of other banned goods, to the same destination from the same member state. Collapsing to
one pre and one post mean per pair removes the serial correlation of monthly data
(Bertrand, Duflo and Mullainathan 2004).

Inference: treatment varies by good, and there are few treated goods (four tier-1 codes), so
the p-value is by randomization: the treated labels are reassigned at random among all goods
(``n_perm`` times) and the estimate recomputed. The interval inverts that test under a constant
effect: ``delta0`` is inside when the randomization p-value of ``Delta - delta0 * treated`` is at
least ``alpha``. The statistic is linear in the outcomes, so every ``delta0`` reuses the same
permutations, and the point estimate is always inside its interval.

The reassignments are a random sample (all of them are too many: four treated goods among 235
give 1.2e8), so the p-value and the interval ends carry Monte Carlo error: ``sqrt(p (1 - p) / n)``
for the p-value, and for an end that of ``p = alpha`` over the slope of the p-value there (delta
method). :meth:`ChpDiD.shown` prints the p-value and each end on a grid of at least twenty standard
errors (a p-value below its grid as a bound that holds at six errors; :mod:`.digits`), so that
another seed prints the same figures unless one sits on a rounding boundary; the default of 49,999
reassignments keeps those grids at two significant figures or near them.

The hubs' share of the Russian shortfall
----------------------------------------
EU27 exports of the treated goods to Russia and to each hub (sums over member states) go through
:func:`~.substitution.estimate_substitution` on monthly data (trends with drift fitted on the
pre-period; monthly residuals treated as independent, a caveat).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sanctions_model._results import validate_alpha
from sanctions_model.coordination._display import SummaryDisplayMixin, require_columns
from sanctions_model.coordination.units import in_currency_units
from sanctions_model.errors import ParameterError

__all__ = ["ChpDiD", "chp_did", "chp_panel", "chp_substitution", "CHP_HUBS"]

#: Interval ends are printed on a grid of at least this many (delta-method) standard errors: on
#: the real CN8 files the spread of an end across seeds ran up to twice that estimate, and with
#: six errors one end in twelve still moved by a step over four seeds (-37% / -38%); twenty, as
#: :mod:`sanctions_model.models.mc_digits` uses for interval ends.
_END_SE_STEP = 20.0


CHP_HUBS: tuple[str, ...] = ("AM", "GE", "KZ", "KG", "UZ")
_NAMES = {
    "AM": "Armenia", "GE": "Georgia", "KZ": "Kazakhstan", "KG": "Kyrgyzstan", "UZ": "Uzbekistan",
}  # fmt: skip


def months_label(start: str, end: str) -> str:
    """``March-November 2022``, ``January 2020-February 2022`` (inclusive month range)."""
    a, b = pd.Period(str(start), "M"), pd.Period(str(end), "M")
    if a.year == b.year:
        return f"{a.strftime('%B')}-{b.strftime('%B')} {b.year}" if a != b else a.strftime("%B %Y")
    return f"{a.strftime('%B %Y')}-{b.strftime('%B %Y')}"


def hubs_label(hubs: Sequence[str]) -> str:
    """``the five hubs (Armenia, Georgia, Kazakhstan, Kyrgyzstan, Uzbekistan)``."""
    words = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
    n = len(hubs)
    names = ", ".join(_NAMES.get(h, h) for h in hubs)
    return f"the {words.get(n, str(n))} hubs ({names})"


def chp_panel(trade: pd.DataFrame | None = None, codes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Exports summed to HS6, with ``chp`` (on the list) and ``tier`` (NaN for control goods).

    Columns: ``reporter, partner, hs6, period, value, chp, tier``; zero and missing cells
    dropped.
    """
    if trade is None:
        from sanctions_model.data import load_trade

        trade = load_trade("eu_cn8_sanctioned")
    if codes is None:
        from sanctions_model.data import load_chp_codes

        codes = load_chp_codes()
    require_columns(trade, ["reporter", "partner", "product", "period", "value"], "CN8 trade")
    require_columns(codes, ["hs6", "tier"], "CHP codes")
    t = in_currency_units(trade, "CN8 trade")  # value * unit_scale, one currency
    t = t[t["value"].fillna(0) > 0]
    if "flow" in t.columns:
        t = t[t["flow"] == "export"]
    # string work on each distinct code once (a few hundred CN codes, 200,000 rows), then
    # spread back to the rows: the same values as on every row
    row_code, prods = pd.factorize(t["product"].astype(str), use_na_sentinel=False)
    digits = pd.Series(prods).str.replace(r"\D", "", regex=True)
    bad = (digits.str.len() < 6).to_numpy(dtype=bool)
    if bad.any():
        first = int(np.flatnonzero(bad[row_code])[0])
        raise ParameterError(f"CN8 trade: product {t['product'].iloc[first]!r} is not a CN code")
    t = t.assign(hs6=_spread(digits.str[:6], row_code, t.index))
    out = t.groupby(["reporter", "partner", "hs6", "period"], as_index=False, observed=True)[
        "value"
    ].sum()
    tiers = codes.assign(hs6=codes["hs6"].astype(str).str.zfill(6)).set_index("hs6")["tier"]
    out["chp"] = out["hs6"].isin(tiers.index)
    row_code, hs6 = pd.factorize(out["hs6"], use_na_sentinel=False)
    out["tier"] = _spread(pd.Series(hs6).map(tiers.astype(str)), row_code, out.index)
    return out


def _spread(per_code: pd.Series, row_code: np.ndarray, index: pd.Index) -> pd.Series:
    """The value of each row's code (``per_code`` indexed by code), on ``index``."""
    return pd.Series(per_code.array.take(row_code), index=index)


def _resolve_post(panel: pd.DataFrame, post: tuple) -> tuple[str, str]:
    if post[1] is not None:
        return (str(post[0]), str(post[1]))
    last = panel["period"].max()
    return (str(post[0]), str(pd.Period(str(last), "M")))


def _deltas(
    panel: pd.DataFrame, destinations: Sequence[str], pre: tuple, post: tuple
) -> pd.DataFrame:
    p = panel[panel["partner"].isin(list(destinations))]
    per = p["period"]
    if not isinstance(per.dtype, pd.PeriodDtype):
        per = pd.PeriodIndex(per.astype(str), freq="M")
    p0, p1 = pd.Period(pre[0], "M"), pd.Period(pre[1], "M")
    q0, q1 = pd.Period(post[0], "M"), pd.Period(post[1], "M")
    period = np.where(
        (per >= p0) & (per <= p1), "pre", np.where((per >= q0) & (per <= q1), "post", "")
    )
    p = p.assign(window=period, logv=np.log(p["value"].to_numpy(dtype=float)))
    p = p[p["window"] != ""]
    m = p.pivot_table(
        index=["reporter", "partner", "hs6"], columns="window", values="logv", aggfunc="mean"
    )
    if not {"pre", "post"} <= set(m.columns):
        raise ParameterError(f"no exports in both {p0}..{p1} and {q0}..{q1}")
    d = (m["post"] - m["pre"]).dropna().rename("delta").reset_index()
    return d


@dataclass(frozen=True, repr=False, eq=False)
class ChpDiD(SummaryDisplayMixin):
    """Result of :func:`chp_did` (read-only).

    Attributes
    ----------
    estimates : DataFrame
        One row per destination group (``hubs``, ``RU``): ``estimate`` (log points), ``lower``,
        ``upper``, ``p_value``, ``cells`` (member state x destination cells), ``treated_goods``,
        ``control_goods``, ``relative`` (``expm1(estimate)``).
    deltas : DataFrame
        ``Delta_rgd`` per member state, destination and good with ``treated``.
    tiers : tuple of str
    pre, post : (str, str)
    alpha : float
    inference : str
    caveats : tuple of str
    """

    estimates: pd.DataFrame
    deltas: pd.DataFrame
    tiers: tuple[str, ...]
    pre: tuple[str, str]
    post: tuple[str, str]
    alpha: float
    inference: str
    caveats: tuple[str, ...] = ()
    hubs: tuple[str, ...] = CHP_HUBS

    #: Note for the formatted table.
    NOTE = (
        "Percent differences are exp(estimate) - 1 of a log-point difference in differences "
        "(CHP goods against other banned goods, after against before)."
    )

    def to_frame(self) -> pd.DataFrame:
        return self.estimates.copy()

    def shown(self) -> pd.DataFrame:
        """The figures as printed, at the digits the reassignments support (seed-stable).

        Per destination group: ``relative`` (exact: the estimate uses no draws),
        ``relative_lower``/``relative_upper`` and their texts (:func:`.digits.pct_end`, on a
        grid of at least twenty Monte Carlo standard errors), ``p_value`` and ``p_text``
        (:func:`.digits.p_text`).
        """
        from sanctions_model.coordination.digits import p_rounded, p_text, pct_end

        rows = {}
        for g, r in self.estimates.iterrows():
            rel = float(np.expm1(r["estimate"]))
            ends = {}
            for side in ("lower", "upper"):
                v = float(r[side])
                se = float(np.exp(v) * r[f"{side}_mc_se"]) if np.isfinite(v) else np.nan
                ends[side] = pct_end(float(np.expm1(v)), se, side, rel, k=_END_SE_STEP)
            n, se_p = int(r["n_perm"]), float(r["p_mc_se"])
            rows[g] = {
                "estimate": float(r["estimate"]),
                "relative": rel,
                "relative_lower": ends["lower"][0],
                "relative_upper": ends["upper"][0],
                "lower_text": ends["lower"][1],
                "upper_text": ends["upper"][1],
                "p_value": p_rounded(float(r["p_value"]), n, se=se_p),
                "p_text": p_text(float(r["p_value"]), n, se=se_p),
            }
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("destination")

    def formatted(self) -> pd.DataFrame:
        """Estimates as percent changes against the other banned goods, with intervals and p."""
        from sanctions_model.reporting import format as fmt

        e, s = self.estimates, self.shown()
        return pd.DataFrame(
            {
                "CHP vs other banned goods": [fmt.pct(v) for v in s["relative"]],
                f"{fmt.level(self.alpha)} interval": [
                    f"{lo} to {hi}" for lo, hi in zip(s["lower_text"], s["upper_text"], strict=True)
                ],
                "p (randomization)": list(s["p_text"]),
                "member state x destination cells": e["cells"],
                "CHP goods": e["treated_goods"],
                "control goods": e["control_goods"],
            },
            index=e.index,
        )

    def sentences(self) -> dict[str, str]:
        from sanctions_model.reporting import format as fmt
        from sanctions_model.reporting.text import effect_sentence

        out = {}
        tiers = "all tiers" if len(self.tiers) > 1 else f"tier {self.tiers[0]}"
        shown = self.shown()
        for g, r in self.estimates.iterrows():
            dest = "Russia" if g == "RU" else hubs_label(self.hubs) if g == "hubs" else str(g)
            n = int(r["n_perm"])
            sh = shown.loc[g]
            lo, hi = (
                np.log1p(v) if v is not None and np.isfinite(v) and v > -1 else -np.inf
                if side == "lower" else np.inf
                for side, v in (("lower", sh["relative_lower"]), ("upper", sh["relative_upper"]))
            )  # fmt: skip
            text = effect_sentence(
                f"Member states' exports of Common High Priority goods ({tiers}) to {dest}, "
                f"{months_label(*self.post)} against {months_label(*self.pre)}, "
                f"{int(r['cells'])} member state x destination cells",
                r["estimate"],
                lo,
                hi,
                scale="log",
                reference="the other banned goods",
                alpha=self.alpha,
                inference=f"randomization {sh['p_text']} over {n:,} reassignments",
            )
            # the interval ends at the digits the reassignments support
            auto = f"{fmt.pct(np.expm1(lo))} to {fmt.pct(np.expm1(hi))}"
            out[str(g)] = text.replace(auto, f"{sh['lower_text']} to {sh['upper_text']}", 1)
        return out

    def summary(self) -> str:
        lines = list(self.sentences().values())
        lines += ["", f"Inference: {self.inference}"]
        lines += [f"Caveat: {c}" for c in self.caveats]
        return "\n".join(lines)


def _matrix(d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    cells = d["reporter"] + "_" + d["partner"]
    wide = d.assign(cell=cells).pivot_table(index="cell", columns="hs6", values="delta")
    return wide.to_numpy(dtype=float), np.asarray(wide.columns), list(wide.index)


def _stat(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Mean over cells of (mean over treated goods - mean over control goods); labels (P, G)."""
    ok = ~np.isnan(x)
    xz = np.where(ok, x, 0.0)
    lab = labels.astype(float)
    n_t = ok.astype(float) @ lab.T  # (C, P)
    n_c = ok.astype(float) @ (1 - lab).T
    s_t = xz @ lab.T
    s_c = xz @ (1 - lab).T
    with np.errstate(invalid="ignore", divide="ignore"):
        per_cell = s_t / n_t - s_c / n_c
    return np.nanmean(np.where((n_t > 0) & (n_c > 0), per_cell, np.nan), axis=0)


def _inside_ends(inside: np.ndarray, grid: np.ndarray) -> tuple[float, float]:
    """Outermost grid points inside the acceptance region; infinite where it reaches the edge."""
    if not inside.any():
        return np.nan, np.nan
    lo, hi = grid[inside].min(), grid[inside].max()
    return (-np.inf if inside[0] else lo), (np.inf if inside[-1] else hi)


def _stat_picks(xs: np.ndarray, pick: np.ndarray, chunk: int = 512) -> np.ndarray:
    """:func:`_stat` of each outcome ``xs[i]`` (C, G) for the labels that are True at ``pick``
    (P, k), without (P, G) matrices; the outcomes share one pattern of missing cells.

    The treated sums add ``k`` rows of the goods-major outcomes and the control sums are the
    cell totals less them, in blocks of ``chunk`` reassignments that stay in cache; the counts
    of goods are shared by the outcomes. Equal to :func:`_stat` up to rounding (its matrix
    products sum in another order); exactly equal for 0/1 outcomes. Returns (len(xs), P).
    """
    ok = ~np.isnan(xs[0])
    if any(not np.array_equal(np.isnan(x), ~ok) for x in xs[1:]):
        raise ValueError("the outcomes must have the same missing cells")
    xz = [np.where(ok, x, 0.0) for x in xs]
    tot_s, tot_n = [z.sum(axis=1) for z in xz], ok.sum(axis=1).astype(float)
    rows_n = np.ascontiguousarray(ok.T, dtype=float)  # (G, C): one good's cells per row
    rows_s = [np.ascontiguousarray(z.T) for z in xz]
    pick = np.sort(pick, axis=1)
    out = np.empty((len(xs), len(pick)))

    def gather(m: np.ndarray, pk: np.ndarray) -> np.ndarray:  # (chunk, C): sums over picks
        g = m[pk[:, 0]]
        for j in range(1, pk.shape[1]):
            g += m[pk[:, j]]
        return g

    with np.errstate(invalid="ignore", divide="ignore"):
        for lo in range(0, len(pick), chunk):
            pk = pick[lo : lo + chunk]
            n_t = gather(rows_n, pk)
            n_c = tot_n - n_t
            invalid = ~((n_t > 0) & (n_c > 0))
            count = (~invalid).sum(axis=1)
            for i, m in enumerate(rows_s):
                s_t = gather(m, pk)
                per_cell = s_t / n_t - (tot_s[i] - s_t) / n_c
                per_cell[invalid] = 0.0
                # summed over cells one cell after another (a C-ordered (C, chunk) block
                # reduced on axis 0), the order of _stat's mean, not pairwise along a row
                out[i, lo : lo + chunk] = np.ascontiguousarray(per_cell.T).sum(axis=0) / count
    return out


def _exceed_counts(a: np.ndarray, b: np.ndarray, est: float, d0: np.ndarray) -> np.ndarray:
    """For each ``d0``, how many draws have ``|a - d0 b| >= |est - d0|`` (less 1e-12).

    The broadcast form ``np.abs(a - d0[:, None] * b) >= np.abs(est - d0)[:, None] - 1e-12``
    (the same operations in the same order), ``rows`` values of ``d0`` at a time over buffers
    of about 64k draws that stay in cache: one per pass with 49,999 draws, hundreds with 199.
    """
    d0 = np.atleast_1d(np.asarray(d0, dtype=float))
    rows = min(max(1, (1 << 16) // max(len(a), 1)), len(d0))
    buf, hit = np.empty((rows, len(a))), np.empty((rows, len(a)), dtype=bool)
    out = np.empty(len(d0), dtype=np.int64)
    for lo in range(0, len(d0), rows):
        d = d0[lo : lo + rows, None]
        bm, hm = buf[: len(d)], hit[: len(d)]
        np.multiply(d, b, out=bm)
        np.subtract(a, bm, out=bm)
        np.abs(bm, out=bm)
        np.greater_equal(bm, np.abs(est - d) - 1e-12, out=hm)
        # (count_nonzero over an axis is several times slower than row by row)
        out[lo : lo + len(d)] = [np.count_nonzero(h) for h in hm]
    return out


def _ri(x: np.ndarray, treated: np.ndarray, n_perm: int, alpha: float, rng: Any) -> dict:
    n_g = x.shape[1]
    k = int(treated.sum())
    pick = np.argpartition(rng.random((n_perm, n_g)), k - 1, axis=1)[:, :k]  # k goods at random
    est = float(_stat(x, treated[None])[0])
    tmat = np.where(np.isnan(x), np.nan, np.broadcast_to(treated.astype(float), x.shape))
    # statistic of the outcomes (a) and of the treatment indicator (b) under each permutation
    a, b = _stat_picks(np.stack([x, tmat]), pick)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    n = len(a)

    def exceed(d0: np.ndarray) -> np.ndarray:  # per d0: how many |a - d0 b| >= |est - d0|
        return _exceed_counts(a, b, est, d0)

    grid = est + np.linspace(-3, 3, 1201)
    hits = exceed(grid)
    p_grid = (1 + hits) / (n + 1)
    lo, hi = _inside_ends(p_grid >= alpha, grid)

    def refine(inside: float, outside: float) -> float:
        # bisection between the last grid point inside and the next one out: the end's position
        # then carries only Monte Carlo error, not the grid's 0.005 step
        for _ in range(20):
            mid = (inside + outside) / 2
            ok = (1 + exceed(np.array([mid]))[0]) / (n + 1) >= alpha
            inside, outside = (mid, outside) if ok else (inside, mid)
        return float(inside)

    step = grid[1] - grid[0]
    lo = refine(lo, lo - step) if np.isfinite(lo) else lo
    hi = refine(hi, hi + step) if np.isfinite(hi) else hi
    p = float((1 + exceed(np.array([0.0]))[0]) / (n + 1))

    def end_se(end: float) -> float:
        # Monte Carlo error of an interval end: that of p at the end (alpha) over the slope of
        # p in the end's neighbourhood (delta method)
        if not np.isfinite(end):
            return np.nan
        # (the slope's median over three neighbourhoods: one alone is itself noisy)
        slopes = [
            abs(np.polyfit(grid[near], p_grid[near], 1)[0])
            for near in (np.abs(grid - end) <= w for w in (0.1, 0.2, 0.3))
        ]
        return float(np.sqrt(alpha * (1 - alpha) / n) / max(float(np.median(slopes)), 1e-6))

    se = [end_se(lo), end_se(hi)]
    return {
        "estimate": est,
        "lower": lo,
        "upper": hi,
        "p_value": p,
        "n_perm": n,
        "lower_mc_se": se[0],
        "upper_mc_se": se[1],
        "p_mc_se": float(np.sqrt(max(p, 1.0 / n) * (1 - p) / n)),
    }


def chp_did(
    trade: pd.DataFrame | None = None,
    codes: pd.DataFrame | None = None,
    *,
    tiers: Sequence[str] = ("1",),
    hubs: Sequence[str] = CHP_HUBS,
    pre: tuple[str, str] = ("2020-01", "2022-02"),
    post: tuple[str, str | None] = ("2022-03", None),
    alpha: float = 0.05,
    n_perm: int = 49999,
    seed: int = 0,
) -> ChpDiD:
    """Collapsed DiD of CHP goods against the other banned goods, to the hubs and to Russia.

    Parameters
    ----------
    trade, codes : DataFrame, optional
        Default ``load_trade("eu_cn8_sanctioned")`` and ``load_chp_codes()``.
    tiers : sequence of str
        CHP tiers treated (``("1",)``: integrated circuits; ``None`` or empty: all listed codes).
        Listed codes of other tiers are left out of the control group.
    hubs : sequence of str
    pre, post : (month, month)
        ``post[1]`` None: the last month of the data.
    alpha, n_perm, seed : randomization inference (see the module docstring).
    """
    alpha = validate_alpha(alpha)
    if n_perm < 99:
        raise ParameterError(f"n_perm must be at least 99, got {n_perm}")
    panel = chp_panel(trade, codes)
    post = _resolve_post(panel, post)
    tiers = (
        tuple(str(t) for t in tiers) if tiers else tuple(sorted(panel["tier"].dropna().unique()))
    )
    treated_goods = set(panel.loc[panel["tier"].isin(tiers), "hs6"])
    if not treated_goods:
        raise ParameterError(f"no CHP goods of tier {tiers} in the CN8 data")
    panel = panel[~panel["chp"] | panel["hs6"].isin(treated_goods)]
    rng = np.random.default_rng(seed)
    rows, deltas, caveats = {}, [], []
    for group, dests in (("hubs", list(hubs)), ("RU", ["RU"])):
        d = _deltas(panel, dests, pre, post)
        d["treated"] = d["hs6"].isin(treated_goods)
        deltas.append(d.assign(group=group))
        x, goods, cells = _matrix(d)
        tr = np.isin(goods, list(treated_goods))
        if tr.sum() == 0 or (~tr).sum() == 0:
            caveats.append(f"{group}: no treated or no control goods with exports in both periods")
            continue
        r = _ri(x, tr, n_perm, alpha, rng)
        r.update(
            cells=len(cells),
            treated_goods=int(tr.sum()),
            control_goods=int((~tr).sum()),
            relative=float(np.expm1(r["estimate"])),
        )
        rows[group] = r
        if tr.sum() < 5:
            caveats.append(
                f"{group}: {int(tr.sum())} treated goods: randomization inference, no "
                "cluster-robust standard errors"
            )
    if not rows:
        raise ParameterError("no destination group could be estimated")
    caveats.append(
        "this compares CHP goods with other banned goods, which were also re-routed. A null "
        "difference does not mean CHP goods were not re-routed; it means they were not "
        "re-routed more than other banned goods"
    )
    cells_txt = ", ".join(f"{r['cells']} for {'Russia' if g == 'RU' else 'the hubs'}"
                          for g, r in rows.items())  # fmt: skip
    caveats.append(
        f"only member state x destination cells with exports in both periods enter ({cells_txt}),"
        " so the estimates leave out flows that stopped or started entirely (the intensive "
        "margin only); Eurostat marks 93% of CN8 cells as not available"
    )
    caveats.append(f"pre-period {months_label(*pre)} includes the 2020 COVID trough")
    inference = (
        f"randomization inference over goods ({n_perm:,} random reassignments of the treated "
        "labels); interval by test inversion under a constant effect; p-values and interval ends "
        "shown at the digits their Monte Carlo error supports (steps of at least twenty standard "
        "errors; a p-value below its grid as a bound)"
    )
    return ChpDiD(
        estimates=pd.DataFrame.from_dict(rows, orient="index").rename_axis("destination"),
        deltas=pd.concat(deltas, ignore_index=True),
        tiers=tiers,
        pre=tuple(pre),  # type: ignore[arg-type]
        post=tuple(post),  # type: ignore[arg-type]
        alpha=alpha,
        inference=inference,
        caveats=tuple(caveats),
        hubs=tuple(hubs),
    )


def chp_substitution(
    trade: pd.DataFrame | None = None,
    codes: pd.DataFrame | None = None,
    *,
    tiers: Sequence[str] = ("1",),
    hubs: Sequence[str] = CHP_HUBS,
    pre: tuple[str, str] = ("2020-01", "2022-02"),
    post: tuple[str, str | None] = ("2022-03", None),
    alpha: float = 0.05,
    n_draws: int = 2000,
    seed: int = 0,
    real: bool = True,
    deflator: Any = None,
    base: int = 2021,
) -> Any:
    """The hubs' excess exports of CHP goods per euro of shortfall to Russia (EU27 sums).

    In EUR at ``base``-year prices by default (monthly EUR price index, see
    :func:`~.real_terms.price_config`); ``real=False`` keeps current prices.
    Returns the :class:`~.substitution.Substitution` of ``EU27_2020`` for the treated goods.
    """
    from sanctions_model.coordination.real_terms import price_config
    from sanctions_model.coordination.substitution import estimate_substitution

    prices = price_config(real, deflator, base=base)

    panel = chp_panel(trade, codes)
    post = _resolve_post(panel, post)
    tiers = (
        tuple(str(t) for t in tiers) if tiers else tuple(sorted(panel["tier"].dropna().unique()))
    )
    p = panel[panel["tier"].isin(tiers) & panel["partner"].isin(["RU", *hubs])]
    if p.empty:
        raise ParameterError(f"no exports of CHP goods of tier {tiers} to RU or the hubs")
    wide = p.pivot_table(index="period", columns="partner", values="value", aggfunc="sum")
    if not isinstance(wide.index, pd.PeriodIndex):
        wide.index = pd.PeriodIndex(wide.index.astype(str), freq="M")
    full = pd.period_range(pre[0], post[1], freq="M")
    wide = wide.reindex(full)
    wide.columns = pd.MultiIndex.from_tuples([("EU27_2020", c) for c in wide.columns])
    res = estimate_substitution(
        prices.apply(wide, "EUR"), direct="RU", hubs=hubs, pre=pre, post=post, alpha=alpha,
        n_draws=n_draws, currency="EUR", units=prices.units("EUR"), seed=seed,
    )  # fmt: skip
    est = res.estimates["EU27_2020"]
    extra = (
        "monthly series: residual autocorrelation and seasonality are not modelled, so the "
        "interval may be too narrow",
    )
    import dataclasses

    what = "all CHP tiers in the data" if len(tiers) > 1 else f"CHP tier {tiers[0]} goods"
    subject = (
        f"EU member states, {what}: excess imports of {hubs_label(list(est.hub_excess_draws))} "
        f"per euro of the shortfall in exports to Russia, {months_label(*post)} (trends fitted on "
        f"{months_label(*pre)})"
    )
    from sanctions_model.reporting.labels import place

    # "hub KG left out: ..." -> "CHP tier 1 goods: Kyrgyzstan left out: ..." (names, not codes)
    notes = tuple(
        f"{what}: {place(c.split()[1])}{c[len('hub ') + len(c.split()[1]) :]}"
        if c.startswith("hub ") and len(c.split()) > 1
        else c
        for c in est.caveats
    )
    return dataclasses.replace(est, caveats=(*notes, *extra), subject=subject)
