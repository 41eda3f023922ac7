"""Restricted-goods difference in differences on a panel with planted effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sanctions_model.coordination.goods import restricted_goods_did
from sanctions_model.errors import ParameterError

PLANTED = {"DE": 0.5, "FR": 0.0, "IT": -0.3, "AT": 0.2}


def _panel(seed: int = 0, noise: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    months = pd.period_range("2020-01", "2022-12", freq="M")
    post = np.asarray(months >= pd.Period("2022-03", "M"))
    rest, tot = [], []
    for r, delta in PLANTED.items():
        for p in ("KZ", "KG", "AM"):
            total = np.exp(rng.normal(17, 0.5) + np.cumsum(rng.normal(0.01, 0.05, len(months))))
            total *= np.where(post, 1.8, 1.0)  # everything to the partners grows after 2022
            share = rng.uniform(0.1, 0.4)
            restricted = total * share * np.exp(delta * post + rng.normal(0, noise, len(months)))
            base = {"reporter": r, "partner": p, "flow": "export", "period": months}
            rest.append(pd.DataFrame({**base, "product": "REG833_ANNEX", "value": restricted}))
            tot.append(pd.DataFrame({**base, "product": "TOTAL", "value": total}))
    return pd.concat(rest, ignore_index=True), pd.concat(tot, ignore_index=True)


def test_planted_did_recovered():
    rx, tx = _panel()
    res = restricted_goods_did(rx, tx, partners=("KZ", "KG", "AM"))
    f = res.by_reporter
    for r, delta in PLANTED.items():
        assert f.loc[r, "lower"] <= delta <= f.loc[r, "upper"], (r, f.loc[r])
        assert f.loc[r, "did"] == pytest.approx(delta, abs=0.06)
    assert f.loc["FR", "lower"] < 0 < f.loc["FR", "upper"]
    assert f.loc["DE", "relative"] == pytest.approx(np.expm1(f.loc["DE", "did"]))
    assert list(f.index[:2]) == ["DE", "AT"]
    assert (f["n_pre"] == 26).all() and (f["n_post"] == 10).all()
    # pooled estimate: the average planted effect
    assert res.pooled["lower"] <= np.mean(list(PLANTED.values())) <= res.pooled["upper"]
    # a 90% interval lies inside the 95% one
    narrow = restricted_goods_did(rx, tx, partners=("KZ", "KG", "AM"), alpha=0.10).by_reporter
    assert (narrow["lower"] >= f["lower"] - 1e-12).all()
    assert "pooled DiD" in repr(res) and res.plot().get_title()


def test_skip_and_errors():
    rx, tx = _panel(seed=1)
    sparse = rx[~((rx["reporter"] == "AT") & (rx["period"] < "2021-10"))]
    res = restricted_goods_did(sparse, tx, partners=("KZ",))
    assert list(res.skipped["reporter"]) == ["AT"]
    assert "AT" not in res.by_reporter.index
    with pytest.raises(ParameterError, match="end before"):
        restricted_goods_did(rx, tx, pre=("2020-01", "2022-06"), post=("2022-03", "2022-12"))
    with pytest.raises(ParameterError, match="no export rows"):
        restricted_goods_did(tx, tx)
