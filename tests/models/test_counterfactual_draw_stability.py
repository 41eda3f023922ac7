"""Printed figures must not follow rounding (thread count, machine): the counterfactual's
parameter covariance and its square roots are continuous in what the optimiser returns.

On the real EU27 -> UZ series, one and two OpenBLAS threads led BFGS to two optima of the level
with drift and AR(1) + seasonal model 1e-4 apart (log-likelihood equal to 1e-8). Before
2026-12-06 the covariance came from real second differences (information eigenvalues 9.6 ... 2124
at one, -26 ... 2113 at the other) and the draws from ``V sqrt(L)`` (eigenvector signs follow
rounding): a third of notebook 02's paths changed and printed interval ends moved (Uzbekistan's
anticipation interval: "-5% to +200%, p = 0.06" with two threads, "+5% to +150%, p = 0.02" with
one).
"""

from __future__ import annotations

import warnings

import numpy as np
from statsmodels.tools.numdiff import approx_hess3

from sanctions_model.models.counterfactual._batched import sqrt_psd_stack
from sanctions_model.models.counterfactual._structural import (
    _unconstrained_cov,
    sqrt_psd,
)

#: the two optima (sigma2.irregular, sigma2.level, sigma2.ar, ar.L1), as float hex
_ONE_THREAD = ("0x1.6d7d41cbf1490p-31", "0x1.9c4f4bbc12317p-10", "0x1.5dc4e3249d5e8p-6",
               "0x1.2f34637404b7dp-2")  # fmt: skip
_TWO_THREADS = ("0x1.91d2e98501d23p-44", "0x1.9c52a9968ed3ap-10", "0x1.5dc22280e71afp-6",
                "0x1.2f2e872e93a72p-2")  # fmt: skip


def _optima():
    return [np.array([float.fromhex(h) for h in hexes]) for hexes in (_ONE_THREAD, _TWO_THREADS)]


def test_the_two_optima_are_the_same_maximum(uz_fit):
    lls = [uz_fit.model.loglike(p) for p in _optima()]
    assert abs(lls[0] - lls[1]) < 1e-7 * abs(lls[0])
    assert abs(uz_fit.llf - lls[0]) < 1e-6 * abs(lls[0])


def test_covariance_is_the_same_at_both_optima(uz_fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sds = [np.sqrt(np.diag(_unconstrained_cov(uz_fit.model, p, uz_fit.diff_sd)))
               for p in _optima()]  # fmt: skip
    np.testing.assert_allclose(sds[0], sds[1], rtol=2e-3)


def test_real_second_differences_were_not(uz_fit, statsmodels_filter):
    """The reason for the complex-step Hessian: the old one differs by far more (the test above
    can fail). The eigenvalues' signs are those of statsmodels' filter's rounding: checked on
    it (the compiled filter of ``_kfilter`` rounds otherwise)."""
    model = uz_fit.model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eig = []
        for p in _optima():
            phi = np.asarray(model.untransform_params(p), dtype=float)
            h = approx_hess3(phi, lambda x: float(model.loglike(x, transformed=False)))
            eig.append(np.linalg.eigvalsh(-(h + h.T) / 2))
    assert eig[0][0] > 0 > eig[1][0]  # positive definite at one optimum, not at the other


def _rotate(cov: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal(cov.shape))
    return q


def test_sqrt_psd_is_the_symmetric_root():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((6, 4))
    cov = a @ a.T  # rank 4: two zero eigenvalues
    root = sqrt_psd(cov)
    np.testing.assert_allclose(root, root.T, atol=1e-12)
    np.testing.assert_allclose(root @ root, cov, atol=1e-10)
    # a repeated eigenvalue: any basis of its eigenspace gives the same root
    q = _rotate(cov, 4)
    rep = q @ np.diag([2.0, 2.0, 2.0, 1.0, 0.5, 0.0]) @ q.T
    want = q @ np.diag(np.sqrt([2.0, 2.0, 2.0, 1.0, 0.5, 0.0])) @ q.T
    np.testing.assert_allclose(sqrt_psd(rep), want, atol=1e-12)
    np.testing.assert_allclose(sqrt_psd_stack(np.stack([rep, cov])), np.stack([want, root]),
                               atol=1e-10)  # fmt: skip


def test_sqrt_psd_moves_by_rounding_when_the_matrix_does():
    """A relative change of 1e-13 in the matrix moves the root by about as much (``V sqrt(L)``
    could flip a column's sign: a change of twice the column)."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((5, 5))
    cov = a @ a.T
    nudged = cov * (1 + 1e-13 * rng.standard_normal(cov.shape))
    nudged = (nudged + nudged.T) / 2
    assert np.max(np.abs(sqrt_psd(cov) - sqrt_psd(nudged))) < 1e-9
    assert np.max(np.abs(sqrt_psd_stack(cov[None]) - sqrt_psd_stack(nudged[None]))) < 1e-9
