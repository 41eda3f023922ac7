"""Issue 23, one-off ``run``: the waits and imports taken out of a run's fixed cost.

- the kernel is ready once IOPub carries the idle status of the ``kernel_info`` request its reply
  answers (jupyter_client waits for 0.2 s of IOPub silence on top);
- a killed kernel's exit is polled every 5 ms (jupyter_client: 100 ms);
- papermill is imported without ``requests``, and kernel specs are found without importing
  IPython, while both still work;
- report templates are compiled once and kept on disk, with the same report.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from queue import Empty

import pytest

from sanctions_model.runner import kernel as kernel_mod
from sanctions_model.runner.kernel import RunKernelClient, RunKernelManager

from .conftest import NOTEBOOKS

# -- readiness -----------------------------------------------------------------------------------


class _Channel:
    """A channel whose messages are queued up front; ``get_msg`` raises Empty when none is left."""

    def __init__(self, messages: list[dict]) -> None:
        self.messages = list(messages)

    async def get_msg(self, timeout: float | None = None) -> dict:
        if not self.messages:
            raise Empty
        return self.messages.pop(0)


def _status(state: str, parent: str) -> dict:
    return {
        "msg_type": "status",
        "content": {"execution_state": state},
        "parent_header": {"msg_id": parent},
    }


def _reply(parent: str) -> dict:
    return {
        "msg_type": "kernel_info_reply",
        "content": {"protocol_version": "5.3", "status": "ok"},
        "parent_header": {"msg_id": parent},
    }


class _FakeClient(RunKernelClient):
    """RunKernelClient over queued messages: ``kernel_info`` requests are numbered k1, k2, ..."""

    def __init__(self, shell: list[dict], iopub: list[dict]) -> None:
        super().__init__()
        self._shell, self._iopub, self.asked = _Channel(shell), _Channel(iopub), []

    @property
    def shell_channel(self):  # type: ignore[override]
        return self._shell

    @property
    def iopub_channel(self):  # type: ignore[override]
        return self._iopub

    def kernel_info(self) -> str:  # type: ignore[override]
        self.asked.append(f"k{len(self.asked) + 1}")
        return self.asked[-1]

    async def _async_is_alive(self) -> bool:
        return True


def test_ready_on_the_idle_status_of_the_answered_request():
    startup = [_status("busy", "init"), {"msg_type": "stream", "content": {}, "parent_header": {}}]
    client = _FakeClient([_reply("k1")], [*startup, _status("busy", "k1"), _status("idle", "k1")])
    asyncio.run(client.wait_for_ready(timeout=5))
    assert client.asked == ["k1"]
    assert client.iopub_channel.messages == []  # start-up messages read, none of the cells' left


def test_asks_again_while_iopub_does_not_carry_the_status():
    # the first reply's status was published before IOPub was subscribed: it never arrives
    client = _FakeClient(
        [_reply("k1"), _reply("k2")], [_status("busy", "k2"), _status("idle", "k2")]
    )
    client._iopub_idle_after = _first_misses(client._iopub_idle_after)  # type: ignore[method-assign]
    asyncio.run(client.wait_for_ready(timeout=5))
    assert client.asked == ["k1", "k2"]


def _first_misses(wait):
    calls = []

    async def patched(msg_id, until):
        calls.append(msg_id)
        if len(calls) == 1:
            return False  # as after 0.5 s without the status
        return await wait(msg_id, until)

    return patched


def test_the_status_of_another_request_is_not_proof():
    client = _FakeClient([], [_status("idle", "other"), _status("idle", "init")])
    assert not asyncio.run(client._iopub_idle_after("k1", float("inf")))


def test_a_kernel_that_never_answers_times_out():
    client = _FakeClient([], [])
    with pytest.raises(RuntimeError, match="Kernel didn't respond"):
        asyncio.run(client.wait_for_ready(timeout=0))


def test_the_run_manager_hands_out_the_fast_client():
    assert isinstance(RunKernelManager(kernel_name="python3").client(), RunKernelClient)


def test_a_killed_kernel_is_polled_every_5_ms(monkeypatch):
    alive = iter([True, True, True, False])
    slept: list[float] = []

    async def is_alive(self) -> bool:
        return next(alive)

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(RunKernelManager, "_async_is_alive", is_alive)
    monkeypatch.setattr(kernel_mod.asyncio, "sleep", sleep)
    asyncio.run(RunKernelManager(kernel_name="python3")._async_wait())
    assert slept == [0.005] * 3


# -- imports -------------------------------------------------------------------------------------


def _python(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def test_papermill_without_requests_until_an_http_path_needs_it():
    out = _python(
        "import sys, sanctions_model.runner._papermill, papermill.iorw as io\n"
        "before = 'requests' in sys.modules\n"
        "get = io.requests.get\n"  # the stand-in imports the real module
        "import requests\n"
        "print(before, get is requests.get, type(sys.modules['requests']).__name__)"
    )
    assert out == "False True module"


def test_jsonschemas_format_libraries_stay_unimported_and_importable():
    out = _python(
        "import sys, sanctions_model.runner._papermill as pm, nbformat\n"
        "loaded = [n for n in pm.FORMAT_LIBRARIES if n in sys.modules]\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x')])\n"
        "nbformat.validate(nb)\n"
        "nb.cells[0]['execution_count'] = 'three'\n"
        "try:\n"
        "    nbformat.validate(nb); verdict = 'accepted'\n"
        "except nbformat.ValidationError:\n"
        "    verdict = 'refused'\n"
        "import idna, isoduration\n"
        "print(loaded, verdict, idna.encode('b\u00fccher.example').decode(),"
        " type(isoduration.parse_duration('P1D')).__name__)"
    )
    assert out == "[] refused xn--bcher-kva.example Duration"


def test_kernel_specs_without_importing_ipython(kernel, tmp_path):
    code = (
        "import sys, json\n"
        "from jupyter_client.kernelspec import KernelSpecManager\n"
        "from sanctions_model.runner.kernel import RunKernelManager\n"
        "found = {n: RunKernelManager(kernel_name=n).kernel_spec.resource_dir"
        " for n in ('sanctions-model', 'python3')}\n"
        "ipython = 'IPython' in sys.modules\n"
        "found['only-in-ipythondir'] = RunKernelManager("
        "kernel_name='only-in-ipythondir').kernel_spec.resource_dir\n"
        "print(json.dumps({'found': found, 'ipython_before_fallback': ipython, 'jupyter': {"
        "n: KernelSpecManager().get_kernel_spec(n).resource_dir for n in found}}))"
    )
    spec = tmp_path / "ipython" / "kernels" / "only-in-ipythondir"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "x",
                "language": "python",
            }
        )
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "IPYTHONDIR": str(tmp_path / "ipython")},
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["found"] == out["jupyter"]  # the folder jupyter_client itself picks, every name
    assert out["found"]["only-in-ipythondir"] == str(spec)
    assert not out["ipython_before_fallback"]


# -- report templates ----------------------------------------------------------------------------


def _report(monkeypatch, cache: str) -> str:
    """The ok notebook's report from a fresh exporter (fresh Jinja environment) with ``cache``."""
    import nbformat

    from sanctions_model.runner import html

    monkeypatch.setenv("SANCTIONS_MODEL_TABLE_CACHE", cache)
    nb = nbformat.read(str(NOTEBOOKS / "ok.ipynb"), as_version=4)
    out, _ = html._exporter.__wrapped__(False).from_notebook_node(nb)
    return re.sub(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", "UUID", out)


def test_compiled_templates_kept_on_disk_give_the_same_report(monkeypatch, tmp_path):
    plain = _report(monkeypatch, "off")
    cold = _report(monkeypatch, str(tmp_path))
    cached = {p: p.stat().st_mtime_ns for p in (tmp_path / "jinja").glob("*.cache")}
    warm = _report(monkeypatch, str(tmp_path))
    assert "<html" in plain and plain == cold == warm
    assert len(cached) >= 3  # the report template and the nbconvert templates it extends
    # read back, not compiled and written again
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "jinja").glob("*.cache")} == cached


def test_no_template_cache_when_the_table_cache_is_off(monkeypatch, tmp_path):
    from sanctions_model.runner import html

    monkeypatch.setenv("SANCTIONS_MODEL_TABLE_CACHE", "off")
    assert html.template_cache_dir() is None and html._bytecode_cache() is None
    monkeypatch.setenv("SANCTIONS_MODEL_TABLE_CACHE", str(tmp_path))
    assert html.template_cache_dir() == tmp_path / "jinja"


# -- the report without a CSS selector engine ----------------------------------------------------

_SELECTORS_PAGE = """<html><body>
<img src="a.png"><img src="b.png" alt=""><IMG SRC="c.png"><img alt="kept" src="d.png">
<div class="jp-OutputArea-output">outside the notebook</div>
<div class="jp-Notebook jp-Cell-inputWrapper">the notebook element itself</div>
<main><div class="jp-Notebook">
  <div class="jp-Cell-inputWrapper">in</div>
  <div class="x jp-OutputArea-output y">out</div>
  <div class="jp-OutputArea-output-like">a longer class name</div>
  <div class="JP-OUTPUTAREA-OUTPUT">another case</div>
  <span class="jp-OutputArea-output">not a div</span>
  <section><div><div class="jp-OutputArea-output jp-Cell-inputWrapper">deep</div></div></section>
  <img src="e.png">
</div></main></body></html>"""


def test_tree_walk_makes_the_edits_nbconverts_selectors_make():
    from bs4 import BeautifulSoup

    from sanctions_model.runner._nbconvert import MISSING_ALT, make_focusable_and_describe

    ours = BeautifulSoup(_SELECTORS_PAGE, features="html.parser")
    missing = make_focusable_and_describe(ours)
    theirs = BeautifulSoup(_SELECTORS_PAGE, features="html.parser")
    selected = theirs.select("img:not([alt])")
    for elem in selected:
        elem.attrs["alt"] = MISSING_ALT
    for selector in (
        ".jp-Notebook div.jp-Cell-inputWrapper",
        ".jp-Notebook div.jp-OutputArea-output",
    ):
        for elem in theirs.select(selector):
            elem.attrs["tabindex"] = "0"
    assert missing == len(selected) == 3
    assert str(ours) == str(theirs)
    assert str(ours).count('tabindex="0"') == 3


@pytest.mark.parametrize("show_code", [False, True])
def test_report_exporter_page_is_nbconverts_byte_for_byte(show_code):
    import nbformat
    from nbconvert import HTMLExporter

    from sanctions_model.runner._nbconvert import html_exporter_class

    nb = nbformat.read(str(NOTEBOOKS / "ok.ipynb"), as_version=4)
    nb.cells.append(
        nbformat.v4.new_markdown_cell("# Heading\n\n![a chart](data:image/png;base64,AA==)")
    )
    cell = nbformat.v4.new_code_cell("show()")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"text/html": '<img src="x.png"><div class="jp-OutputArea-output">'},
        )
    ]
    nb.cells.append(cell)
    pages = []
    for cls in (HTMLExporter, html_exporter_class()):
        exporter = cls(template_name="lab")
        exporter.exclude_input = not show_code
        pages.append(exporter.from_notebook_node(nb)[0])
    strip = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")
    ours, theirs = (strip.sub("UUID", p) for p in pages)
    assert ours == theirs
    assert ours.count('tabindex="0"') >= 3 and "No description has been provided" in ours


def test_a_report_imports_no_selector_engine_which_still_works_when_asked():
    out = _python(
        "import sys, nbformat\n"
        "from sanctions_model.runner.html import render_html\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell('# T')])\n"
        "page = render_html(nb)\n"
        "before = 'soupsieve' in sys.modules\n"
        "import bs4\n"
        "found = bs4.BeautifulSoup('<p class=a>x</p>', 'html.parser').select('p.a')\n"
        "print(before, len(found), type(sys.modules['soupsieve']).__name__, '<html' in page)"
    )
    assert out == "False 1 module True"


def _export(cls, nb) -> str:
    page = cls(template_name="lab").from_notebook_node(nb)[0]
    return re.sub(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", "UUID", page)


def test_a_notebook_only_the_relaxed_schema_accepts_still_renders_as_nbconvert_renders_it():
    import nbformat
    from nbconvert import HTMLExporter

    from sanctions_model.runner._nbconvert import html_exporter_class

    nb = nbformat.read(str(NOTEBOOKS / "ok.ipynb"), as_version=4)
    nb.cells[0]["made_up_field"] = 1  # an additional property: strict rejects, relaxed accepts
    with pytest.raises(nbformat.ValidationError):
        nbformat.validate(nb)
    assert _export(html_exporter_class(), nb) == _export(HTMLExporter, nb)


def test_a_notebook_no_schema_accepts_is_refused_as_nbconvert_refuses_it():
    import nbformat
    from nbconvert import HTMLExporter

    from sanctions_model.runner._nbconvert import html_exporter_class

    nb = nbformat.read(str(NOTEBOOKS / "ok.ipynb"), as_version=4)
    nb.cells[1]["execution_count"] = "three"  # the wrong type, under any schema
    for cls in (HTMLExporter, html_exporter_class()):
        with pytest.raises(nbformat.ValidationError):
            cls(template_name="lab").from_notebook_node(nb)
