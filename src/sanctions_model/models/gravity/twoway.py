"""PPML with unit and year effects on a units x years grid: many dummy designs in one pass.

Placebo-in-space inference (:mod:`.design`) refits the same small panel (one exporter, a few
dozen destinations, a dozen years) once per placebo destination or per random donor group, and
only the dummies change between fits. :func:`fit_twoway_ppml` fits all of them at once.

The algorithm is pyfixest's ``fepois`` (the IRLS of Stata's ``ppmlhdfe``: same working response
and weights, same default start) with the fixed effects solved exactly instead of by
alternating projections: the unit effects are eliminated from the weighted normal equations
through their diagonal block (a Schur complement), which leaves a (years - 1 + dummies) square
system per design, solved for all designs by one batched ``numpy.linalg.solve``. The stopping
rule is stricter than pyfixest's (relative change of the deviance below ``1e-8``): the deviance
must change by less than ``dev_tol`` (default ``1e-11``) relative *and* the linear predictor by
less than ``eta_tol`` (``1e-9``) in every cell, so the estimates sit at the optimum to the
precision of the arithmetic, while pyfixest's sit within its tolerances of it. The placebo
designs start from the fit without dummies (:func:`placebo_fits`), which halves the iterations
and moves no estimate (the optimum is unique).

A design whose dummies are nearly collinear with the effects (rank test on the first weighted
system), that does not converge (separation: a dummy whose cells all trade zero drifts to minus
infinity), or that gives non-finite numbers comes back with ``ok`` False: the caller falls back
to its reference implementation for it rather than guessing. Exactly collinear dummies (all
zero, or two equal) are flagged ``collinear``: no estimate exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["TwowayFits", "fit_twoway_ppml", "placebo_fits"]


@dataclass(frozen=True, eq=False)
class TwowayFits:
    """Results of :func:`fit_twoway_ppml` for ``B`` designs of ``k`` dummies each.

    Attributes
    ----------
    coef : numpy.ndarray
        ``(B, k)`` PPML coefficients of the dummies (NaN where ``ok`` is False).
    mu : numpy.ndarray
        ``(B, N, T)`` fitted values in the units of ``y`` (NaN in cells not observed).
    ok : numpy.ndarray
        ``(B,)`` True where the design has full rank and converged.
    collinear : numpy.ndarray
        ``(B,)`` True where the dummies are exactly collinear with the effects (an all-zero
        dummy, two equal ones): no estimate exists.
    iterations : numpy.ndarray
        ``(B,)`` IRLS iterations used.
    """

    coef: np.ndarray
    mu: np.ndarray
    ok: np.ndarray
    collinear: np.ndarray
    iterations: np.ndarray


def _weighted_system(w: np.ndarray, x: np.ndarray, z: np.ndarray):
    """Schur complement of the unit block in the normal equations of ``z ~ unit + year + x``.

    ``w``, ``z`` are ``(B, N, T)``, ``x`` is ``(B, k, N, T)``. The first year's effect is fixed
    at zero (the unit effects carry the level). Returns the reduced matrix ``S`` and right-hand
    side ``s`` of the ``m = T - 1 + k`` remaining parameters, the unit block's diagonal ``wu``,
    the unit-by-rest block ``c`` and the units' right-hand side ``ru``.
    """
    wx = w[:, None] * x  # (B, k, N, T)
    wu = w.sum(axis=2)  # (B, N)
    c = np.concatenate([w[:, :, 1:], wx.sum(axis=3).transpose(0, 2, 1)], axis=2)  # (B, N, m)
    t1 = w.shape[2] - 1
    k = x.shape[1]
    h = np.zeros((w.shape[0], t1 + k, t1 + k))
    idx = np.arange(t1)
    h[:, idx, idx] = w[:, :, 1:].sum(axis=1)
    htx = wx[..., 1:].sum(axis=2).transpose(0, 2, 1)  # (B, T-1, k)
    h[:, :t1, t1:] = htx
    h[:, t1:, :t1] = htx.transpose(0, 2, 1)
    h[:, t1:, t1:] = np.einsum("bjnt,blnt->bjl", wx, x)
    wz = w * z
    ru = wz.sum(axis=2)  # (B, N)
    r = np.concatenate([wz[:, :, 1:].sum(axis=1), (wx * z[:, None]).sum(axis=(2, 3))], axis=1)
    cw = c / wu[:, :, None]
    s_mat = h - cw.transpose(0, 2, 1) @ c
    s_vec = r - np.einsum("bnm,bn->bm", cw, ru)
    return s_mat, s_vec, wu, c, ru


def _smallest_eigenvalue(s_mat: np.ndarray) -> np.ndarray:
    """Each reduced system's smallest eigenvalue scaled to unit diagonal (0: a null column)."""
    d = np.sqrt(np.clip(np.einsum("bii->bi", s_mat), 0.0, None))
    good = (d > 1e-150).all(axis=1)
    d = np.where(d > 1e-150, d, 1.0)
    scaled = s_mat / d[:, :, None] / d[:, None, :]
    return np.where(good, np.linalg.eigvalsh(scaled)[:, 0], 0.0)


def _deviance(y: np.ndarray, log_y: np.ndarray, eta: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Poisson deviance of each design; ``log_y`` is 0 where ``y`` is 0 or not observed (where
    ``y`` is 0 too, and ``mu`` must be 0 there)."""
    return 2 * (y * (log_y - eta) - y + mu).sum(axis=(1, 2))


def fit_twoway_ppml(
    y: np.ndarray,
    mask: np.ndarray,
    x: np.ndarray,
    *,
    dev_tol: float = 1e-11,
    eta_tol: float = 1e-9,
    maxiter: int = 100,
    collin_tol: float = 1e-7,
    exact_collin_tol: float = 1e-10,
    start: np.ndarray | None = None,
) -> TwowayFits:
    """PPML of ``y ~ x | unit + year`` for ``B`` designs ``x`` on one grid, all at once.

    Parameters
    ----------
    y : numpy.ndarray
        ``(N, T)`` outcome, non-negative where observed (anything where ``mask`` is False).
    mask : numpy.ndarray
        ``(N, T)`` True where the cell is observed. Every unit and every year needs at least one
        observed cell with positive ``y`` (the caller drops separated units and years first).
    x : numpy.ndarray
        ``(B, k, N, T)`` regressors of each design (values in unobserved cells are ignored).
    dev_tol, eta_tol : float
        Stop a design when the deviance changes by less than ``dev_tol`` relative and the linear
        predictor by less than ``eta_tol`` in every observed cell.
    maxiter : int
        IRLS iterations before a design is declared not converged (``ok`` False).
    collin_tol, exact_collin_tol : float
        Smallest eigenvalue of the first weighted system (scaled to unit diagonal) below which a
        design is not fitted (``ok`` False; pyfixest's own check decides), and below which its
        dummies are declared collinear (``collinear`` True).
    start : numpy.ndarray, optional
        ``(N, T)`` positive starting fitted values, e.g. the fit without the dummies (a warm start
        for placebo designs, whose dummies are small); default pyfixest's start,
        ``(y + mean(y)) / 2``. The optimum does not depend on it, only the iterations.
    """
    y = np.asarray(y, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    x = np.asarray(x, dtype=float)
    if y.ndim != 2 or mask.shape != y.shape or x.ndim != 4 or x.shape[2:] != y.shape:
        raise ValueError(f"shapes y {y.shape}, mask {mask.shape}, x {x.shape} do not match")
    n_designs, k = x.shape[:2]
    ym = np.where(mask, y, 0.0)
    if (ym < 0).any() or not np.isfinite(ym).all():
        raise ValueError("y must be finite and non-negative where observed")
    if not ((ym > 0).any(axis=1).all() and (ym > 0).any(axis=0).all()):
        raise ValueError("every unit and every year needs an observed positive y")
    scale = ym[mask].mean()  # PPML is scale-equivariant: work with y of order one
    ys = ym / scale
    xm = np.where(mask, x, 0.0)

    coef = np.full((n_designs, k), np.nan)
    mu_out = np.full((n_designs, *y.shape), np.nan)
    ok = np.zeros(n_designs, dtype=bool)
    collinear = np.zeros(n_designs, dtype=bool)
    iters = np.zeros(n_designs, dtype=int)

    if start is None:  # pyfixest's (ppmlhdfe's) start: mu = (y + mean) / 2
        mu0 = np.where(mask, (ys + ys[mask].mean()) / 2, 1.0)
    else:
        mu0 = np.where(mask, np.asarray(start, dtype=float) / scale, 1.0)
        if mu0.shape != y.shape or not (np.isfinite(mu0) & (mu0 > 0)).all():
            raise ValueError("start must be positive fitted values of the shape of y")
    active = np.arange(n_designs)
    eta = np.broadcast_to(np.log(mu0), (n_designs, *y.shape)).copy()
    mu = np.broadcast_to(mu0, eta.shape).copy()
    wmask = mask.astype(float)
    log_y = np.log(np.where(ys > 0, ys, 1.0))  # y log y is 0 at y = 0
    last = _deviance(ys, log_y, eta, mu * wmask)
    for it in range(1, maxiter + 1):
        xa = xm[active]
        z = eta + ys / mu - 1.0
        w = mu * wmask
        s_mat, s_vec, wu, c, ru = _weighted_system(w, xa, z)
        if it == 1:
            lam = _smallest_eigenvalue(s_mat)
            full = lam > collin_tol
            collinear[active[lam <= exact_collin_tol]] = True
            s_mat[~full] = np.eye(s_mat.shape[1])  # dropped below; keeps the batch solvable
        else:
            full = np.ones(len(active), dtype=bool)
        try:
            delta = np.linalg.solve(s_mat, s_vec[..., None])[..., 0]
        except np.linalg.LinAlgError:  # a singular system the rank test missed: no fast fit
            iters[active] = it
            break
        t1 = y.shape[1] - 1
        a = (ru - np.einsum("bnm,bm->bn", c, delta)) / wu
        g = np.concatenate([np.zeros((len(active), 1)), delta[:, :t1]], axis=1)
        b = delta[:, t1:]
        eta_new = a[:, :, None] + g[:, None, :] + np.einsum("bknt,bk->bnt", xa, b)
        with np.errstate(over="ignore"):
            mu_new = np.exp(eta_new)
        dev = _deviance(ys, log_y, eta_new, mu_new * wmask)
        finite = np.isfinite(dev) & np.isfinite(b).all(axis=1)
        step = np.where(mask, np.abs(eta_new - eta), 0.0).max(axis=(1, 2))
        crit = np.abs(dev - last) / np.maximum(np.abs(last), np.finfo(float).tiny)
        done = finite & full & (step < eta_tol) & (crit < dev_tol)
        drop = ~finite | ~full
        idx = active[done]
        coef[idx] = b[done]
        mu_out[idx] = np.where(mask, mu_new[done] * scale, np.nan)
        ok[idx] = True
        iters[active[done | drop]] = it
        keep = ~(done | drop)
        active, eta, mu, last = active[keep], eta_new[keep], mu_new[keep], dev[keep]
        if active.size == 0:
            break
    iters[active] = maxiter
    return TwowayFits(coef=coef, mu=mu_out, ok=ok, collinear=collinear, iterations=iters)


def placebo_fits(
    frame: pd.DataFrame,
    designs: Sequence[tuple[tuple[str, ...], tuple[str, ...]]],
    *,
    unit: str,
    year: str,
    windows: Mapping[str, tuple[int, int | None]],
    outcome: str = "__y",
    year_value: str = "__yr",
) -> dict[tuple[tuple[str, ...], tuple[str, ...]], dict | None]:
    """Fit :mod:`.design`'s placebo designs that this module can fit exactly; skip the rest.

    ``designs`` are ``(units, sample)`` pairs: fit ``outcome ~ window dummies of units | unit +
    year`` on the rows of the units in ``sample``. Returns ``{(units, sample): {"coef": {dummy:
    value}, "scale": s.d. of the units' log residuals in the reference years}}`` for the designs
    fitted, the same numbers as the pyfixest route of :func:`.design.gravity_randomization`, and
    ``None`` for designs whose dummies are exactly collinear with the effects (no estimate
    exists; pyfixest 0.60's demeaner aborts the process on them). A design is left out (for the
    caller's pyfixest route, which raises or drops as before) when its sample has duplicate or
    singleton unit-years (pyfixest drops singletons), fewer than 3 reference cells, a nearly
    collinear design, or a fit that does not converge.
    """
    out: dict[tuple[tuple[str, ...], tuple[str, ...]], dict | None] = {}
    by_sample: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for units, sample in designs:
        by_sample.setdefault(tuple(sample), []).append(tuple(units))
    for sample, unit_sets in by_sample.items():
        d = frame[frame[unit].isin(sample)]
        if d.empty or d.duplicated([unit, year]).any():
            continue
        u_codes, u_names = pd.factorize(d[unit], sort=False)
        t_codes, t_vals = pd.factorize(d[year], sort=True)
        observed = np.zeros((len(u_names), len(t_vals)), dtype=bool)
        observed[u_codes, t_codes] = True
        if (observed.sum(axis=1) < 2).any() or (observed.sum(axis=0) < 2).any():
            continue
        y = np.zeros(observed.shape)
        y[u_codes, t_codes] = d[outcome].to_numpy(dtype=float)
        yv = np.full(len(t_vals), np.nan)
        yv[t_codes] = d[year_value].to_numpy(dtype=float)
        inside = np.array(
            [(yv >= lo) & (yv <= (np.inf if hi is None else hi)) for lo, hi in windows.values()]
        )  # (k, T)
        ref_years = ~inside.any(axis=0)
        position = {u: i for i, u in enumerate(u_names)}
        member = np.zeros((len(unit_sets), len(u_names)), dtype=bool)
        for b, units in enumerate(unit_sets):
            member[b, [position[u] for u in units if u in position]] = True
        # design.py's rule, on the rows before separation: 3 reference unit-years at least
        usable = (member.astype(int) @ observed[:, ref_years].sum(axis=1)) >= 3
        # pyfixest's "fe" separation check: drop the units and years that never trade
        pos = observed & (y > 0)
        keep_u, keep_t = pos.any(axis=1), pos.any(axis=0)
        y, observed = y[keep_u][:, keep_t], observed[keep_u][:, keep_t]
        inside, ref_years, member = inside[:, keep_t], ref_years[keep_t], member[:, keep_u]
        sets = [u for u, ok in zip(unit_sets, usable, strict=True) if ok]
        member = member[usable]
        # warm start: the fit without dummies, which a placebo's dummies barely move
        null = fit_twoway_ppml(y, observed, np.zeros((1, 0, *y.shape)))
        start = null.mu[0] if null.ok[0] and (null.mu[0][observed] > 0).all() else None
        for first in range(0, len(sets), _CHUNK):  # bounded memory for many placebo groups
            chunk = slice(first, first + _CHUNK)
            out.update(_fit_chunk(y, observed, member[chunk], inside, ref_years, list(windows),
                                  [(u, sample) for u in sets[chunk]], start))  # fmt: skip
    return out


_CHUNK = 512


def _fit_chunk(y, observed, member, inside, ref_years, names, keys, start) -> dict:
    """Fit one chunk of designs (dummy j of design b: ``member[b] x inside[j]``); each one's
    coefficients and the s.d. of its units' log residuals in the reference years."""
    x = (member[:, None, :, None] & inside[None, :, None, :]).astype(float)
    fits = fit_twoway_ppml(y, observed, x, start=start)
    ref_cells = member[:, :, None] & (ref_years[None, :] & observed & (y > 0))[None]
    out: dict = {}
    for b, key in enumerate(keys):
        if fits.collinear[b]:
            out[key] = None
        if not fits.ok[b]:
            continue
        cell = ref_cells[b] & (fits.mu[b] > 0)
        resid = np.log(y[cell]) - np.log(fits.mu[b][cell])
        out[key] = {
            "coef": dict(zip(names, fits.coef[b].tolist(), strict=True)),
            "scale": float(np.std(resid, ddof=1)) if resid.size > 2 else np.nan,
        }
    return out
