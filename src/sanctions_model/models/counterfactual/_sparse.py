"""The path simulation's matrix products from the non-zero entries only.

The design and transition matrices of the counterfactual's models hold 0 and +-1 but for the AR
coefficient (a single entry in its row), and ``R Q^(1/2)`` one non-zero entry per row and draw.
``np.matmul`` (BLAS) over a stack of small matrices, and ``np.einsum`` where it reduces over an
outer axis, sum the products of a row one column after the other, starting from zero. Products
with 0 and +-1 are exact, and the first product of a sum is rounded once whatever comes before
it, so the same sums over the non-zero columns, in the same order, give the same numbers bit for
bit; a zero's sign included, because every first term gets ``+ 0.0`` as a sum from zero does.
With the draws on the last axis each such sum is one vectorised operation over all draws,
instead of a BLAS call per draw.

That the products sum in this order is how NumPy and OpenBLAS compute them here, not a promise
they make: :mod:`._batched` therefore checks each call's result on its first draws against the
products themselves and keeps the products when the two differ in a single bit.

The Kalman filter keeps its matrix products: the same row sums over its (m, m) covariances, with
the draws on the last axis, took longer than BLAS (the seasonal row is eleven passes over the
covariance, and the column sums run over strided memory).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: a row operation of ``T x``: ``("copy", i0, i1, k0, None)`` sets rows ``i0:i1`` to rows
#: ``k0:k0 + i1 - i0``; ``("sum", i, i + 1, -1, terms)`` sums ``coef * x[k]`` over ``terms``
Op = tuple[str, int, int, int, object]


def design_terms(zrow: np.ndarray) -> tuple[tuple[int, float], ...] | None:
    """The design row's non-zero columns and their signs, when each is +-1 in every draw."""
    nonzero, one, minus = _pattern(zrow)
    if np.any(nonzero & ~(one | minus)):
        return None
    return tuple((int(k), 1.0 if one[k] else -1.0) for k in np.flatnonzero(nonzero))


def _pattern(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Over the draws (axis 0): any non-zero, all equal to 1, all equal to -1."""
    return (x != 0).any(axis=0), (x == 1.0).all(axis=0), (x == -1.0).all(axis=0)


def transition_ops(tmat: np.ndarray) -> tuple[Op, ...] | None:
    """Row operations giving ``T x`` (see :data:`Op`), or None when a row has an inexact product
    after its first term (its rounding would then be BLAS's, with FMA or without)."""
    m = tmat.shape[1]
    nonzero, one, minus = _pattern(tmat)
    ops: list[Op] = []
    for i in range(m):
        terms: list[tuple[int, object]] = []
        for k in np.flatnonzero(nonzero[i]).tolist():
            if one[i, k] or minus[i, k]:
                terms.append((k, 1.0 if one[i, k] else -1.0))
            elif not terms:  # the first product may be inexact: rounded once, as by BLAS
                terms.append((k, np.ascontiguousarray(tmat[:, i, k])))
            else:
                return None
        if len(terms) == 1 and isinstance(terms[0][1], float) and terms[0][1] == 1.0:
            k = terms[0][0]
            last = ops[-1] if ops else None
            if last and last[0] == "copy" and last[2] == i and last[3] + i - last[1] == k:
                ops[-1] = ("copy", last[1], i + 1, last[3], None)  # a run of shifted rows
            else:
                ops.append(("copy", i, i + 1, k, None))
        else:
            ops.append(("sum", i, i + 1, -1, tuple(terms)))
    return tuple(ops)


def _first(x: np.ndarray, coef: object, out: np.ndarray, expand: Callable) -> None:
    """``0.0 + coef * x`` into ``out``: the first term of a sum that starts from zero."""
    if isinstance(coef, float) and coef == 1.0:
        np.add(x, 0.0, out=out)
    elif isinstance(coef, float) and coef == -1.0:
        np.subtract(0.0, x, out=out)
    else:
        np.multiply(expand(coef), x, out=out)
        np.add(out, 0.0, out=out)


def _take(x: np.ndarray, axis: int, lo: int, hi: int | None = None) -> np.ndarray:
    index = slice(lo, hi) if hi is not None else lo
    return x[index] if axis == 0 else x[:, index]


def sum_terms(
    terms: tuple[tuple[int, object], ...],
    x: np.ndarray,
    out: np.ndarray,
    axis: int = 0,
    expand: Callable = lambda c: c,
) -> None:
    """``sum(coef * x[k])`` over ``terms`` (along ``axis``), in their order, from zero."""
    if not terms:
        out.fill(0.0)
        return
    (k, coef), *rest = terms
    _first(_take(x, axis, k), coef, out, expand)
    for k, sign in rest:
        (np.add if sign > 0 else np.subtract)(out, _take(x, axis, k), out=out)


def apply_ops(
    ops: tuple[Op, ...],
    x: np.ndarray,
    out: np.ndarray,
    axis: int = 0,
    expand: Callable = lambda c: c,
) -> None:
    """``T x`` (``axis=0``: rows of ``x``) or ``x T'`` (``axis=1``: columns) into ``out``."""
    for kind, i0, i1, k0, terms in ops:
        if kind == "copy":
            np.add(_take(x, axis, k0, k0 + i1 - i0), 0.0, out=_take(out, axis, i0, i1))
        else:
            sum_terms(terms, x, _take(out, axis, i0), axis, expand)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ForwardPlan:
    """The loop of :func:`._batched.simulate_forward` on the non-zero entries."""

    z_terms: tuple[tuple[int, float], ...]
    t_ops: tuple[Op, ...]
    q_rows: tuple[tuple[int, tuple[int, ...]], ...]  # (state, noise columns) of R Q^(1/2)
    qroot: np.ndarray

    @classmethod
    def of(cls, zrow: np.ndarray, tmat: np.ndarray, qroot: np.ndarray) -> ForwardPlan | None:
        z_terms, t_ops = design_terms(zrow), transition_ops(tmat)
        if z_terms is None or t_ops is None:
            return None
        nonzero = qroot != 0
        if np.any(nonzero.sum(axis=2) > 1):
            return None  # two inexact products in one sum: their rounding is BLAS's
        used = nonzero.any(axis=0)  # (m, q)
        q_rows = [(i, tuple(np.flatnonzero(used[i]).tolist())) for i in range(tmat.shape[1])]
        q_rows = [(i, js) for i, js in q_rows if js]
        return cls(z_terms, t_ops, tuple(q_rows), qroot)

    def run(
        self,
        state: np.ndarray,
        c: np.ndarray,
        intercept: np.ndarray,
        hsd: np.ndarray,
        obs_noise: np.ndarray,
        state_noise: np.ndarray,
        out: np.ndarray,
    ) -> None:
        """Paths into ``out`` (H, D, reps) from ``state`` (D, m, reps), the state held
        state-major (m, D, reps) so that each row operation runs over contiguous draws."""
        s = np.moveaxis(state, 1, 0).copy(order="C")  # a copy: the loop writes into it
        if not np.any(c):
            self._run_rows(s, intercept, hsd, obs_noise, state_noise, out)
            return
        nxt = np.empty_like(s)
        zs = np.empty(s.shape[1:])
        shift = np.ascontiguousarray(c.T)[:, :, None]
        for t in range(out.shape[0]):
            sum_terms(self.z_terms, s, zs)
            out[t] = zs + intercept[:, t, None] + hsd[:, None] * obs_noise[t]
            apply_ops(self.t_ops, s, nxt, 0, _per_draw)
            np.add(nxt, shift, out=nxt)
            for i, _ in self.q_rows:
                np.add(nxt[i], self._eta(state_noise[t], i), out=nxt[i])
            s, nxt = nxt, s

    def _eta(self, noise: np.ndarray, i: int) -> np.ndarray:
        """Row ``i`` of ``R Q^(1/2) noise``: one non-zero product per draw, so their sum is it."""
        js = dict(self.q_rows)[i]
        eta = self.qroot[:, i, js[0], None] * noise[:, js[0]]
        for j in js[1:]:
            eta += self.qroot[:, i, j, None] * noise[:, j]
        return eta

    def _run_rows(
        self,
        s: np.ndarray,
        intercept: np.ndarray,
        hsd: np.ndarray,
        obs_noise: np.ndarray,
        state_noise: np.ndarray,
        out: np.ndarray,
    ) -> None:
        """:meth:`run` without a state intercept, the state a list of rows: a row the transition
        only moves (a seasonal lag, a fixed drift) is last month's array itself, not a copy.

        A copy's ``+ 0.0`` only turns ``-0.0`` into ``0.0``; after the one ``+ 0.0`` below no
        state is ``-0.0`` (sums from zero, and sums of non-negative-zero terms, never are), and
        the first month's products see the start's ``-0.0`` only through sums from zero."""
        np.add(s, 0.0, out=s)
        rows = list(s)  # (D, reps) each
        free: list[np.ndarray] = []
        zs = np.empty(s.shape[1:])
        for t in range(out.shape[0]):
            sum_terms(self.z_terms, rows, zs)  # type: ignore[arg-type]
            out[t] = zs + intercept[:, t, None] + hsd[:, None] * obs_noise[t]
            new: list[np.ndarray] = list(rows)
            for kind, i0, i1, k0, terms in self.t_ops:
                if kind == "copy":
                    new[i0:i1] = rows[k0 : k0 + i1 - i0]
                else:
                    row = free.pop() if free else np.empty_like(zs)
                    sum_terms(terms, rows, row, 0, _per_draw)  # type: ignore[arg-type]
                    new[i0] = row
            old = {id(r) for r in rows}
            for i, _ in self.q_rows:
                eta = self._eta(state_noise[t], i)
                if id(new[i]) in old:  # last month's row (maybe moved to two rows): a new array
                    row = free.pop() if free else np.empty_like(zs)
                    new[i] = np.add(new[i], eta, out=row)
                else:
                    np.add(new[i], eta, out=new[i])
            live = {id(r) for r in new}
            done = {id(r): r for r in rows if id(r) not in live}
            free.extend(done.values())
            rows = new


def _per_draw(coef: np.ndarray) -> np.ndarray:
    return coef[:, None]
