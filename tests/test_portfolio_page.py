"""The portfolio page (OUT/index.html) in a real browser: filter, sort, escaping, no network.

Debian's Chromium driven by Playwright (``executable_path``; Playwright downloads no browser).
``python3 tasks.py test`` installs Chromium when it is missing.
"""

import shutil
from pathlib import Path

import pytest

from evalkit import registry
from evalkit.batch.portfolio import write_index

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _entry(total, verdict, name, unit, budget, status="ok"):
    ok = status == "ok"
    return {"status": status, "total": total if ok else None, "verdict": verdict if ok else "",
            "verdict_label": "评价等级", "columns": {"project_name": name, "unit_name": unit,
                                                 "budget": budget},
            "files": ({"html": {}, "json": {}} if ok else {}),
            "error": None if ok else {"message": "cell 5: ValueError: 数据有误",
                                      "notebook": "_failed/P3.ipynb"}}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    if CHROMIUM is None:
        pytest.fail("Chromium is needed for browser tests: python3 tasks.py test installs it "
                    "(apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    out = tmp_path_factory.mktemp("portfolio")
    manifest = {"run": {"dataset": "示例县.xlsx", "ruleset_id": "cn-national",
                        "ruleset_version": "2020.1", "evalkit_version": "0", "end": "2026-12-01"},
                "subjects": {"P1": _entry(91.5, "优", "节水灌溉", "县水利局", 1200.0),
                             "P2": _entry(78.25, "中", '<script>alert("x")</script>', "县教育局",
                                          35.5),
                             "P3": _entry(None, "", "道路维修", "县交通局", 880.0, "failed"),
                             "P10": _entry(85.0, "良", "职业教育补助", "县教育局", 300.0)}}
    write_index(out, manifest, registry.get("self_evaluation"))
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        tab = browser.new_page()
        tab.on("request", lambda r: requests.append(r.url))
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.on("dialog", lambda d: errors.append(f"dialog {d.message}"))
        tab.goto((out / "index.html").as_uri())
        yield tab, requests, errors
        browser.close()


def _ids(tab) -> list[str]:
    return tab.locator("#portfolio tbody tr:visible td:first-child").all_inner_texts()


def test_page_lists_every_report_escaped_and_offline(page):
    tab, requests, errors = page
    assert _ids(tab) == ["P1", "P2", "P3", "P10"]
    assert tab.locator("#portfolio th").all_inner_texts()[:6] == ["项目编码", "项目名称", "预算单位",
                                                       "预算数（万元）", "总分", "评价等级"]
    assert '<script>alert("x")</script>' in tab.locator("tbody").inner_text()  # shown as text
    assert not errors  # the data's script never ran
    assert all(Path(url.removeprefix("file://")).name == "index.html" or url.startswith("data:")
               for url in requests)
    assert tab.locator('a[href="_failed/P3.ipynb"]').inner_text() == "诊断笔记本"


def test_filter_by_text_and_status(page):
    tab, _, _ = page
    tab.fill("#q", "县教育局")
    assert _ids(tab) == ["P2", "P10"]
    tab.fill("#q", "")
    tab.select_option("#status", "failed")
    assert _ids(tab) == ["P3"]
    tab.select_option("#status", "")
    assert len(_ids(tab)) == 4


def test_sort_numbers_as_numbers_by_a_header_click(page):
    tab, _, _ = page
    budget = tab.locator("#portfolio th", has_text="预算数（万元）")
    budget.click()
    assert _ids(tab) == ["P2", "P10", "P3", "P1"]  # 35.5 < 300 < 880 < 1200, not as text
    budget.click()
    assert _ids(tab) == ["P1", "P3", "P10", "P2"]
    tab.locator("#portfolio th", has_text="项目编码").click()
    assert _ids(tab)[0] == "P1"
