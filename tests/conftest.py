"""Shared test settings: a non-interactive matplotlib backend, the repository root, and the one
default sweep the site, README and browser tests read.

The suite runs in parallel with pytest-xdist (``-n 2 --dist loadgroup``, see the Makefile). The
tests that read the default sweep carry ``@pytest.mark.xdist_group("default-sweep")`` so one
worker runs them all; the sweep is still built under a file lock in a folder all workers share,
so a test that reads it from another worker waits for it instead of running a second sweep.
Tests sharing a module-scoped fixture are kept on one worker too (one group per file), and
every test that reads the default sweep joins its group (one waiting for it on the other worker
would hold that worker idle for the sweep's length).

The longest work starts first (``--no-loadscope-reorder`` in the Makefile keeps this order): the
groups and tests are ordered by their expected seconds, from ``tests/durations.json`` (refreshed
with ``tests/update_durations.py``), so that the two workers do not end with one long test
running alone. The order changes no result: every test still runs.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# A private table cache for the test session (inherited by the notebook kernels it starts), so
# tests neither depend on nor write to the user's ~/.cache. Under xdist the controller sets it
# before the workers start, so all of them share one cache (its writes are atomic).
if "SANCTIONS_MODEL_TABLE_CACHE" not in os.environ:
    _tables = tempfile.mkdtemp(prefix="sm-tables-")
    os.environ["SANCTIONS_MODEL_TABLE_CACHE"] = _tables
    atexit.register(shutil.rmtree, _tables, ignore_errors=True)
# numba's disk cache for the test processes: one folder per clone, kept between sessions
# (.pytest_cache/numba, git-ignored; numba checks each entry against its source file), so that
# `make test-fast` loads the package's compiled kernels instead of compiling them again (a cold
# compile of models/_ts_kernels.py alone is ~10 CPU-s). The kernels a test starts use the
# runner's folder, beside the session's table cache (runner.wildboot.numba_cache_dir).
os.environ.setdefault(
    "NUMBA_CACHE_DIR", str(Path(__file__).resolve().parents[1] / ".pytest_cache" / "numba")
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SWEEP_GROUP = "default-sweep"
#: Expected seconds of the tests that take a second or more (see tests/update_durations.py).
DURATIONS = Path(__file__).with_name("durations.json")
#: Expected seconds of a test missing from DURATIONS: a ``slow`` one, any other.
SLOW_DEFAULT, FAST_DEFAULT = 2.0, 0.1


def pytest_configure(config: pytest.Config) -> None:
    # registered here too, so --strict-markers holds where pytest-xdist is not installed
    config.addinivalue_line(
        "markers", "xdist_group(name): run with the other tests of the group on one xdist worker"
    )


@pytest.hookimpl(tryfirst=True)  # before xdist's worker turns groups into node-id suffixes
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that share a module- or class-scoped fixture stay on one xdist worker.

    Such a fixture is built once per worker that runs one of its tests: split over two workers,
    a 40 s table parse (``tests/data/test_cn8_goods.py``) ran twice. A test with its own
    ``xdist_group`` keeps it.
    """
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if "default_site" in getattr(info, "names_closure", ()):
            if not item.get_closest_marker("xdist_group"):
                item.add_marker(pytest.mark.xdist_group(DEFAULT_SWEEP_GROUP))
            continue
        if item.get_closest_marker("xdist_group"):
            continue
        defs = getattr(info, "name2fixturedefs", {}) or {}
        if any(
            d.scope in ("module", "class") for fixturedefs in defs.values() for d in fixturedefs
        ):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
    items[:] = longest_first(items)
    if os.environ.get("PYTEST_XDIST_WORKER") and getattr(config.option, "loadgroup", False):
        _group_suffixes(items)


def _group_suffixes(items: list[pytest.Item]) -> None:
    """What pytest-xdist's worker means to do for ``--dist loadgroup``: ``@group`` at the end of
    each grouped test's node id, which the scheduler splits on. xdist 3.8 writes it to
    ``item._nodeid``, which pytest 9 no longer reads (a node id is ``item._id``): without this,
    no group reached the scheduler, and a test reading the default sweep on the other worker sat
    waiting on its lock for the whole build."""
    from _pytest.nodeid import NodeId

    for item in items:
        mark = item.get_closest_marker("xdist_group")
        if mark is None or not isinstance(getattr(item, "_id", None), NodeId):
            continue
        name = _group(item)
        if not item.nodeid.endswith("@" + name):
            item._id = NodeId.parse(f"{item.nodeid}@{name}")


def _group(item: pytest.Item) -> str:
    mark = item.get_closest_marker("xdist_group")
    if mark is None:
        return item.nodeid
    return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))


def longest_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """``items`` with the groups (an ``xdist_group``, else each test alone) in decreasing order of
    expected seconds; a group's tests stay together and in their order. Ties keep the
    collection order."""
    try:
        expected = json.loads(DURATIONS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        expected = {}
    groups: dict[str, list[pytest.Item]] = {}
    for item in items:
        groups.setdefault(_group(item), []).append(item)

    def seconds(item: pytest.Item) -> float:
        default = SLOW_DEFAULT if item.get_closest_marker("slow") else FAST_DEFAULT
        return float(expected.get(item.nodeid, default))

    total = {name: sum(seconds(i) for i in members) for name, members in groups.items()}
    order = sorted(groups, key=lambda name: -total[name])  # stable: ties in collection order
    return [item for name in order for item in groups[name]]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


def shared_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary folder all xdist workers of this test run share (the base temp otherwise)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def default_sweep(base: Path) -> Path:
    """Run ``sweeps/default.yaml`` once into ``base``, under a lock; the sweep root.

    ``SANCTIONS_MODEL_TEST_SITE=outputs/default`` checks an existing sweep (e.g. the one
    ``make report`` just wrote) instead of running another.
    """
    from filelock import FileLock

    existing = os.environ.get("SANCTIONS_MODEL_TEST_SITE")
    if existing:
        assert (Path(existing) / "latest").exists(), f"{existing}: no latest sweep"
        return Path(existing).resolve()
    base.mkdir(parents=True, exist_ok=True)
    root = base / "default"
    with FileLock(str(base / "default-sweep.lock"), timeout=1800):
        if not (root / "latest").exists():
            proc = subprocess.run(
                [sys.executable, "-m", "sanctions_model.cli", "sweep", "sweeps/default.yaml"]
                + ["--output-root", str(base), "--quiet", "--workers", "2"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=1800,
            )
            assert (root / "latest").exists(), proc.stdout + proc.stderr
    return root


@pytest.fixture(scope="session")
def default_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The root of the test run's one default sweep (built on first use)."""
    return default_sweep(shared_tmp(tmp_path_factory) / "default-sweep")
