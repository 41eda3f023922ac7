"""Issue 23: one kernel template for a whole sweep (forkserver.share), started before the pool.

The sweep starts the template while it plans and its pool starts, and the pool's workers fork
their kernels from it (one import of the stack, not one per worker). The template ends with the
sweep; a worker whose shared template is gone starts its own; the variable that names it reaches
no kernel and no cache key.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from sanctions_model.runner import forkserver
from sanctions_model.runner.kernel_env import kernel_environment
from sanctions_model.runner.sweep import run_sweep

from .conftest import code_notebook, pid_alive, write_sweep

pytestmark = pytest.mark.skipif(
    not forkserver.fork_enabled(True), reason="forked kernels need Linux"
)

PROBE = """
import json, os
json.dump({"ppid": os.getppid(), "n": n,
           "sees_shared": any(k.startswith("SM_SHARED") for k in os.environ)},
          open("results.json", "w"))
"""


@pytest.fixture(autouse=True)
def _own_templates():
    forkserver.close_all()
    yield
    forkserver.close_all()
    os.environ.pop(forkserver.SHARED_ENV, None)


def _probe(tmp_path: Path) -> Path:
    return code_notebook(tmp_path / "probe.ipynb", PROBE, parameters="n = 0")


@pytest.mark.slow
def test_a_sweeps_workers_fork_from_one_template_that_ends_with_the_sweep(tmp_path, kernel):
    sweep = write_sweep(
        tmp_path / "s.yaml",
        f"name: shared\nnotebooks:\n  - path: {_probe(tmp_path)}\n    product: {{n: [1, 2, 3, 4]}}\n",
    )
    result = run_sweep(sweep, output_root=tmp_path / "out", workers=2, quiet=True, force=True)
    assert sorted(r.status for r in result.records) == ["ok"] * 4, [r.error for r in result.records]
    parents = {r.results["ppid"] for r in result.records}
    assert len(parents) == 1  # two workers, four kernels, one template
    (template,) = parents
    assert template != os.getpid()
    assert not any(r.results["sees_shared"] for r in result.records)
    deadline = time.monotonic() + 10
    while pid_alive(template) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not pid_alive(template)  # stopped when the sweep ended
    assert forkserver.SHARED_ENV not in os.environ
    assert forkserver.template_pids() == set()


def _kernel_cmd(tmp_path: Path) -> list[str]:
    from jupyter_client.connect import write_connection_file

    conn, _ = write_connection_file(str(tmp_path / "kernel.json"))
    return [sys.executable, "-m", "ipykernel_launcher", "-f", conn]


@pytest.mark.slow
def test_a_worker_whose_shared_template_is_gone_starts_its_own(tmp_path):
    env = kernel_environment(os.environ)
    cmd = _kernel_cmd(tmp_path)
    server = forkserver.share(cmd, env)
    assert server is not None
    entries = json.loads(os.environ[forkserver.SHARED_ENV])
    # as a worker sees it: a template another (live) process owns
    for entry in entries.values():
        entry["owner"] = os.getppid()
    os.environ[forkserver.SHARED_ENV] = json.dumps(entries)
    forkserver._SERVERS.clear()
    python = forkserver.split_command(cmd)[0]
    shared = forkserver.server_for(python, env)
    assert isinstance(shared, forkserver.SharedTemplate) and shared.address == server.address
    server.process.send_signal(signal.SIGKILL)  # the template dies; its socket file stays
    server.process.wait()
    started = time.monotonic()
    kernel = forkserver.launch(cmd, env=env, cwd=str(tmp_path))
    assert time.monotonic() - started < 40  # no wait for the dead template's socket
    try:
        own = forkserver._SERVERS[forkserver._template_key(python, env)]
        assert not isinstance(own, forkserver.SharedTemplate)  # this process's own, started now
        assert kernel is not None and kernel.poll() is None
    finally:
        if kernel is not None:
            kernel.kill()
            kernel.wait(10)
        forkserver.close_all()
        server.close()


def test_the_shared_template_variable_reaches_no_kernel_and_no_cache_key():
    name = forkserver.SHARED_ENV
    assert not name.startswith("SANCTIONS_MODEL_")  # those are part of a run's cache key
    env = {name: '{"k": {"address": "/tmp/x", "owner": 1}}', "PATH": "/usr/bin"}
    assert name not in kernel_environment(env)


def test_a_malformed_or_stale_shared_entry_is_ignored(monkeypatch):
    key = forkserver._template_key([sys.executable], {})
    digest = forkserver._key_digest(key)
    for value in ("not json", "[]", json.dumps({digest: {"address": 1, "owner": 1}})):
        monkeypatch.setenv(forkserver.SHARED_ENV, value)
        assert forkserver._shared(key) is None
    # an owner that is gone
    monkeypatch.setenv(
        forkserver.SHARED_ENV,
        json.dumps({digest: {"address": "/tmp/s", "owner": 2**22 + 1, "pid": os.getpid()}}),
    )
    assert forkserver._shared(key) is None
    # a template that is gone (its owner alive)
    monkeypatch.setenv(
        forkserver.SHARED_ENV,
        json.dumps({digest: {"address": "/tmp/s", "owner": os.getppid(), "pid": 2**22 + 1}}),
    )
    assert forkserver._shared(key) is None
