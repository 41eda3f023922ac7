"""Secrets, machine paths and code on user data.

- A notebook that prints and saves its whole environment runs under a sweep whose parent process
  holds fake API keys and tokens: none of them appears in any file the sweep writes (executed
  notebooks, HTML, ``run.json``, ``results.json``, ``index.*``, ``sweep.json``) or in its output.
- The shared files (``index.*``, ``run.json``, ``sweep.json``) carry no absolute path of the machine.
- ``src/`` uses no ``eval``/``exec``/``pickle``/unsafe YAML on user data.

Run names from hostile parameters are covered by ``tests/runner/test_sweep.py::test_run_names_are_safe``
(property test over ``../``, absolute paths and NUL); here one real sweep checks the directories.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from sanctions_model.runner.execute import SECRET_ENV, kernel_environment

from .conftest import NOTEBOOKS, write_sweep

SRC = Path(__file__).resolve().parents[2] / "src"
FAKE = {
    "COMTRADE_API_KEY": "fake-comtrade-3f9a1c0d7e",
    "FRED_API_KEY": "fakefred0123456789abcdef01234567",
    "MY_SERVICE_TOKEN": "tok-7d1e9b2a44",
    "AWS_SECRET_ACCESS_KEY": "aws-secret-90ab77",
    "DB_PASSWORD": "hunter2-longer-0x55",
    "github_token": "ghp_fakefakefake1234",
}


def _env_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "sanctions-model",
        "display_name": "s",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell('tag: str = "a"  # anything')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell("import os, json\nprint(dict(os.environ))\nos.environ"),
        nbformat.v4.new_code_cell(
            "json.dump({'env': dict(os.environ), 'n': len(os.environ)}, open('results.json', 'w'))"
        ),
        nbformat.v4.new_code_cell("raise RuntimeError(str(dict(os.environ)))"),
    ]
    nbformat.write(nb, str(path))
    return path


@pytest.mark.slow
def test_secrets_and_machine_paths_never_reach_outputs(tmp_path, kernel):
    nb = _env_notebook(tmp_path / "env.ipynb")
    ok = tmp_path / "ok.ipynb"
    ok.write_bytes((NOTEBOOKS / "ok.ipynb").read_bytes())
    hostile_dirs = ["../../escape", "/abs/path", "a\x00b"]
    sweep = write_sweep(
        tmp_path / "s.yaml",
        f"name: sec\nnotebooks:\n  - path: {nb}\n    runs: [{{tag: a}}, {{tag: b}}]\n"
        f"  - path: {ok}\n    runs: {json.dumps([{'label': d} for d in hostile_dirs])}\n",
    )
    root = tmp_path / "out"
    env = {**os.environ, **FAKE}
    proc = subprocess.run(
        [sys.executable, "-m", "sanctions_model.runner.cli", "sweep", str(sweep),
         "--output-root", str(root), "--workers", "2"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # the env notebook fails on purpose (cell 3)
    stamp = (root / "sec" / "latest").resolve()
    files = [p for p in root.rglob("*") if p.is_file()]
    assert len(files) > 10
    # the notebooks ran and saw an environment, but not the secrets
    env_runs = [json.loads(p.read_text()) for p in stamp.glob("env-*/results.json")]
    assert len(env_runs) == 2 and all(r["n"] > 5 for r in env_runs)
    assert all("PATH" in r["env"] and not set(FAKE) & set(r["env"]) for r in env_runs)
    everything = b"".join(p.read_bytes() for p in files) + (proc.stdout + proc.stderr).encode()
    for name, value in FAKE.items():
        assert value.encode() not in everything, name
    # hostile labels made ordinary run directories inside the sweep directory
    runs = sorted(p for p in stamp.iterdir() if p.is_dir())
    assert len(runs) == 5 and all(p.parent == stamp for p in runs)
    assert not (tmp_path / "escape").exists() and not Path("/abs/path").exists()
    # shared summaries carry no absolute path of this machine
    # (the env notebook's error message carries its whole environment: paths must be scrubbed)
    shared = [stamp / "index.html", stamp / "index.csv", stamp / "sweep.json"]
    shared += [root / "sec" / "index.html", *stamp.glob("*/run.json")]
    for path in shared:
        text = path.read_text(encoding="utf-8")
        if path.name == "run.json":  # results are the notebook's own (it saved its environment)
            text = json.dumps({**json.loads(text), "results": None})
        for local in (str(tmp_path), sys.prefix, str(Path.home()) + "/", str(SRC.parent)):
            assert local not in text, (path.name, local)


def test_kernel_environment_strips_credential_names():
    env = {**FAKE, "PATH": "/bin", "HOME": "/h", "SANCTIONS_MODEL_DATA_DIR": "/d", "LANG": "C"}
    kept = kernel_environment(env)
    assert kept == {"PATH": "/bin", "HOME": "/h", "SANCTIONS_MODEL_DATA_DIR": "/d", "LANG": "C"}
    assert all(SECRET_ENV.search(k) for k in FAKE)


# -- no eval/exec/pickle on user data ------------------------------------------------------------

#: Allowed uses, each with why it is safe: (file, pattern).
ALLOWED = {
    # ast.literal_eval reads literals only (parameter defaults, injected parameters)
    ("*", r"\bast\.literal_eval\("),
    # the one-off run's report worker: pickles over an anonymous pipe made before the fork,
    # between the command and its own child (no file, no socket, nothing from outside)
    ("sanctions_model/runner/report_worker.py", r"\bpickle\b"),
}
FORBIDDEN = [
    (r"(?<![\w.])eval\(", "eval("),
    (r"(?<![\w.])exec\(", "exec("),
    (r"\bpickle\b|\bcloudpickle\b|\bdill\b|\bjoblib\.load\b|\bshelve\b|\bmarshal\b", "pickle"),
    (r"\byaml\.(?:load|unsafe_load|full_load|load_all)\(", "unsafe YAML"),
    (r"\bsubprocess\.[A-Za-z_]+\([^)]*shell\s*=\s*True", "shell=True"),
    (r"\bos\.system\(|\bos\.popen\(", "os.system"),
    (r"\bpd\.read_pickle\(|\.to_pickle\(|\bnp\.load\([^)]*allow_pickle\s*=\s*True", "pickle"),
    (r"\b__import__\(|\bcompile\([^)]*['\"]exec['\"]", "dynamic code"),
]


def test_no_eval_exec_pickle_on_user_data():
    sources = sorted(SRC.rglob("*.py"))
    assert len(sources) > 20
    hits = []
    for path in sources:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            rel = path.relative_to(SRC).as_posix()
            for allowed in (a for f, a in ALLOWED if fnmatch.fnmatch(rel, f)):
                code = re.sub(allowed, "", code)
            for pattern, what in FORBIDDEN:
                if re.search(pattern, code):
                    hits.append(f"{path.relative_to(SRC)}:{lineno}: {what}: {line.strip()}")
    assert not hits, "\n".join(hits)


def test_yaml_loaders_are_safe():
    """Every YAML read in src/ goes through the bounded loader (runner/yamlsafe.py, a SafeLoader
    without anchors or aliases; python tags raise, see test_sweep_inputs) or yaml.safe_load."""
    uses = [
        (p.relative_to(SRC), m.group(0))
        for p in SRC.rglob("*.py")
        for m in re.finditer(r"\byaml(?:safe)?\.\w+\(", p.read_text(encoding="utf-8"))
    ]
    allowed = ("yamlsafe.safe_load(", "yaml.safe_load(", "yaml.safe_dump(")
    assert uses and all(call in allowed for _, call in uses), uses
    runner_reads = [call for path, call in uses if path.parts[1] == "runner" and "load" in call]
    assert runner_reads and set(runner_reads) == {"yamlsafe.safe_load("}, runner_reads
