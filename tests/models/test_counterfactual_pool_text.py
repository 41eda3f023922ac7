"""The counterfactual says which models its paths are pooled from, in what shares and why."""

from __future__ import annotations

import re

import pytest

from sanctions_model.models import estimate_counterfactual, simulate_monthly_flows
from sanctions_model.models.counterfactual.report import price_basis_table


@pytest.fixture(scope="module")
def pooled():
    obs, _ = simulate_monthly_flows(1, seed=12)
    return estimate_counterfactual(obs["s0"], "2022-03", n_sims=300, n_param_draws=10)


def test_inference_names_each_pooled_model_its_share_and_why(pooled):
    models = pooled.config.models_averaged
    assert len(models) >= 2
    shares = pooled.path_shares
    assert list(shares) == list(models) and sum(shares.values()) == pytest.approx(1.0)
    assert max(shares.values()) - min(shares.values()) <= 1 / 300 + 1e-12  # equal split
    text = pooled.inference
    assert "nests" not in text
    assert f"{len(models)} models pooled" in text
    for m in models:
        assert re.search(re.escape(m) + r" \(\d+% of the paths; ", text), (m, text)
    assert f"{pooled.model_chosen} (" in text and "the backtest's choice" in text
    assert "so a drift the 12-month backtest cannot see still widens the interval" in text
    nest = [m for m in models if m.startswith("level, drift + AR(1)")][0]
    table = pooled.model_choice.to_frame()
    gap = table.loc[nest, "crps"] / table["crps"].min() - 1
    if gap > 0:  # the forced model's worse score is said, not hidden
        assert "its backtest CRPS is" in text and "above the best" in text


def test_pooled_result_is_labelled_pooled_everywhere(pooled):
    label = pooled.model_used
    assert label.startswith("pooled: ") and pooled.model_chosen in label
    facts = pooled.summary().facts
    assert facts["Model"].startswith("structural time series, pooled: ")
    assert "UnobservedComponents" not in facts["Model"]
    titles = [t for t, _ in pooled.summary().tables]
    assert any("only; the other pooled models' parameters are not shown" in t for t in titles)
    assert f"({label})" in pooled.report("S")
    assert price_basis_table(pooled, None, deflator=None)["model"].iloc[0] == label
    out = pooled.to_results()
    assert out["model_used"] == label and out["path_shares"] == pooled.path_shares


def test_a_single_model_is_not_called_pooled():
    obs, _ = simulate_monthly_flows(1, seed=12)
    single = estimate_counterfactual(
        obs["s0"], "2022-03", n_sims=200, n_param_draws=10, average_within=None,
        pool_nesting=False,
    )  # fmt: skip
    assert single.model_used == single.model_chosen and not single.pooled
    assert "pooled" not in single.inference and "pooled" not in single.report("S")


def test_codes_in_the_subject_and_title_are_put_in_words(pooled):
    from sanctions_model.models.counterfactual.report import report_markdown
    from sanctions_model.models.counterfactual.subject import in_words

    assert in_words("EU27_2020 exports to RU, HS 27") == "EU27 exports to Russia, HS 27"
    assert in_words("DE exports to KG") == "Germany exports to Kyrgyzstan"
    sentence = pooled.sentence("EU27_2020 exports to RU")
    assert sentence.startswith("EU27 exports to Russia") and "RU" not in sentence
    block = report_markdown(pooled, "DE exports to RU")
    assert "Germany exports to Russia" in block and "DE exports" not in block
    fig = pooled.plot(title="EU27_2020 exports to RU: observed and counterfactual")
    try:
        assert fig._suptitle.get_text() == "EU27 exports to Russia: observed and counterfactual"
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_import_run_says_its_window_ends_before_the_oil_embargo_and_value_not_volume():
    from sanctions_model.models.counterfactual.report import report_markdown, window_notes

    obs, _ = simulate_monthly_flows(1, seed=4)
    y = obs["s0"].loc[:"2022-10"]
    cf = estimate_counterfactual(y, "2022-03", n_sims=200, n_param_draws=10)
    hicp = "euro-area consumer prices (HICP, Eurostat), 2021 = 100"
    notes = window_notes(cf, "EU27_2020 imports from RU, HS 27", deflator=hicp)
    assert str(cf.observed.last_valid_index()) == "2022-10"
    assert notes[0].startswith("The series ends in 2022-10: ")
    assert "EU crude oil embargo applies (2022-12-05)" in notes[0]
    assert "EU petroleum products embargo applies (2023-02-05)" in notes[0]
    assert "2022-10-06" not in notes[0]  # the price cap package came inside the window
    assert "in value at 2021 consumer prices, not in volume" in notes[1]
    assert "quantities imported" in notes[1]
    block = report_markdown(cf, "EU27_2020 imports from RU, HS 27", deflator=hicp)
    assert notes[0] in block and notes[1] in block
    # an export flow names no import window; a non-energy flow no energy prices
    export = window_notes(cf, "EU27_2020 exports to RU", deflator=hicp)
    assert len(export) == 1 and "quantities" not in export[0]
    assert window_notes(cf, "EU27_2020 exports to RU", deflator=None) == []


def _jump(factor: float, seed: int = 1):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    idx = pd.period_range("2019-01", "2024-08", freq="M")
    z = np.cumsum(rng.normal(0, 0.15, len(idx))) + np.log(25e6)
    z[38:] += np.log(factor)
    return pd.Series(np.exp(z), index=idx)


def test_an_upper_end_above_1000_percent_gets_a_caveat_beside_the_figure():
    from sanctions_model.models.counterfactual.report import report_markdown

    cf = estimate_counterfactual(_jump(12.0), "2022-03", n_sims=400, n_param_draws=20, units="EUR")
    s = cf.headline()
    assert s.upper > 10
    (note,) = [c for c in cf.all_caveats if "above +1,000%" in c]
    assert note.startswith(f"the interval's upper end ({fmt_pct(s.upper)}) is above +1,000%")
    assert "counterfactual's low tail" in note
    assert f"- {note}" in report_markdown(cf, "EU27_2020 exports to KG")
    assert note in cf.to_results()["caveats"]
    calm = estimate_counterfactual(_jump(1.0), "2022-03", n_sims=400, n_param_draws=20)
    assert calm.headline().upper < 10
    assert not any("above +1,000%" in c for c in calm.all_caveats)


def test_near_unit_ar_deviations_are_named_with_their_coefficient(monkeypatch):
    from sanctions_model.models.counterfactual import fragile

    cf = estimate_counterfactual(_jump(1.0), "2022-03", n_sims=200, n_param_draws=10)
    phis = fragile.ar_persistence(cf)
    nest = [m for m in cf.config.models_averaged if m.startswith("level, drift + AR(1)")][0]
    assert nest in phis and -1 < phis[nest] < 1
    assert phis[nest] < fragile.AR_NEAR_UNIT  # this series' deviations are not persistent
    assert not any("nearly a random walk" in c for c in cf.all_caveats)
    monkeypatch.setattr(fragile, "AR_NEAR_UNIT", phis[nest] - 1e-9)  # as if at the threshold
    (note,) = [c for c in cf.all_caveats if "nearly a random walk" in c]
    assert f"the deviations in {nest} are nearly a random walk (AR persistence " in note
    from sanctions_model.reporting import format as fmt

    assert f"(AR persistence {fmt.number(phis[nest], 2)})" in note


def fmt_pct(v):
    from sanctions_model.reporting import format as fmt

    return fmt.pct(v)
