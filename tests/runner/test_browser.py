"""Open the index and a report in headless Chromium from disk with every network request blocked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sanctions_model.runner.cli import main

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


@pytest.mark.browser
@pytest.mark.slow
def test_index_and_report_render_offline(tmp_path, kernel):
    if not Path(
        CHROMIUM
    ).exists():  # the test command installs Debian's chromium; fail loudly if not
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    sweep = write_sweep(
        tmp_path / "s.yaml",
        f"name: default\nnotebooks:\n  - path: {NOTEBOOKS}/ok.ipynb\n"
        "    product: {n: [1, 2], label: ['<script>alert(1)</script>']}\n",
    )
    root = tmp_path / "outputs"
    assert main(["sweep", str(sweep), "--output-root", str(root), "--quiet"]) == 0
    index = root / "default" / "index.html"
    blocked: list[str] = []
    failed: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page()

        def route(r):
            if r.request.url.startswith(("file://", "data:")):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("requestfailed", lambda req: failed.append(req.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(index.as_uri())
        assert page.title() == "Sweep default"
        assert page.locator("table#runs tbody tr").count() == 2
        assert "<script>alert(1)</script>" in page.locator("table#runs").inner_text()
        page.locator("table#runs tbody tr a").first.click()
        page.wait_for_load_state()
        assert "Tiny OK report" in page.title()
        imgs = page.locator("img")
        assert imgs.count() >= 1
        assert all(
            src.startswith("data:") for src in imgs.evaluate_all("els => els.map(e => e.src)")
        )
        assert page.locator("nav.sm-toc a").count() >= 3
        assert page.locator("table.sm-params tr").count() >= 6
        browser.close()
    assert blocked == [] and failed == [] and dialogs == []
    shutil.rmtree(root)
