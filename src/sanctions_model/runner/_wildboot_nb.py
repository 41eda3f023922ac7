"""wildboottest's CRV1 bootstrap denominator, at module level so numba compiles it once and can
cache it on disk (imported only when a kernel bootstraps; see :mod:`.wildboot`).

The body is wildboottest 0.3's ``compute_denom`` as it is there (``get_denom``), names included.
"""

# ruff: noqa: N803, N806
import numpy as np
from numba import njit, prange


def _compute_denom(Cg, H, bootclustid, B, G, v, ssc):
    denom = np.zeros(B)
    for b in prange(B):
        Zg = np.zeros(G)
        for ixg, _g in enumerate(bootclustid):
            vH = 0
            for ixh, _h in enumerate(bootclustid):
                vH += v[ixh, b] * H[ixg, ixh]
            Zg[ixg] = Cg[ixg] * v[ixg, b] - vH
        denom[b] = ssc * np.sum(np.power(Zg, 2))
    return denom


compute_denom_serial = njit(parallel=False, cache=True)(_compute_denom)
compute_denom_parallel = njit(parallel=True, cache=True)(_compute_denom)
