"""The portfolio page (OUT/index.html) in a real browser: filter, sort, escaping, no network.

Debian's Chromium driven by Playwright (``executable_path``; Playwright downloads no browser).
``python3 tasks.py test`` installs Chromium when it is missing.
"""

import json
import shutil
from pathlib import Path

import pytest

from evalkit import InputError, registry
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
def browser():
    if CHROMIUM is None:
        pytest.fail("Chromium is needed for browser tests: python3 tasks.py test installs it "
                    "(apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(tmp_path_factory, browser):
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
    tab = browser.new_page()
    tab.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("dialog", lambda d: errors.append(f"dialog {d.message}"))
    tab.goto((out / "index.html").as_uri())
    yield tab, requests, errors
    tab.close()


def _ids(tab) -> list[str]:
    return tab.locator("#portfolio tbody tr:visible td:first-child").all_inner_texts()


def test_page_lists_every_report_escaped_and_offline(page):
    tab, requests, errors = page
    assert _ids(tab) == ["P1", "P2", "P3", "P10"]
    assert tab.locator("#portfolio th").all_inner_texts()[:6] == ["项目编码", "项目名称", "预算单位",
                                                       "预算数（万元）", "总分", "评价等级"]
    assert '<script>alert("x")</script>' in tab.locator("#portfolio tbody").inner_text()  # shown as text
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


def test_ten_thousand_rows_page_and_filter_across_pages(tmp_path, browser):
    """10,000 reports: the page shows 100 rows at a time, a filter searches every page, and the
    page loads and filters within seconds in headless Chromium (times printed with -s)."""
    import time

    units = ["县水利局", "县教育局", "县交通局", "县卫健委"]
    subjects = {f"Q{i:05d}": _entry(60 + i % 40, "优良中差"[i % 4], f"项目{i}", units[i % 4],
                                    float(i)) for i in range(10_000)}
    subjects["Q09999"] = _entry(99.0, "优", "唯一的灌溉工程", "县水利局", 1.0)
    write_index(tmp_path, {"run": {"dataset": str(tmp_path / "d.xlsx"), "ruleset_id": "x",
                                   "ruleset_version": "1", "evalkit_version": "0",
                                   "end": "2026-12-01T00:00:00+00:00"}, "subjects": subjects},
                registry.get("self_evaluation"))
    tab = browser.new_page()
    start = time.perf_counter()
    tab.goto((tmp_path / "index.html").as_uri())
    tab.wait_for_selector("#pageinfo:has-text('共 10000 条')")
    loaded = time.perf_counter() - start
    assert len(_ids(tab)) == 100 and _ids(tab)[0] == "Q00000"
    assert "第 1 / 100 页" in tab.inner_text("#pageinfo")
    tab.click("#next")
    assert _ids(tab)[0] == "Q00100"
    start = time.perf_counter()
    tab.fill("#q", "唯一的灌溉")  # on the last page
    assert _ids(tab) == ["Q09999"]
    filtered = time.perf_counter() - start
    tab.fill("#q", "县交通局")
    assert len(_ids(tab)) == 100 and "共 2500 条" in tab.inner_text("#pageinfo")
    tab.select_option("#size", "0")
    assert len(_ids(tab)) == 2500
    tab.close()
    print(f"10,000 rows: load {loaded:.2f} s, filter {filtered:.2f} s")
    assert loaded < 30 and filtered < 5  # generous: the machine is shared


def test_overview_plots_execution_against_completion_with_the_band(tmp_path):
    """The overview counts verdicts and plots each project, red outside the band, listing
    those with their gap; the dataset is named relative to OUT and the time is local."""
    subjects = {"P1": _entry(91.5, "优", "节水灌溉", "县水利局", 1200.0),
                "P2": _entry(40.0, "差", "道路维修", "县交通局", 35.5)}
    manifest = {"run": {"dataset": str(tmp_path / "data" / "县.xlsx"), "ruleset_id": "x",
                        "ruleset_version": "1", "evalkit_version": "0",
                        "end": "2026-12-01T00:00:00+00:00"}, "subjects": subjects,
                "overview": {"gap_points": 20.0, "points": [["P1", 0.95, 0.93, False],
                                                           ["P2", 0.45, 0.9769, True]]}}
    out = tmp_path / "out"
    out.mkdir()
    page = write_index(out, manifest, registry.get("self_evaluation")).read_text("utf-8")
    assert page.count('class="pt"') == 1 and page.count('class="flagged"') == 2  # dot + table
    assert "<td>P2</td><td>道路维修</td><td class=\"num\">45.00%</td>" in page.replace(
        '<a href="P2/P2.html">P2</a>', "P2")
    assert "+52.69" in page and "数据集 ../data/县.xlsx" in page
    assert "本地时间 UTC" in page and "T00:00:00" not in page
    assert "<td>优</td><td class=\"num\">1</td>" in page


def test_portfolio_index_links_every_report_type(tmp_path):
    from evalkit.batch.portfolio import write_portfolio_index
    from evalkit.cli import main

    for name in ("self_evaluation", "monitoring"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text(json.dumps(
            {"run": {"report_type": name, "end": "2026-12-01T00:00:00+00:00"},
             "subjects": {"P1": _entry(91.5, "优", "节水灌溉", "县水利局", 1.0),
                          "P3": _entry(None, "", "道路维修", "县交通局", 1.0, "failed")}}),
            encoding="utf-8")
    assert main(["portfolio-index", str(tmp_path)]) == 0
    page = (tmp_path / "index.html").read_text("utf-8")
    for name in ("self_evaluation", "monitoring"):
        title = registry.get(name).title
        assert f'<a href="{name}/index.html">{title}</a>' in page
    assert page.count("<td>优 1</td>") == 2 and 'lang="zh-CN"' in page
    with pytest.raises(InputError, match="manifest.json"):
        write_portfolio_index(tmp_path / "self_evaluation")
