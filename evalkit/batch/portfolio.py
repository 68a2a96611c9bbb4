"""Portfolio outputs of a batch: ``OUT/index.html`` and ``OUT/summary.xlsx``; and the page that
links the portfolios of several report types (:func:`write_portfolio_index`).

Both read the manifest and the report type (its subject, portfolio columns, verdict label and
score labels), so a per-unit or per-county batch gets the same outputs as a per-project one.
The page opens with an overview: the distribution of verdicts and, for a batch of projects with
indicator sheets, each project's budget execution rate against its target completion rate with
the rectification band (|completion − execution| ≤ ``monitoring.gap_points`` percentage points,
:func:`evalkit.summary.summarize_projects`) and the projects outside it. Times are shown in the
machine's local time zone, paths relative to the output folder.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pandas as pd

from evalkit.batch.manifest import FAILED_DIR, file_name
from evalkit.io import atomic_write, write_excel
from evalkit.registry import ReportType

if TYPE_CHECKING:
    from evalkit.io import Dataset
    from evalkit.rules import RuleSet

INDEX, SUMMARY_XLSX = "index.html", "summary.xlsx"
#: Link order of a report's files on the portfolio page.
_LINKS = ("html", "pdf", "docx", "xlsx", "workpaper", "ipynb", "json")
_FONT_PLACEHOLDER = "/*@@EVALKIT-FONT@@*/"


@functools.cache
def _template_env():
    import jinja2

    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True)


def _read(name: str) -> str:
    return resources.files("evalkit.batch").joinpath("templates", name).read_text(
        encoding="utf-8")


@functools.cache
def _template():
    """The Jinja template of the portfolio page, with its stylesheet and script (read once)."""
    return (_template_env().from_string(_read("portfolio.html.j2")), _read("portfolio.css"),
            _read("portfolio.js"))


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


def local_time(stamp: str | None) -> str:
    """An ISO 8601 time of the manifest (UTC) in the machine's local time zone, with its offset.

    >>> local_time(None), local_time("")
    ('', '')
    """
    if not stamp:
        return ""
    when = datetime.fromisoformat(stamp).astimezone()
    offset = when.strftime("%z")
    return f"{when:%Y-%m-%d %H:%M:%S}（本地时间 UTC{offset[:3]}:{offset[3:]}）"


def relative_path(path: str | None, out: Path) -> str:
    """``path`` relative to the output folder (as the page's links are); '' for none."""
    if not path:
        return ""
    try:
        return Path(os.path.relpath(Path(path).resolve(), out.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).name


def rectification_overview(dataset: Dataset, subject_ids: Sequence[str],
                           ruleset: RuleSet) -> dict[str, Any] | None:
    """Execution against completion of the batch's projects that have an indicator sheet.

    Returns
    -------
    dict or None
        ``gap_points`` (the rule set's ``monitoring.gap_points``) and ``points``: one
        ``[project id, execution rate, completion rate, flagged]`` per project (rates as
        fractions, unrounded; flagged when |completion − execution| × 100 > gap_points, as in
        :func:`evalkit.summary.summarize_projects`). None when no subject is such a project.
        Projects without 执行数 (targets declared on a 绩效目标申报表, ``evalkit import-forms
        --targets``) have no execution rate and are left out of the plot.
    """
    from evalkit.summary import summarize_projects

    if "indicators" not in dataset.tables:
        return None
    wanted = set(subject_ids)
    projects = dataset.projects[dataset.projects["project_id"].isin(wanted)
                                & pd.to_numeric(dataset.projects["spent"], errors="coerce").notna()]
    indicators = dataset.indicators[dataset.indicators["project_id"].isin(projects["project_id"])]
    summary = summarize_projects(projects, indicators, ruleset=ruleset)
    if summary.empty:
        return None
    return {"gap_points": float(ruleset.section("monitoring")["gap_points"]),
            "points": [[pid, float(e), float(c), bool(f)] for pid, e, c, f in zip(
                summary["project_id"], summary["execution_rate"], summary["completion_rate"],
                summary["rectification"], strict=True)]}


#: The scatter plot of the overview: size and margins in SVG units, axes from 0 to 120 %.
_PLOT_W, _PLOT_H, _PLOT_PAD, _PLOT_MAX = 360, 300, 40, 1.2


def _scatter(overview: Mapping[str, Any]) -> dict[str, Any]:
    """SVG coordinates of the execution/completion plot: points, the band and the axes."""
    w, h, pad = _PLOT_W - 2 * _PLOT_PAD, _PLOT_H - 2 * _PLOT_PAD, _PLOT_PAD

    def x(v: float) -> float:
        return round(pad + w * min(max(v, 0.0), _PLOT_MAX) / _PLOT_MAX, 1)

    def y(v: float) -> float:
        return round(_PLOT_H - pad - h * min(max(v, 0.0), _PLOT_MAX) / _PLOT_MAX, 1)
    g = overview["gap_points"] / 100.0
    band = [(0, g), (_PLOT_MAX - g, _PLOT_MAX), (_PLOT_MAX, _PLOT_MAX), (_PLOT_MAX, _PLOT_MAX - g),
            (g, 0), (0, 0)]
    ticks = [i / 5 for i in range(7)]
    return {"width": _PLOT_W, "height": _PLOT_H,
            "band": " ".join(f"{x(a)},{y(b)}" for a, b in band),
            "points": [{"id": pid, "x": x(e), "y": y(c), "flagged": f, "e": f"{e:.2%}",
                        "c": f"{c:.2%}"} for pid, e, c, f in overview["points"]],
            "xticks": [{"at": x(t), "label": f"{t:.0%}"} for t in ticks],
            "yticks": [{"at": y(t), "label": f"{t:.0%}"} for t in ticks],
            "left": pad, "right": _PLOT_W - pad, "top": pad, "bottom": _PLOT_H - pad}


def _overview(manifest: Mapping[str, Any], report_type: ReportType) -> dict[str, Any]:
    """The overview block of the page: verdict counts, the plot and the flagged projects."""
    verdicts = Counter(e.get("verdict") or "" for e in manifest["subjects"].values()
                       if e.get("status") == "ok")
    n = sum(verdicts.values()) or 1
    grades = [{"label": label or "—", "n": count, "share": f"{count / n:.0%}",
               "width": round(100 * count / n, 1)} for label, count in verdicts.most_common()]
    data = manifest.get("overview")
    if not data:
        return {"grades": grades, "plot": None, "flagged": []}
    names = {sid: (e.get("columns") or {}).get(report_type.subject.name_column, "")
             for sid, e in manifest["subjects"].items()}
    flagged = [{"id": pid, "name": names.get(pid, ""), "e": f"{e:.2%}", "c": f"{c:.2%}",
                "gap": f"{(c - e) * 100:+.2f}", "href": f"{quote(pid)}/{quote(pid)}.html"
                if "html" in manifest["subjects"].get(pid, {}).get("files", {}) else ""}
               for pid, e, c, f in data["points"] if f]
    return {"grades": grades, "plot": _scatter(data), "flagged": flagged,
            "gap_points": f"{data['gap_points']:g}", "n_points": len(data["points"])}


def write_index(out: Path, manifest: Mapping[str, Any], report_type: ReportType,
                title: str = "") -> Path:
    """Write ``OUT/index.html``: an overview, then one row per report of the manifest (paged,
    sortable, filtered across pages), offline, data escaped.

    Inline CSS and a small inline script; a Content-Security-Policy forbids every network
    request; the bundled CJK font is subset to the page's characters and inlined, so it reads
    offline without tofu.
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
        dataset=relative_path(run.get("dataset"), out),
        when=local_time(run.get("end") or run.get("start")),
        overview=_overview(manifest, report_type),
        subject_label=report_type.subject.label, verdict_label=report_type.verdict_label,
        headers=[*headers(report_type), "状态", "报告", "说明"], rows=rows,
        font_css=_FONT_PLACEHOLDER, css=css, script=script)
    page = page.replace(_FONT_PLACEHOLDER, font_face_css(page), 1)
    return atomic_write(out / INDEX, lambda p: p.write_text(page, encoding="utf-8"), root=out)


class PortfolioPages:
    """``OUT/index.html`` and ``OUT/summary.xlsx`` of a running batch: rewritten from the manifest
    as reports are recorded (:meth:`refresh`), at most as often as keeps the rewriting under a
    twentieth of the run (after a write of d seconds, the next waits 20 d), and once more at the end
    (:meth:`write`). A killed run leaves pages at most that far behind; its journal has the rest,
    and the next run rebuilds both pages from it."""

    def __init__(self, out: Path, report_type: ReportType):
        self.out, self.report_type = out, report_type
        self._next = time.perf_counter()

    def refresh(self, manifest: Mapping[str, Any]) -> None:
        """Rewrite both pages when the last rewrite is long enough ago."""
        if time.perf_counter() >= self._next:
            self.write(manifest)

    def write(self, manifest: Mapping[str, Any]) -> None:
        """Rewrite both pages now."""
        start = time.perf_counter()
        write_index(self.out, manifest, self.report_type)
        write_summary_workbook(self.out, manifest, self.report_type)
        self._next = time.perf_counter() + 20 * (time.perf_counter() - start)


def write_portfolio_index(root: str | Path) -> Path:
    """Write ``ROOT/index.html`` linking the portfolio of every batch folder under ``ROOT``
    (each ``ROOT/<report type>/manifest.json``): its Chinese title from the registry, reports
    made and failed, verdict counts and when it ran (local time).

    Raises
    ------
    InputError
        When no folder under ``root`` holds a batch manifest.
    """
    from evalkit import registry
    from evalkit.batch.manifest import MANIFEST
    from evalkit.errors import InputError
    from evalkit.render.fonts import font_face_css

    root = Path(root)
    batches = []
    for path in sorted(root.glob(f"*/{MANIFEST}")):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        run, entries = manifest.get("run", {}), manifest.get("subjects", {}).values()
        name = run.get("report_type") or path.parent.name
        try:
            title = registry.get(name).title
        except InputError:
            title = name
        verdicts = Counter(e.get("verdict") for e in entries
                           if e.get("status") == "ok" and e.get("verdict"))
        batches.append({"title": title, "name": name,
                        "href": f"{quote(path.parent.name)}/{INDEX}",
                        "n": len(entries), "n_ok": sum(e.get("status") == "ok" for e in entries),
                        "verdicts": "，".join(f"{k} {v}" for k, v in verdicts.most_common()),
                        "when": local_time(run.get("end") or run.get("start"))})
    if not batches:
        raise InputError(f"{root}：应含批量输出目录（<报告类型>/{MANIFEST}），实际没有 "
                         f"(expected batch folders with {MANIFEST}, found none)")
    page_template = _template_env().from_string(_read("portfolio_index.html.j2"))
    page = page_template.render(batches=batches, font_css=_FONT_PLACEHOLDER, css=_template()[1])
    page = page.replace(_FONT_PLACEHOLDER, font_face_css(page), 1)
    return atomic_write(root / INDEX, lambda p: p.write_text(page, encoding="utf-8"), root=root)


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
