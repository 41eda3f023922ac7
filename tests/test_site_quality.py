"""The default sweep's site as a reader gets it: no stderr, tracebacks, exponents or machine paths.

The test run's one run of ``sweeps/default.yaml`` (the job of ``make report``; the
``default_site`` fixture of ``tests/conftest.py``) into a temporary output root; the checks read every report and the findings page. The checker functions are also
unit-tested on small pages, so a check that cannot fail would show here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_SCIENTIFIC = re.compile(r"(?<![\w.])[-+\u2212]?\d+(?:\.\d+)?[eE][-+\u2212]?\d+(?![\w.])")
_ABSOLUTE = re.compile(
    r"(?<![\w.~<>&;-])(?:file://)?/(?:home|tmp|work|usr|root|opt|var|srv|mnt|Users|private|etc)/"
)
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")
_REPRS = (re.compile(r"\bnp\.(?:float|int)\d*\("), re.compile(r" object at 0x[0-9a-f]+"))


class _Text(HTMLParser):
    """Text a reader sees: text nodes outside <style>/<script> (SVG chart labels included)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.parts: list[str] = []
        self.mime_types: set[str] = set()

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self.skip += 1
        self.mime_types.update(v for k, v in attrs if k == "data-mime-type" and v)

    def handle_endtag(self, tag):
        if tag in ("style", "script") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def _parse(page: str) -> _Text:
    parser = _Text()
    parser.feed(page)
    return parser


def visible_text(page: str) -> str:
    return "\n".join(_parse(page).parts)


def problems(page: str) -> list[str]:
    """What a reader should never see in a report or the findings page."""
    found = []
    parsed = _parse(page)
    text = "\n".join(parsed.parts)
    if "application/vnd.jupyter.stderr" in parsed.mime_types:
        found.append("stderr block")
    if "Traceback (most recent call last)" in text or "application/vnd.jupyter.error" in (
        parsed.mime_types
    ):
        found.append("traceback")
    for match in _SCIENTIFIC.finditer(text):
        found.append(f"scientific notation: {match.group(0)!r}")
    for match in _ABSOLUTE.finditer(_DATA_URI.sub("data:", page)):
        found.append(f"absolute path: {page[match.start() : match.start() + 40]!r}")
    for pattern in _REPRS:
        for match in pattern.finditer(text):
            found.append(f"repr: {match.group(0)!r}")
    if "\\n" in text:
        found.append("literal \\n (a string repr)")
    for part in parsed.parts:
        if "\\n" not in part and re.fullmatch(r"\s*'[^'\n]{1,200}'\s*", part):
            found.append(f"a Python string repr: {part.strip()[:40]!r}")
    for match in _SCRIPT_LINK.finditer(page):
        found.append(f"script link: {match.group(0)[:40]!r}")
    for match in _HANDLER.finditer(page):
        found.append(f"event handler: {match.group(0)[:40]!r}")
    return found


_SCRIPT_LINK = re.compile(r"""\b(?:href|src)\s*=\s*["']?\s*(?:javascript|vbscript):""", re.I)
# an element with an on...= handler (text such as "&lt;img onerror=" is inert and not matched)
_HANDLER = re.compile(
    r"<(?:img|svg|a|div|span|body|iframe|input|video|audio)\b[^<>]*\son\w+\s*=", re.I
)
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")


def _cells(page: str, pattern: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in re.findall(pattern, page, re.S)]


def findings_problems(page: str) -> list[str]:
    """What the findings page must not do: open without the answers, show internal names or
    one label for two rows, a sweep's internal title, or let numbers and links break mid-word."""
    found = []
    answers = page.find('<section id="answers">')
    if answers < 0:
        found.append("no answers section")
    elif "<figure" in page[:answers] or "<table" in page[:answers]:
        found.append("answers not first")
    else:
        block = page[answers : page.find("</section>", answers)]
        if block.count('<li id="answer-') < 6:
            found.append("fewer than six answers")
        if "Draws on:" not in block:
            found.append("answers without the runs they draw on")
    h1 = re.search(r"<h1>(.*?)</h1>", page, re.S)
    if h1 and re.match(r"Sweep\b", h1.group(1)):
        found.append(f"internal title: {h1.group(1)!r}")
    labels = _cells(page, r'<th scope="row">(.*?)</th>')
    heads = _cells(page, r"<thead>.*?</thead>")
    for text in labels + heads:
        for match in _SNAKE.finditer(text):
            found.append(f"internal name: {match.group(0)!r} in {text[:50]!r}")
    for table in re.findall(r'<table class="estimates">(.*?)</table>', page, re.S):
        rows = _cells(table, r'<th scope="row">(.*?)</th>')
        for label in sorted({r for r in rows if rows.count(r) > 1}):
            found.append(f"two rows labelled {label!r}")
    css = " ".join(re.findall(r"<style>(.*?)</style>", page, re.S))
    if "overflow-wrap: anywhere" in css or "word-break: break-all" in css:
        found.append("numbers and links may break mid-word (overflow-wrap: anywhere)")
    if "How the intervals were computed" in page:
        found.append("inference lists in the findings (they belong on the methods page)")
    return found


def front_page_problems(index: Path) -> list[str]:
    """A findings page without a chart, or without a link to every report of its sweep."""
    page = index.read_text(encoding="utf-8")
    found = []
    charts = re.findall(r'<figure class="chart">(.*?)</figure>', page, re.S)
    if not charts:
        found.append("no chart")
    for chart in charts:
        title = re.search(r"<title>([^<]+)</title>", chart)
        caption = re.search(r"<figcaption>([^<]+)</figcaption>", chart)
        if not (title and caption):
            found.append("a chart without a title")
    hrefs = set(re.findall(r'href="([^"]+)"', page))
    stamp = index.parent
    prefix = ""
    for link in ("latest-ok", "latest"):  # the sweep root shows latest-ok, else latest
        if (stamp / link).is_symlink():
            prefix = f"{(stamp / link).resolve().name}/"
            stamp = (stamp / link).resolve()
            break
    for report in sorted(stamp.glob("*/report.html")):
        if f"{prefix}{report.parent.name}/report.html" not in hrefs:
            found.append(f"no link to {report.parent.name}")
    return found


# -- the checks themselves can fail ----------------------------------------------------------------


def test_checker_finds_each_problem():
    clean = (
        "<html><style>.x{width:1e3px} [data-mime-type='application/vnd.jupyter.stderr'] {}"
        "</style><p>EUR 3.35 bn, p &lt; 0.001</p></html>"
    )
    assert problems(clean) == []
    assert problems("<p>-4.470e+09</p>") == ["scientific notation: '-4.470e+09'"]
    assert problems('<div data-mime-type="application/vnd.jupyter.stderr">x</div>')
    assert problems("<pre>Traceback (most recent call last):</pre>") == ["traceback"]
    assert problems("<p>see /work/main/src/x.py:3</p>")[0].startswith("absolute path")
    assert problems('<a href="file:///tmp/x">x</a>')[0].startswith("absolute path")
    assert problems("<pre>{'RU': np.float64(0.43)}</pre>")[0].startswith("repr")
    assert problems("<pre>'a\\n\\nb'</pre>") == ["literal \\n (a string repr)"]
    # neither hashes nor images nor placeholders are findings
    assert problems("<p>run 02-a995b8fc, digest 8f3fc2e55de8, &lt;project&gt;/x</p>") == []
    assert problems('<img src="data:image/png;base64,AAAA/tmp/BBBB">') == []


def test_findings_checker_finds_each_problem():
    good = (
        "<style>td { overflow-wrap: break-word; }</style><h1>What the sanctions did</h1>"
        '<section id="answers">'
        + "".join(f'<li id="answer-{i}">a</li>' for i in range(6))
        + '<p class="runs">Draws on: <a href="x/report.html">x</a></p></section>'
        '<table class="estimates"><thead><tr><th>Figure</th></tr></thead>'
        '<tr><th scope="row">EU27 exports to Armenia (pre-period from 2016-01)</th></tr>'
        '<tr><th scope="row">EU27 exports to Armenia (pre-period from 2019-01)</th></tr></table>'
    )
    assert findings_problems(good) == []
    assert findings_problems(good.replace('id="answers"', 'id="x"')) == ["no answers section"]
    assert findings_problems(good.replace("What the sanctions did", "Sweep default")) == [
        "internal title: 'Sweep default'"
    ]
    dup = good.replace(" (pre-period from 2016-01)", "").replace(" (pre-period from 2019-01)", "")
    assert findings_problems(dup) == ["two rows labelled 'EU27 exports to Armenia'"]
    snake = good.replace("EU27 exports to Armenia (pre", "did_ru_annual (pre", 1)
    assert findings_problems(snake)[0].startswith("internal name: 'did_ru_annual'")
    assert findings_problems(good.replace("break-word", "anywhere"))[0].startswith("numbers")
    assert "answers not first" in findings_problems("<table></table>" + good)
    assert problems('<a href="javascript:alert(3)">x</a>')[0].startswith("script link")
    assert problems('<img src=x onerror="alert(1)">')[0].startswith("event handler")
    assert problems("<p>&lt;img src=x onerror=alert(1)&gt;</p>") == []  # shown as text: inert


def test_report_markdown_from_data_is_inert():
    """#21.9: a product code in a notebook's Markdown output cannot run in report.html."""
    import nbformat

    from sanctions_model.runner.html import render_html

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("display(Markdown(text))")
    hostile = (
        "Product <img src=x onerror=alert(1)> [x](javascript:alert(3)) [y]( JaVa&#115;cript:a(4))"
        " </svg><script>alert(6)</script> [ok](https://example.org)"
    )
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": hostile, "text/plain": ""})
    ]
    nb.cells = [cell]
    page = render_html(nb)
    assert problems(page) == []
    body = page[page.index("Product") :]
    assert "<script>alert" not in body and "<img src=x" not in body
    assert 'href="https://example.org"' in body  # a safe link stays a link


def test_displayed_strings_read_as_text():
    """Notebook 01's ``display("no flags")`` shows no flags, not 'no flags'."""
    import nbformat

    from sanctions_model.runner.html import render_html

    assert problems("<pre>'no flags'</pre>") == ["a Python string repr: \"'no flags'\""]
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('display("no flags")')
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/plain": "'no flags'"})]
    nb.cells = [cell]
    page = render_html(nb)
    assert problems(page) == [] and "no flags" in visible_text(page)


def test_front_page_checker(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.html").write_text("x")
    index = tmp_path / "index.html"
    index.write_text('<a href="a/report.html">a</a>')
    assert front_page_problems(index) == ["no chart", "no link to b"]
    index.write_text(
        '<figure class="chart"><svg><title>T</title></svg><figcaption>T</figcaption></figure>'
        '<a href="a/report.html">a</a><a href="b/report.html">b</a>'
    )
    assert front_page_problems(index) == []


# -- the default sweep -----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.xdist_group("default-sweep")
def test_default_sweep_reports_are_clean(default_site):
    stamp = (default_site / "latest").resolve()
    reports = sorted(stamp.glob("*/report.html"))
    assert len(reports) >= 5
    found = {
        r.parent.name: problems(r.read_text(encoding="utf-8"))
        for r in reports
        if problems(r.read_text(encoding="utf-8"))
    }
    assert found == {}, "\n".join(f"{k}: {v[:6]} ({len(v)} in all)" for k, v in found.items())


@pytest.mark.slow
@pytest.mark.xdist_group("default-sweep")
def test_default_sweep_front_page(default_site):
    for index in (default_site / "index.html", (default_site / "latest").resolve() / "index.html"):
        assert front_page_problems(index) == [], index
        assert problems(index.read_text(encoding="utf-8")) == []
        assert findings_problems(index.read_text(encoding="utf-8")) == [], index
    runs = (default_site / "runs.html").read_text(encoding="utf-8")
    assert problems(runs) == [] and 'href="index.html"' in runs


@pytest.mark.slow
@pytest.mark.xdist_group("default-sweep")
def test_readme_findings_match_the_default_sweep(default_site):
    """The README's generated findings block equals what the default sweep computes today, after
    rounding (``sanctions-model readme --check``): a change in an estimator or the data that moves
    a headline fails here until ``make report`` and ``sanctions-model readme`` are run again."""
    readme = ROOT / "README.md"
    assert "<!-- findings:start -->" in readme.read_text(encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "sanctions_model.cli", "readme", "--check"]
        + ["--sweep", str((default_site / "latest").resolve()), "--readme", str(readme)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
