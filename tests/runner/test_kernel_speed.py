"""Issue 23: wildboottest's numba function compiled once per kernel, cached on disk, same numbers.

pyfixest's ``rwolf`` calls ``Feols.wildboottest`` once per model; wildboottest defines its numba
function inside the method, so each call compiled it again (notebook 03: five times).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from sanctions_model.runner.kernel import KERNEL_STARTUP
from sanctions_model.runner.wildboot import numba_cache_dir

SCRIPT = """
import json, sys, time, warnings
import numpy as np, pandas as pd
if sys.argv[1] == "patched":
    from sanctions_model.runner import wildboot
    wildboot.install()
import pyfixest as pf

rng = np.random.default_rng(7)
d = pd.DataFrame({"cl": np.repeat(np.arange(12), 15), "t": np.tile(np.arange(15), 12)})
d["x"] = rng.normal(size=len(d))
warnings.simplefilter("ignore")
models = [
    pf.feols("y ~ x | cl + t", data=d.assign(y=0.3 * i * d.x + rng.normal(size=len(d))),
             vcov={"CRV1": "cl"})
    for i in range(2)
]
t0 = time.perf_counter()
rw = pf.rwolf(models, param="x", reps=199, seed=1)
took = time.perf_counter() - t0
boot = [models[1].wildboottest(param="x", reps=199, seed=2)]
out = {
    "rwolf": [float(v) for v in rw.loc["RW Pr(>|t|)"]],
    "t": [float(b["t value"]) for b in boot],
    "p": [float(b["Pr(>|t|)"]) for b in boot],
    "took": took,
}
if sys.argv[1] == "patched":
    from sanctions_model.runner import _wildboot_nb as nb
    out["compiled"] = len(nb.compute_denom_serial.signatures)
    out["patched"] = bool(getattr(sys.modules["wildboottest.wildboottest"].WildboottestCL.get_denom,
                                  "_sanctions_model", False))
print(json.dumps(out))
"""


def _run(mode: str, cache: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "NUMBA_CACHE_DIR": str(cache)},
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.mark.slow
def test_wildboottest_compiles_once_with_the_same_results(tmp_path):
    cache = tmp_path / "numba"
    plain = _run("plain", cache)
    patched = _run("patched", cache)
    assert patched["patched"] and patched["compiled"] == 1  # three bootstraps, one compilation
    for key in ("rwolf", "t", "p"):
        assert patched[key] == plain[key], key  # the same arithmetic: equal to the last bit
    assert list(cache.rglob("*_compute_denom*.nbi"))  # on disk for the next kernel
    print(f"\nrwolf over 2 models: {plain['took']:.2f} s -> {patched['took']:.2f} s")


def test_numba_cache_dir_follows_the_table_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("SANCTIONS_MODEL_TABLE_CACHE", str(tmp_path / "t"))
    assert numba_cache_dir() == tmp_path / "t" / "numba"
    monkeypatch.setenv("SANCTIONS_MODEL_TABLE_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert numba_cache_dir() == tmp_path / "x" / "sanctions-model" / "numba"


@pytest.mark.slow
def test_kernels_install_the_hook_and_leave_no_name(tmp_path, kernel):
    """The start-up line runs in a run's kernel: the hook is there, the namespace is clean, and
    the kernel keeps no IPython history."""
    from sanctions_model.runner.cli import main

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import json, os, sys\n"
            "hooks = [type(f).__name__ for f in sys.meta_path]\n"
            "names = sorted(k for k in globals() if not k.startswith('_'))\n"
            "json.dump({'hooks': hooks, 'names': names, 'numba': os.environ.get('NUMBA_CACHE_DIR'),"
            " 'history': get_ipython().history_manager.enabled,"
            " 'wildboottest': 'wildboottest' in sys.modules}, open('results.json', 'w'))"
        )
    ]
    nbformat.write(nb, str(tmp_path / "hook.ipynb"))
    assert main(["run", str(tmp_path / "hook.ipynb"), "--output-dir", str(tmp_path / "o")]) == 0
    results = json.loads((tmp_path / "o" / "results.json").read_text())
    assert "_PatchOnImport" in results["hooks"]
    ipython = {"In", "Out", "exit", "quit", "get_ipython", "open"}
    assert set(results["names"]) <= ipython | {"json", "os", "sys", "hooks"}, results["names"]
    assert results["numba"] == str(numba_cache_dir())
    assert not results["wildboottest"]  # nothing imported before a notebook asks for it
    assert results["history"] is False  # a run's cells stay out of the IPython history database
    assert "install()" in KERNEL_STARTUP
