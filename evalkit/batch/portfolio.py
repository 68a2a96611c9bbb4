"""Portfolio outputs of a batch: ``OUT/index.html`` and ``OUT/summary.xlsx``.

Both read the manifest and the report type (its subject, portfolio columns, verdict label and
score labels), so a per-unit or per-county batch gets the same outputs as a per-project one.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from evalkit.batch.manifest import FAILED_DIR, file_name
from evalkit.io import atomic_write, write_excel
from evalkit.registry import ReportType

INDEX, SUMMARY_XLSX = "index.html", "summary.xlsx"
#: Link order of a report's files on the portfolio page.
_LINKS = ("html", "pdf", "docx", "xlsx", "workpaper", "ipynb", "json")
_FONT_PLACEHOLDER = "/*@@EVALKIT-FONT@@*/"


@functools.cache
def _template():
    """The Jinja template of the portfolio page, with its stylesheet and script (read once)."""
    import jinja2

    folder = resources.files("evalkit.batch").joinpath("templates")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    return (env.from_string(folder.joinpath("portfolio.html.j2").read_text(encoding="utf-8")),
            folder.joinpath("portfolio.css").read_text(encoding="utf-8"),
            folder.joinpath("portfolio.js").read_text(encoding="utf-8"))


def _num(value: Any, fmt: str) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else format(value, fmt)


def _cell(value: Any) -> dict[str, Any]:
    """A table cell: numbers right-aligned with a sort key, anything else as text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"text": _num(value, ",.2f"), "sort": _num(value, "g")}
    return {"text": "" if value is None else str(value), "sort": None}


def headers(report_type: ReportType) -> list[str]:
    """The columns of the portfolio page and the 汇总 sheet, in order."""
    label = report_type.subject.label
    return [f"{label}编码", *report_type.portfolio_columns.values(), report_type.total_label,
            report_type.verdict_label]


def write_index(out: Path, manifest: Mapping[str, Any], report_type: ReportType,
                title: str = "") -> Path:
    """Write ``OUT/index.html``: one row per report of the manifest, offline, data escaped.

    Inline CSS and a small inline script (sort by a header click, filter by text and status); a
    Content-Security-Policy forbids every network request; the bundled CJK font is subset to
    the page's characters and inlined, so it reads offline without tofu.
    """
    from evalkit.render.fonts import font_face_css

    page_template, css, script = _template()
    rows = []
    for sid, e in manifest["subjects"].items():
        ok = e.get("status") == "ok"
        columns = e.get("columns") or {}
        cells = [_cell(sid), *(_cell(columns.get(c)) for c in report_type.portfolio_columns)]
        cells += [{"text": _num(e.get("total"), report_type.total_format),
                   "sort": _num(e.get("total"), "g")},
                  _cell(e.get("verdict") or "")]
        links = ([{"href": f"{quote(sid)}/{quote(file_name(sid, ext))}",
                   "text": "底稿" if ext == "workpaper" else ext}
                  for ext in _LINKS if ext in e.get("files", {})] if ok else
                 [{"href": f"{FAILED_DIR}/{quote(sid)}.ipynb", "text": "诊断笔记本"}]
                 if (e.get("error") or {}).get("notebook") else [])
        rows.append({"status": str(e.get("status")), "cells": cells, "links": links,
                     "message": "" if ok else (e.get("error") or {}).get("message", "")})
    run = manifest.get("run", {})
    n_ok = sum(e.get("status") == "ok" for e in manifest["subjects"].values())
    page = page_template.render(
        heading=title or f"{report_type.title}清单", run=run, n=len(rows), n_ok=n_ok,
        subject_label=report_type.subject.label, verdict_label=report_type.verdict_label,
        headers=[*headers(report_type), "状态", "报告", "说明"], rows=rows,
        font_css=_FONT_PLACEHOLDER, css=css, script=script)
    page = page.replace(_FONT_PLACEHOLDER, font_face_css(page), 1)
    return atomic_write(out / INDEX, lambda p: p.write_text(page, encoding="utf-8"), root=out)


def write_summary_workbook(out: Path, manifest: Mapping[str, Any],
                           report_type: ReportType) -> Path:
    """Write ``OUT/summary.xlsx``: 汇总, 评分明细 (from the JSON summaries), 失败报告.

    评分明细 lists every ``{name: score}`` mapping of the summaries whose key ends in
    ``_scores``, its category named by the report type's ``score_labels``. Formula injection is
    neutralised by :func:`evalkit.io.write_excel`.
    """
    label = report_type.subject.label
    id_header, name_header = f"{label}编码", f"{label}名称"
    name_column = report_type.subject.name_column
    totals, scores, failures = [], [], []
    for sid, e in manifest["subjects"].items():
        ok = e.get("status") == "ok"
        columns = e.get("columns") or {}
        totals.append(dict(zip(headers(report_type), [
            sid, *(columns.get(c) for c in report_type.portfolio_columns), e.get("total"),
            e.get("verdict") or None], strict=True)) | {
            "状态": "成功" if ok else "失败",
            "报告文件": "、".join(f["path"] for f in e.get("files", {}).values()),
            "耗时（秒）": (e.get("timings") or {}).get("total_s")})
        name = columns.get(name_column)
        if ok and "json" in e.get("files", {}):
            path = out / sid / f"{sid}.json"
            summary = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
            for key, values in summary.items():
                if key.endswith("_scores") and isinstance(values, dict):
                    scores += [{id_header: sid, name_header: name,
                                "类别": report_type.score_labels.get(key, key), "名称": item,
                                "得分": value} for item, value in values.items()]
        else:
            error = e.get("error") or {}
            failures.append({id_header: sid, name_header: name, "阶段": error.get("stage"),
                             "单元格": error.get("cell"), "错误类型": error.get("ename"),
                             "错误信息": error.get("message"),
                             "诊断笔记本": error.get("notebook")})
    sheets = {"汇总": pd.DataFrame(totals, columns=[*headers(report_type), "状态", "报告文件",
                                                   "耗时（秒）"]),
              "评分明细": pd.DataFrame(scores, columns=[id_header, name_header, "类别", "名称",
                                                    "得分"]),
              "失败报告": pd.DataFrame(failures, columns=[id_header, name_header, "阶段", "单元格",
                                                    "错误类型", "错误信息", "诊断笔记本"])}
    return write_excel(sheets, out / SUMMARY_XLSX, root=out)
