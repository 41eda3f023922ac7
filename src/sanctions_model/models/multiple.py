"""Many comparisons: adjusted p-values for a named family of tests.

When a notebook or a sweep reports several p-values that answer one question (one per partner,
per ally, per sanctions package), the chance that at least one is small by luck grows with their
number. :func:`adjust_pvalues` returns the adjusted p-values beside the raw ones, with the family
named, so a reader sees both. Benjamini-Hochberg (false discovery rate) is the default; Holm
(family-wise error rate) is stricter. Romano-Wolf needs the bootstrap draws of every test and is
provided by the estimators that have them (pyfixest ``rwolf``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from sanctions_model.errors import ParameterError

__all__ = ["METHODS", "adjust_pvalues"]

METHODS = {"bh": "fdr_bh", "holm": "holm", "bonferroni": "bonferroni"}
_NAMES = {
    "bh": "Benjamini-Hochberg (false discovery rate)",
    "holm": "Holm (family-wise error rate)",
    "bonferroni": "Bonferroni (family-wise error rate)",
}


def adjust_pvalues(
    pvalues: Mapping[str, float] | pd.Series | Sequence[float],
    *,
    family: str,
    method: Literal["bh", "holm", "bonferroni"] = "bh",
) -> pd.DataFrame:
    """Adjust a family of p-values for multiple comparisons.

    Parameters
    ----------
    pvalues : mapping, Series or sequence
        Raw p-values, keyed by what each one tests (a partner, an ally, a package).
        Missing values (None, NaN) are kept as missing and left out of the family.
    family : str
        What the family is, in words ("EU27 exports, one test per partner"); shown with the result.
    method : {"bh", "holm", "bonferroni"}

    Returns
    -------
    DataFrame
        Indexed by test, columns ``p_value``, ``p_adjusted``, ``method``, ``family``,
        ``family_size``.
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    if isinstance(pvalues, pd.Series):
        series = pvalues.astype(float)
    elif isinstance(pvalues, Mapping):
        series = pd.Series({k: np.nan if v is None else float(v) for k, v in pvalues.items()})
    else:
        series = pd.Series([np.nan if v is None else float(v) for v in pvalues], dtype=float)
    bad = series[(series < 0) | (series > 1)]
    if len(bad):
        raise ParameterError(f"p-values must lie in [0, 1]; {bad.index[0]!r} is {bad.iloc[0]}")
    present = series.dropna()
    adjusted = pd.Series(np.nan, index=series.index, dtype=float)
    if len(present):
        adjusted[present.index] = multipletests(present.to_numpy(), method=METHODS[method])[1]
    out = pd.DataFrame({"p_value": series, "p_adjusted": adjusted})
    out["method"] = _NAMES[method]
    out["family"] = family
    out["family_size"] = len(present)
    out.index.name = "test"
    return out
