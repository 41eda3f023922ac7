"""Open the site in headless Chromium from disk with every network request blocked.

Checks what a reader gets: the findings page and the reports render without a request leaving
the machine, nothing scrolls sideways at 1280 px, every chart has a title (findings: an SVG
``<title>`` and a caption; reports: the image's alt text is the figure's title). Screenshots are
saved beside the outputs (``<stamp>/screenshots/*.png``) for a person to look at.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

from sanctions_model.runner.cli import main

from ..test_site_quality import problems
from .conftest import NOTEBOOKS, write_sweep

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH = 1280
_NO_TITLE = "No description has been provided for this image"


@contextmanager
def offline_page() -> Iterator[tuple[object, list[str]]]:
    """A Chromium page 1280 px wide whose every non-file request is aborted and recorded."""
    if not Path(CHROMIUM).exists():  # the test command installs Debian's chromium
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    bad: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": WIDTH, "height": 900})

        def route(r):
            if r.request.url.startswith(("file://", "data:")):
                r.continue_()
            else:
                bad.append(f"blocked {r.request.url}")
                r.abort()

        page.route("**/*", route)
        page.on("requestfailed", lambda req: bad.append(f"failed {req.url}"))
        page.on("dialog", lambda d: (bad.append(f"dialog {d.message}"), d.dismiss()))
        try:
            yield page, bad
        finally:
            browser.close()


def sideways(page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )


def untitled_charts(page) -> list[str]:
    """Charts without a title: findings figures (caption and SVG title) and report images."""
    return page.evaluate(
        """(noTitle) => {
        const out = [];
        document.querySelectorAll('figure.chart').forEach((f, i) => {
            const cap = f.querySelector('figcaption');
            const title = f.querySelector('svg > title');
            if (!cap || !cap.textContent.trim() || !title || !title.textContent.trim())
                out.push('figure ' + i);
        });
        document.querySelectorAll('img').forEach((img, i) => {
            const alt = (img.getAttribute('alt') || '').trim();
            if (!alt || alt === noTitle) out.push('img ' + i);
        });
        return out;
    }""",
        _NO_TITLE,
    )


def broken_numbers(page) -> list[str]:
    """Numbers and links in tables drawn over more than one line ("0.01/7", "rep/ort")."""
    return page.evaluate(
        """() => {
        const out = [];
        document.querySelectorAll('td.num, td a, p.runs a').forEach((el) => {
            const range = document.createRange();
            range.selectNodeContents(el);
            const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
            if (tops.size > 1) out.push(el.textContent.slice(0, 40));
        });
        return out;
    }"""
    )


def _reader_notebook(path: Path) -> Path:
    """A tiny notebook that does what the real ones do: setup, a table, a chart, a warning."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "sanctions-model",
        "display_name": "Python (sanctions-model)",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Reader report\n\nA tiny report."),
        nbformat.v4.new_code_cell(
            "from sanctions_model.reporting import setup_report; setup_report()"
        ),
        nbformat.v4.new_code_cell(
            "scale: float = 1e9  # amounts in EUR", metadata={"tags": ["parameters"]}
        ),
        nbformat.v4.new_code_cell(
            "import sys, warnings\nimport numpy as np\nimport pandas as pd\n"
            "import matplotlib.pyplot as plt\nfrom sanctions_model import reporting\n"
            "warnings.warn('the fit did not converge', RuntimeWarning)\n"
            "print('a message on stderr', file=sys.stderr)\n"
            "pd.DataFrame({'value': [3.3 * scale, np.nan], 'p_value': [1e-9, 0.04]},"
            " index=pd.Index(['RU', 'KG'], name='partner'))"
        ),
        nbformat.v4.new_code_cell(
            "fig, ax = plt.subplots()\nax.plot([0, 1], [scale, 30 * scale])\n"
            "ax.set_title('Exports, EUR')\nplt.show()"
        ),
        nbformat.v4.new_code_cell("'First paragraph.\\n\\nSecond paragraph.'"),
        nbformat.v4.new_code_cell(
            "reporting.record_results({'reporter': 'EU27_2020', 'partner': 'RU', 'effect': -0.5,"
            " 'lower': -0.6, 'upper': -0.4, 'p_value': 0.002})"
        ),
    ]
    nbformat.write(nb, path)
    return path


@pytest.mark.browser
@pytest.mark.slow
def test_index_and_report_render_offline(tmp_path, kernel):
    reader = _reader_notebook(tmp_path / "reader.ipynb")
    sweep = write_sweep(
        tmp_path / "s.yaml",
        f"name: default\nnotebooks:\n  - path: {NOTEBOOKS}/ok.ipynb\n"
        "    product: {n: [1, 2], label: ['<script>alert(1)</script>']}\n"
        f"  - path: {reader}\n",
    )
    root = tmp_path / "outputs"
    assert main(["sweep", str(sweep), "--output-root", str(root), "--quiet"]) == 0
    index = root / "default" / "index.html"
    stamp = (root / "default" / "latest").resolve()
    shots = stamp / "screenshots"
    shots.mkdir()
    with offline_page() as (page, bad):
        page.goto(index.as_uri())
        assert page.title() == "What the sanctions on Russia did to trade"
        assert page.locator("figure.chart").count() == 1  # the reader run's effect
        assert untitled_charts(page) == [] and sideways(page) == 0
        assert page.locator("#reports tbody tr").count() == 3
        assert "<script>alert(1)</script>" in page.locator("#reports").inner_text()
        page.screenshot(path=str(shots / "findings.png"), full_page=True)
        page.locator("nav.site a", has_text="All runs").click()
        page.wait_for_load_state()
        assert page.locator("table#runs tbody tr").count() == 3
        assert sideways(page) == 0
        page.go_back()
        page.locator("#reports a", has_text="reader").click()
        page.wait_for_load_state()
        assert "Reader report" in page.title()
        assert sideways(page) == 0 and untitled_charts(page) == []
        assert page.locator("img").get_attribute("alt") == "Exports, EUR"
        notes = page.locator("section.sm-notes").inner_text()
        assert "RuntimeWarning: the fit did not converge" in notes
        assert "a message on stderr" in notes
        text = page.locator("main").inner_text()
        assert "3.30 bn" in text and "< 0.001" in text and "First paragraph." in text
        assert "'First" not in text
        page.screenshot(path=str(shots / "reader.png"), full_page=True)
        page.go_back()
        page.locator("#reports a", has_text="ok").first.click()
        page.wait_for_load_state()
        assert "Tiny OK report" in page.title()
        srcs = page.locator("img").evaluate_all("els => els.map(e => e.src)")
        assert srcs and all(src.startswith("data:") for src in srcs)
        assert page.locator("nav.sm-toc a").count() >= 3
        assert page.locator("table.sm-params tr").count() >= 6
    assert bad == []
    assert (shots / "findings.png").stat().st_size > 10_000
    report = next(stamp.glob("reader-*/report.html")).read_text(encoding="utf-8")
    assert problems(report) == []
    shutil.rmtree(root)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.xdist_group("default-sweep")
def test_default_sweep_site_in_the_browser(default_site, kernel):
    """The findings page of the default sweep (the test run's shared one, see tests/conftest.py)
    and one report per notebook, with screenshots."""
    root = default_site
    stamp = (root / "latest").resolve()
    shots = stamp / "screenshots"
    shots.mkdir(exist_ok=True)
    one_per_notebook: dict[str, Path] = {}
    for report in sorted(stamp.glob("*/report.html")):
        one_per_notebook.setdefault(report.parent.name.split("-")[0], report)
    assert len(one_per_notebook) >= 4
    found: dict[str, list[str]] = {}
    with offline_page() as (page, bad):
        page.goto((root / "index.html").as_uri())
        charts = page.locator("figure.chart").count()
        page.screenshot(path=str(shots / "findings.png"), full_page=True)
        found["findings"] = untitled_charts(page) + broken_numbers(page)
        answers = page.locator("#answers").bounding_box()
        if answers is None or answers["y"] > 300:
            found["findings"].append("the answers are not at the top of the page")
        if sideways(page):
            found["findings"].append(f"scrolls sideways by {sideways(page)} px")
        for stem, report in one_per_notebook.items():
            page.goto(report.as_uri())
            page.screenshot(path=str(shots / f"{stem}.png"), full_page=True)
            found[stem] = untitled_charts(page)
            if sideways(page):
                found[stem].append(f"scrolls sideways by {sideways(page)} px")
    assert charts >= 2
    assert bad == []
    assert {k: v for k, v in found.items() if v} == {}
    assert len(list(shots.glob("*.png"))) == len(one_per_notebook) + 1
