"""``evalkit review`` in a real browser: the Voilà page's controls change the shown scores and
grades to what evalkit.sensitivity computes, offline.

Debian's Chromium driven by Playwright (``executable_path``; Playwright downloads no browser);
``python3 tasks.py test`` installs Chromium when it is missing. The server runs in its own
process group and is stopped in a ``finally`` (its kernels with it).
"""

import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from evalkit.rules import band_index, load_ruleset
from evalkit.sensitivity import weight_model
from tests.test_portfolio_page import ARGS, CHROMIUM

PROJECT = "XM-2020-042"  # 76.08 (中) under national: 3.92 points under the 良 line
ROW = f'.ek-table tr[data-project="{PROJECT}"]'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port: int, server: subprocess.Popen, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if server.poll() is not None:
            pytest.fail(f"evalkit review exited with {server.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    pytest.fail(f"evalkit review did not listen on 127.0.0.1:{port} within {timeout} s")


@pytest.fixture(scope="module")
def app_page(tmp_path_factory):
    if CHROMIUM is None:
        pytest.fail("Chromium is needed for browser tests: python3 tasks.py test installs it "
                    "(apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    out = tmp_path_factory.mktemp("review")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "evalkit.cli", "review", "sample", "--port", str(port),
         "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        _wait_listening(port, server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            tab = browser.new_page(viewport={"width": 1400, "height": 1100})
            requests: list[str] = []
            errors: list[str] = []
            tab.on("request", lambda r: requests.append(r.url))
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.goto(f"http://127.0.0.1:{port}/", wait_until="commit", timeout=60_000)
            tab.wait_for_selector(ROW, timeout=240_000)  # kernel start + first render, loaded CI
            yield tab, requests, errors, port
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def _shown(tab) -> tuple[str, str]:
    row = tab.locator(ROW)
    return (row.locator('td[data-col="total"]').inner_text(),
            row.locator('td[data-col="verdict"]').inner_text())


def _wait_shown(tab, total: str, timeout: float = 60_000) -> None:
    tab.wait_for_function(
        "([sel, want]) => { const td = document.querySelector(sel + ' td[data-col=\"total\"]');"
        " return td !== null && td.textContent === want; }", arg=[ROW, total], timeout=timeout)


def _expected(model, index: int, a=None) -> tuple[str, str]:
    total = model.rescore(a=None if a is None else np.asarray([a]))[0][index]
    labels = model.labels()
    return f"{total:.2f}", str(labels[band_index(np.array([total]), model.bands)][0])


def test_page_shows_the_library_values_offline(app_page):
    tab, requests, errors, port = app_page
    model = weight_model("sample", report_type="key_project_evaluation", ruleset="national")
    index = model.project_ids.index(PROJECT)
    assert _shown(tab) == _expected(model, index) == ("76.08", "中")
    assert tab.locator(".ek-ruleset select").is_visible()
    assert not errors
    assert all(url.startswith((f"http://127.0.0.1:{port}/", f"ws://127.0.0.1:{port}/", "data:"))
               for url in requests), [u for u in requests if "127.0.0.1" not in u]


def test_changing_a_level1_weight_rescores(app_page):
    """产出 35 → 60: weights renormalised to 12/16/48/24, a = W'/W (hand: 0.8, 0.8, 48/35, 0.8)."""
    tab, _, errors, _ = app_page
    model = weight_model("sample", report_type="key_project_evaluation", ruleset="national")
    index = model.project_ids.index(PROJECT)
    expected = _expected(model, index, [0.8, 0.8, 48 / 35, 0.8])
    assert model.level1 == ("决策", "过程", "产出", "效益")
    field = tab.locator(".ek-weight-3 input")
    field.fill("60")
    field.press("Enter")
    _wait_shown(tab, expected[0])
    assert _shown(tab) == expected == ("80.37", "良")  # 中 → 良: the grade changes
    assert "产出 48.00" in tab.locator(".ek-app").inner_text()
    assert not errors


def test_changing_the_ruleset_rescores(app_page):
    tab, _, errors, _ = app_page
    model = weight_model("sample", report_type="key_project_evaluation", ruleset="provincial")
    index = model.project_ids.index(PROJECT)
    expected = _expected(model, index)
    tab.locator(".ek-ruleset select").select_option(label="省级规则集")
    _wait_shown(tab, expected[0])
    assert _shown(tab) == expected
    assert load_ruleset("provincial").grades[1].low == 75  # 82.58 is 良 (75–85) under provincial
    assert expected[1] == "良"
    assert not errors
