"""runner.warmup: the template readies the compiled kernels its kernels will call."""

from __future__ import annotations

import sys
import types

from sanctions_model.models._wcr_kernel import exceed_kernel
from sanctions_model.runner import warmup


def test_warm_calls_each_module_and_skips_what_is_missing_or_fails(monkeypatch):
    calls = []
    good = types.ModuleType("sm_test_warm_good")
    good.warm = lambda: calls.append("good")
    bad = types.ModuleType("sm_test_warm_bad")

    def fail():
        calls.append("bad")
        raise RuntimeError("no compiler")

    bad.warm = fail
    plain = types.ModuleType("sm_test_warm_plain")  # no warm(): not called, not listed
    for m in (good, bad, plain):
        monkeypatch.setitem(sys.modules, m.__name__, m)
    names = ["sm_test_warm_missing", "sm_test_warm_good", "sm_test_warm_bad", "sm_test_warm_plain"]
    assert warmup.warm(names) == ["sm_test_warm_good"]
    assert calls == ["good", "bad"]


def test_the_wcr_kernel_is_compiled_for_the_signature_used():
    kernel = exceed_kernel()
    if kernel is None:  # no numba: nothing to warm
        assert "sanctions_model.models._wcr_kernel" not in warmup.warm()
        return
    assert "sanctions_model.models._wcr_kernel" in warmup.warm()
    assert len(kernel.signatures) == 1  # warm() compiled the one signature pvalue() calls
