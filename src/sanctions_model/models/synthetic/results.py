"""Results of the synthetic control (:mod:`sanctions_model.models.synthetic`): read-only objects.

:class:`SyntheticControlResults` holds one treated flow's fit, its placebos and the per-year
effects with their inverted-placebo intervals; :class:`SyntheticControlFamily` holds several
treated flows fitted against one donor pool, with the placebo p-values adjusted for the family.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from sanctions_model.data import countries
from sanctions_model.reporting import format as fmt

from .._results import ResultsDisplayMixin, Summary, validate_alpha

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["OUTCOMES", "SyntheticControlFamily", "SyntheticControlResults"]

OUTCOMES: dict[str, str] = {
    "log_index": "log exports minus the destination's pre-period mean log exports",
    "log": "log exports",
    "index": "exports divided by the destination's pre-period mean",
}
_POSITIVE = 1e-3  # a donor weight above this counts as positive (leave-one-out, tables)
_EXACT = 1e-3  # a pre-RMSPE below this is an exact (interpolating) fit


def _relative(gap: np.ndarray | float, synthetic: np.ndarray | float, outcome: str) -> np.ndarray:
    if outcome == "index":
        return np.asarray(gap) / np.asarray(synthetic)
    return np.expm1(np.asarray(gap))


def _placebo_interval(
    gap: float, placebo_abs: np.ndarray, alpha: float
) -> tuple[float, float, float]:
    """Per-year p-value and the inverted-placebo-test interval for the gap (model scale).

    ``placebo_abs`` are the placebos' absolute gaps of that year on the treated's scale (see
    :func:`_standardised`): the test keeps ``c`` while fewer than ``alpha (n + 1)`` of them reach
    ``|gap - c|``.
    """
    n = placebo_abs.size
    p = (1 + np.sum(placebo_abs >= abs(gap))) / (n + 1)
    r = int(np.ceil(alpha * (n + 1) - 1 - 1e-9))  # c is kept while r placebos are at least |gap-c|
    if r < 1 or n == 0:
        return float(p), np.nan, np.nan
    bound = np.sort(placebo_abs)[::-1][r - 1]
    return float(p), gap - bound, gap + bound


def _standardised(
    placebo_gaps: np.ndarray, placebo_pre_rmspe: np.ndarray, treated_pre_rmspe: float, k: float
) -> np.ndarray:
    """Absolute placebo gaps divided by each placebo's pre-RMSPE, times the treated's.

    The scaling of the RMSPE-ratio test: a treated flow that is noisier or fitted worse than the
    placebos gets a proportionally wider interval. A placebo's pre-RMSPE is floored at ``1/k``
    times the treated's, mirroring the ``k`` filter (placebos fitted more than ``k`` times worse
    are dropped, those fitted more than ``k`` times better count as ``k`` times better): an
    exactly fitted placebo would otherwise make every interval infinite. With an exact treated
    fit (pre-RMSPE below ``_EXACT``) the scaling is meaningless and the raw gaps are used.
    """
    absg = np.abs(placebo_gaps)
    if not treated_pre_rmspe >= _EXACT:
        return absg
    return absg * (treated_pre_rmspe / np.maximum(placebo_pre_rmspe, treated_pre_rmspe / k))


# ------------------------------------------------------------------------------------ results
@dataclass(frozen=True, eq=False)
class SyntheticControlResults(ResultsDisplayMixin):
    """A synthetic control for one treated destination, with its placebos (read-only).

    Attributes
    ----------
    treated : str
    outcome : str
        ``"log_index"``, ``"log"`` or ``"index"`` (see the module notes).
    observed, synthetic : Series
        The treated flow and its synthetic control by year, on the outcome scale.
    weights : Series
        Donor weights (all donors; they sum to one).
    pre_rmspe, post_rmspe, ratio : float
        Root mean squared gap before and after the intervention, and their ratio.
    placebos : DataFrame
        One row per donor refitted as if treated: ``pre_rmspe``, ``post_rmspe``, ``ratio`` and
        ``kept`` (pre-RMSPE at most ``k`` times the treated's).
    placebo_gaps : DataFrame
        Years x donors: the placebo gap paths (for the spaghetti plot).
    rank, n_placebos, p_value : int, int, float
        Rank of the treated's RMSPE ratio (1 = largest) among itself and the ``n_placebos`` kept
        placebos, and ``rank / (n_placebos + 1)``.
    leave_one_out : DataFrame
        Per dropped donor (positive weight only): pre-RMSPE and the relative effect per post year.
    excluded : DataFrame
        Destinations of the panel that are not donors, with the reason.
    augmented : DataFrame or None
        Augmented SC (ridge) gaps and relative effects per post year, when requested.
    inference : str
    caveats : tuple of str
    """

    treated: str
    outcome: str
    intervention: int
    observed: pd.Series
    synthetic: pd.Series
    weights: pd.Series
    pre_rmspe: float
    post_rmspe: float
    placebos: pd.DataFrame
    placebo_gaps: pd.DataFrame
    k: float
    alpha: float
    rank: int
    n_placebos: int
    p_value: float
    leave_one_out: pd.DataFrame
    excluded: pd.DataFrame
    augmented: pd.DataFrame | None
    inference: str
    caveats: tuple[str, ...]
    donor_pool: str = ""
    deflator: str = ""

    # -- derived quantities
    @property
    def ratio(self) -> float:
        """Post/pre RMSPE ratio of the treated flow."""
        return self.post_rmspe / self.pre_rmspe if self.pre_rmspe > 0 else np.inf

    @property
    def gaps(self) -> pd.Series:
        """Observed minus synthetic, every year (outcome scale)."""
        return (self.observed - self.synthetic).rename("gap")

    @property
    def pre_years(self) -> list[int]:
        return [int(y) for y in self.observed.index if y < self.intervention]

    @property
    def post_years(self) -> list[int]:
        return [int(y) for y in self.observed.index if y >= self.intervention]

    @property
    def kept_placebos(self) -> list[str]:
        return list(self.placebos.index[self.placebos["kept"]])

    def effects(self, alpha: float | None = None) -> pd.DataFrame:
        """Per post year: gap, relative effect, inverted-placebo interval and per-year p-value.

        The per-year test compares ``|gap| / pre-RMSPE`` of the treated with that of each kept
        placebo (the RMSPE-ratio test's scaling, placebo pre-RMSPE floored at ``1/k`` times the
        treated's); the interval inverts it, so its half-width is the placebos' standardised gap
        quantile times the treated's pre-RMSPE.
        """
        alpha = self.alpha if alpha is None else validate_alpha(alpha)
        kept = self.placebo_gaps[self.kept_placebos]
        kept_pre = self.placebos.loc[self.kept_placebos, "pre_rmspe"].to_numpy()
        rows = {}
        for year in self.post_years:
            gap = float(self.gaps[year])
            syn = float(self.synthetic[year])
            scaled = _standardised(kept.loc[year].to_numpy(), kept_pre, self.pre_rmspe, self.k)
            p, lo, hi = _placebo_interval(gap, scaled, alpha)
            rel = _relative(np.array([gap, lo, hi]), syn, self.outcome)
            rows[year] = {
                "observed": float(self.observed[year]),
                "synthetic": syn,
                "gap": gap,
                "effect": float(rel[0]),
                "lower": float(rel[1]),
                "upper": float(rel[2]),
                "p_value": p,
            }
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.name = "year"
        return out

    def primary_tests(self, method: Literal["holm", "bonferroni", "bh"] = "holm") -> pd.DataFrame:
        """The treated flow's co-primary tests, adjusted as one family (Holm by default).

        The per-year gap ranks and the RMSPE-ratio rank over all post years answer one question
        ("did this flow fall against the donors?"), so a verdict that picks whichever is
        smallest must be adjusted: one row per test with ``p_value`` and ``p_adjusted``.
        """
        from ..multiple import adjust_pvalues

        eff = self.effects()
        years = self.post_years
        pvals = {f"gap {y}": float(eff.loc[y, "p_value"]) for y in years}
        pvals[f"RMSPE ratio {years[0]}-{years[-1]}"] = float(self.p_value)
        family = (
            f"co-primary placebo tests of {_name(self.treated)} ({self.treated}): "
            + ", ".join(pvals)
        )
        return adjust_pvalues(pvals, family=family, method=method)

    def verdict(self, method: Literal["holm", "bonferroni", "bh"] = "holm") -> str:
        """One paragraph: the direction of the gaps and what the adjusted co-primary tests allow.

        Direction words come from the signs of the gaps; "clear" only where a test's adjusted
        p-value is below ``alpha``; the smallest attainable adjusted p is said when it is above
        ``alpha`` (few placebos and several tests).
        """
        tests = self.primary_tests(method)
        eff = self.effects()
        signs = np.sign(eff["gap"].to_numpy())
        years = ", ".join(map(str, eff.index))
        if (signs < 0).all():
            direction = f"below its synthetic control in every post year ({years})"
        elif (signs > 0).all():
            direction = f"above its synthetic control in every post year ({years})"
        else:
            parts = [f"{'below' if g < 0 else 'above'} in {y}" for y, g in eff["gap"].items()]
            direction = "against its synthetic control " + ", ".join(parts)
        m, n = len(tests), self.n_placebos
        listed = "; ".join(
            f"{t} p = {fmt.number(r['p_value'], 2)}, adjusted {fmt.number(r['p_adjusted'], 2)}"
            for t, r in tests.iterrows()
        )
        level = f"{100 * self.alpha:g}%"
        passed = [t for t, r in tests.iterrows() if r["p_adjusted"] < self.alpha]
        name = tests["method"].iloc[0].split(" (")[0]
        text = (
            f"{_name(self.treated)} ({self.treated}) is {direction}. Its {m} co-primary tests "
            f"(the per-year gap ranks and the RMSPE ratio) form one family, adjusted by {name}: "
            f"{listed}. "
        )
        if passed:
            text += f"At {level} after adjustment the fall is clear for: {', '.join(passed)}."
        else:
            text += f"None reaches {level} after adjustment"
            floor = min(1.0, m / (n + 1)) if method != "bh" else 1 / (n + 1)
            if floor >= self.alpha:
                text += (
                    f"; none could: with {n} placebos the smallest adjusted p-value is "
                    f"{m}/{n + 1} = {fmt.number(floor, 2)}"
                )
            text += ". The direction is that of every gap; its size is not distinguishable "
            text += "from donor-destination noise by these tests."
        return text

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """``lower``/``upper`` relative effect per post year (inverted placebo test)."""
        return self.effects(alpha)[["lower", "upper"]]

    def to_frame(self) -> pd.DataFrame:
        """The per-year effects table (:meth:`effects` at the fitted ``alpha``)."""
        return self.effects()

    def weights_table(self) -> pd.DataFrame:
        """Donors with positive weight, largest first, with their names."""
        w = self.weights[self.weights > _POSITIVE].sort_values(ascending=False)
        return pd.DataFrame({"name": [_name(c) for c in w.index], "weight": w.to_numpy()}, w.index)

    def summary(self) -> Summary:
        eff = self.effects()
        facts = {
            "Treated": f"{_name(self.treated)} ({self.treated})",
            "Outcome": OUTCOMES[self.outcome],
            "Prices": self.deflator or "not recorded",
            "Donor pool": self.donor_pool or "not recorded",
            "Pre-period": f"{self.pre_years[0]}-{self.pre_years[-1]} ({len(self.pre_years)} years)",
            "Post-period": ", ".join(map(str, self.post_years)),
            "Donors (positive weight)": f"{len(self.weights)} ({int((self.weights > _POSITIVE).sum())})",
            "Pre-RMSPE": self.pre_rmspe,
            "Post/pre RMSPE ratio": self.ratio,
            "Placebos kept": f"{self.n_placebos} of {len(self.placebos)} (pre-RMSPE <= {self.k:g} x treated's)",
            "Rank of ratio": f"{self.rank} of {self.n_placebos + 1}",
            "Placebo p-value": self.p_value,
            "Inference": self.inference,
        }
        tables = [
            (
                f"Effect per post year ({fmt.level(self.alpha)} inverted-placebo interval)",
                eff,
            ),
            ("Donor weights", self.weights_table()),
        ]
        if len(self.leave_one_out):
            tables.append(("Leave one donor out", self.leave_one_out))
        notes = list(self.caveats)
        if self.leave_one_out_note():
            notes.append(self.leave_one_out_note())
        if self.augmented is not None:
            tables.append(("Augmented synthetic control (ridge)", self.augmented))
        return Summary(
            title=f"Synthetic control: {self.treated}, intervention {self.intervention}",
            facts=facts,
            tables=tables,
            notes=notes,
        )

    def leave_one_out_note(self) -> str:
        """What leaving out a donor that carries (nearly) all the weight means: a different
        synthetic control built from the other donors (named), not a perturbation of this one."""
        loo = self.leave_one_out
        if not len(loo) or "weight" not in loo:
            return ""
        from sanctions_model.reporting.labels import place

        parts = []
        for code, row in loo.iterrows():
            if float(row["weight"]) < 0.99:
                continue
            repl = row.get("replaced_by") if "replaced_by" in loo else None
            parts.append(
                f"{place(code)} is the only donor with weight ({row['weight']:.0%}): leaving it "
                "out refits the weights over the other donors"
                + (f" ({repl})" if isinstance(repl, str) and repl else "")
                + ", so that row is a different synthetic control, not this one without a donor"
            )
        return "; ".join(parts) + ("." if parts else "")

    def sentences(self, reporter: str = "EU27") -> dict[int, str]:
        """One report sentence per post year (:func:`~sanctions_model.reporting.text.effect_sentence`).

        The interval and the p-value are those of :meth:`effects` (one inverted placebo test), so
        the sentence cannot claim more than they allow.
        """
        from sanctions_model.reporting.text import effect_sentence

        eff = self.effects()
        n = self.n_placebos

        def how(p: float) -> str:
            test = f"inverted placebo-in-space test over {n} donor destinations"
            if n > 0 and p <= 1 / (n + 1) + 1e-12:
                return f"{self.treated}'s gap is the largest of {n + 1}; {test}"
            return test

        return {
            year: effect_sentence(
                f"{reporter} exports to {_name(self.treated)} ({self.treated}), {year}",
                row["effect"],
                row["lower"],
                row["upper"],
                p_value=row["p_value"],
                scale="relative",
                reference="the synthetic control",
                alpha=self.alpha,
                n_draws=n,
                exact_floor=True,
                draw_units="placebos",
                inference=how(row["p_value"]),
            )
            for year, row in eff.iterrows()
        }

    def record(self) -> dict[str, object]:
        """The headline keys for ``results.json`` (relative effects per post year)."""
        eff = self.effects()
        out: dict[str, object] = {}
        for year in self.post_years:
            row = eff.loc[year]
            out[f"sc_effect_{year}"] = row["effect"]
            out[f"sc_lower_{year}"] = row["lower"]
            out[f"sc_upper_{year}"] = row["upper"]
            out[f"sc_p_{year}"] = row["p_value"]
        out |= {
            "sc_p_placebo": self.p_value,
            "sc_rank": self.rank,
            "sc_n_placebos": self.n_placebos,
            "sc_pre_rmspe": self.pre_rmspe,
            "sc_ratio": self.ratio,
            "sc_weights": self.weights_table()["weight"].round(4).to_dict(),
            "sc_donor_pool": self.donor_pool,
            "sc_deflator": self.deflator,
            "sc_primary_p_adjusted": self.primary_tests()["p_adjusted"].to_dict(),
            "inference": self.inference,
            "caveats": list(self.caveats),
        }
        return out

    # -- figures
    def plot(self) -> Figure:
        """Treated and synthetic paths (outcome scale), intervention marked."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 3.6), layout="constrained")
        ax.plot(self.observed.index, self.observed.to_numpy(), lw=1.6, label=_name(self.treated))
        ax.plot(self.synthetic.index, self.synthetic.to_numpy(), lw=1.4, ls="--", label="synthetic")
        ax.axvline(self.intervention - 0.5, color="0.4", ls=":", lw=0.8)
        ax.set_ylabel(OUTCOMES[self.outcome].replace("destination's ", ""), fontsize=8)
        ax.set_title(f"Exports to {_name(self.treated)} and its synthetic control")
        ax.legend(frameon=False, fontsize=8)
        return fig

    def plot_placebos(self) -> Figure:
        """Gap paths: kept placebos in grey, the treated in colour; right: the RMSPE ratios."""
        import matplotlib.pyplot as plt

        fig, (ax, bx) = plt.subplots(
            1, 2, figsize=(9, 3.6), layout="constrained", gridspec_kw={"width_ratios": [2, 1]}
        )
        kept = self.placebo_gaps[self.kept_placebos]
        ax.plot(kept.index, kept.to_numpy(), color="0.75", lw=0.7)
        ax.plot(self.gaps.index, self.gaps.to_numpy(), color="C3", lw=2, label=self.treated)
        ax.axhline(0, color="0.3", lw=0.6)
        ax.axvline(self.intervention - 0.5, color="0.4", ls=":", lw=0.8)
        ax.set_title(f"Gap: {self.treated} and {self.n_placebos} placebos")
        ax.legend(frameon=False, fontsize=8)
        ratios = np.sort(self.placebos.loc[self.kept_placebos, "ratio"].to_numpy())
        bx.barh(np.arange(ratios.size), ratios, color="0.7", height=0.8)
        bx.axvline(self.ratio, color="C3", lw=2, label=f"{self.treated}: rank {self.rank}")
        bx.set_xscale("log")
        bx.set_yticks([])
        bx.set_xlabel("post/pre RMSPE ratio")
        bx.legend(frameon=False, fontsize=8)
        return fig


def _name(code: str) -> str:
    try:
        return countries.name(code)
    except KeyError:
        return code


@dataclass(frozen=True, eq=False)
class SyntheticControlFamily(ResultsDisplayMixin):
    """Synthetic controls for several treated destinations against one donor pool.

    ``adjusted`` holds the placebo p-values adjusted for the family (:func:`adjust_pvalues`).
    """

    results: dict[str, SyntheticControlResults]
    adjusted: pd.DataFrame
    family: str

    def to_frame(self) -> pd.DataFrame:
        rows = {}
        for code, res in self.results.items():
            eff = res.effects()
            row = {f"effect_{y}": eff.loc[y, "effect"] for y in res.post_years}
            row |= {
                "pre_rmspe": res.pre_rmspe,
                "rank": res.rank,
                "n_placebos": res.n_placebos,
                "p_value": res.p_value,
                "p_adjusted": self.adjusted.loc[code, "p_adjusted"],
            }
            rows[code] = row
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.name = "treated"
        return out

    def summary(self) -> Summary:
        first = next(iter(self.results.values()))
        return Summary(
            title="Synthetic controls, one per treated destination",
            facts={
                "Family": self.family,
                "Adjustment": "; ".join(map(str, self.adjusted["method"].unique())),
                "Inference": first.inference,
            },
            tables=[("", self.to_frame())],
        )
