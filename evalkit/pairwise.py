"""Indicator weights built from experts' pairwise comparisons, ready for the reports.

The path from judgements to the weights a key-project report uses:

1. :func:`write_ahp_template` writes an Excel workbook for a panel: one sheet per expert holding
   the comparison matrices of the rule set's key-project indicator tree (``keyproject.framework``):
   the level-1 indicators, the level-2 indicators within each level-1 one and, optionally, the
   level-3 indicators within each level-2 one. Only the upper triangle is editable (Saaty's 1–9
   scale or a reciprocal 1/2 … 1/9, chosen from a list); the diagonal and the lower triangle are
   locked, the lower triangle being implied (a_ji = 1 / a_ij).
2. :func:`read_ahp_workbooks` reads the filled workbooks back into a long table of judgements,
   reporting every problem at once with file, sheet, Excel row and column.
3. :func:`group_ahp` computes AHP per expert and for the panel, aggregating individual
   judgements by their geometric mean (AIJ), checks CR per matrix and names the most
   inconsistent comparisons, and synthesises the whole three-level tree
   (:func:`evalkit.weights.ahp_hierarchy`).
4. :func:`write_weighted_ruleset` writes a rule-set YAML whose ``keyproject.framework`` carries
   the new points (optionally combined with entropy or CRITIC weights from a portfolio,
   :func:`portfolio_ratios`); ``evalkit run key_project_evaluation --ruleset FILE`` then uses it.

Conventions (judgement calls):

- Level-3 indicators not compared pairwise keep the framework's point shares within their level-2
  indicator (given local weights); compared ones get AHP weights.
- A judgement must be on Saaty's scale: 1–9 or 1/2 … 1/9, typed as a number or a fraction; a
  decimal within 1 % of a scale value (``0.33``) is read as that value (1/3) exactly; anything
  else (``2.5``, ``10``, ``0.3``) is a located error.
- Individual inconsistency (CR ≥ the rule set's ``ahp.cr_limit``) is reported and warned about
  but does not stop the aggregation (AIJ is usually more consistent than its members); an
  inconsistent *aggregated* matrix stops :func:`write_weighted_ruleset` unless the caller
  accepts it explicitly.
- The new rule set keeps the framework's total (100) and writes unrounded points.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import json
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from evalkit.errors import (
    DatasetError,
    EvalkitWarning,
    InconsistentMatrixError,
    InputError,
    Problem,
)
from evalkit.indicators import Indicator, IndicatorTree
from evalkit.io import atomic_write
from evalkit.rules import RuleSet, load_ruleset
from evalkit.templates import (
    _BOX,
    _EXPERT,
    _GUIDE_SHEET,
    _HEADER_FILL,
    _INPUT_FILL,
    _META_SHEET,
    _SUM_FILL,
    _UNLOCKED,
    _cell,
    _duplicate_experts,
    _expert_sheets,
    _ExpertSheet,
    _finish,
    _protect,
    _put,
    _read_listed_sheets,
    _sheet_rows,
    _text,
)
from evalkit.weights import (
    AHPResult,
    HierarchyResult,
    _finite,
    _parse_entry,
    ahp_hierarchy,
    combine_weights,
    critic_weights,
    entropy_weights,
)

__all__ = [
    "GOAL",
    "SAATY_VALUES",
    "TEMPLATE_VERSION",
    "ComparisonMatrix",
    "GroupAHPResult",
    "JUDGEMENT_COLUMNS",
    "comparison_matrices",
    "group_ahp",
    "portfolio_ratios",
    "read_ahp_workbooks",
    "write_ahp_template",
    "write_weighted_ruleset",
]

#: Layout version written into every pairwise template; the reader accepts only this one.
TEMPLATE_VERSION = "ahp-1"
#: The ``parent`` of the level-1 matrix (AHP's 目标层); level-2/3 matrices use the parent's code.
GOAL = "总目标"
#: Saaty's 1–9 scale and its reciprocals, as typed in the template (text) → value.
SAATY_VALUES: Mapping[str, float] = MappingProxyType(
    {**{str(k): float(k) for k in range(9, 0, -1)}, **{f"1/{k}": 1 / k for k in range(2, 10)}})
_SCALE_RTOL = 0.01  # a decimal within 1 % of a scale value is that value (0.33 → 1/3)
_SCALE_TEXT = "Saaty 标度 1–9 或其倒数 1/2–1/9"

_TITLE = "指标两两比较判断表（层次分析法）"
_DATE, _RULESET, _TREE, _VERSION = "评审日期", "规则集", "指标体系", "模板版本"
_GUIDE_FACTS = (_RULESET, _TREE, "判断矩阵数", "专家人数", "专家工作表", _VERSION)
_FIRST_ROW = 6  # Excel row of the first matrix title (after the title block)
_MATRIX_LABEL = "判断矩阵"
_CORNER = "行指标 比 列指标"
_SCALE_GUIDE = (
    ("1", "同等重要"), ("3", "稍微重要"), ("5", "明显重要"), ("7", "强烈重要"), ("9", "极端重要"),
    ("2、4、6、8", "上述相邻判断的中间值"), ("1/2 … 1/9", "列指标比行指标重要时，填相应的倒数"))
_INSTRUCTIONS = (
    "每个判断矩阵只填写黄色的上三角单元格：行指标相对于列指标的重要程度（从下拉列表选择）",
    "对角线为 1，下三角为上三角的倒数，均已锁定、无须填写（读取时自动计算）",
    "每位专家填写自己的工作表，并在“专家姓名/编号”处填写姓名或编号（不填则以工作表名称为专家编号）",
    "工作表已保护（无密码），以免误改指标编码；填写完成后按 .xlsx 格式保存交回",
)
_LOWER_FILL = PatternFill("solid", fgColor="E7E6E6")
_META_KEYS = ("template_version", "ruleset_id", "ruleset_version", "tree_sha256")


# --- the matrices of a tree ---------------------------------------------------------------------

@dataclass(frozen=True)
class ComparisonMatrix:
    """One comparison matrix of an indicator tree: the children of one node.

    Attributes
    ----------
    parent : str
        :data:`GOAL` for the level-1 indicators, else the code of the node whose children these
        are.
    level : int
        The level of the compared indicators (1, 2 or 3).
    codes, names : tuple of str
        The compared indicators, in framework order.
    title : str
        Chinese title shown in the workbook and in messages, e.g. ``决策（A）下的二级指标``.
    """

    parent: str
    level: int
    codes: tuple[str, ...]
    names: tuple[str, ...]
    title: str

    @property
    def labels(self) -> tuple[str, ...]:
        """``code name`` of each indicator, as the workbook shows them."""
        return tuple(f"{c} {n}" for c, n in zip(self.codes, self.names, strict=True))


_LEVEL_WORDS = {1: "一级", 2: "二级", 3: "三级"}


def _tree(rs: RuleSet) -> IndicatorTree:
    return IndicatorTree.from_records(rs.section("keyproject", needed_by="层次分析法权重")["framework"])


def _group(parent: Indicator | None, children: Sequence[Indicator], level: int) -> ComparisonMatrix:
    title = (f"{_LEVEL_WORDS[level]}指标" if parent is None
             else f"{parent.name}（{parent.code}）下的{_LEVEL_WORDS[level]}指标")
    return ComparisonMatrix(GOAL if parent is None else parent.code, level,
                            tuple(c.code for c in children), tuple(c.name for c in children), title)


def _all_groups(tree: IndicatorTree) -> list[ComparisonMatrix]:
    """Every node's children as a group (single children included), level by level."""
    groups = [_group(None, tree.roots, 1)]
    groups += [_group(l1, l1.children, 2) for l1 in tree.roots]
    groups += [_group(l2, l2.children, 3) for l1 in tree.roots for l2 in l1.children]
    return groups


def comparison_matrices(ruleset: RuleSet | str = "national", *,
                        level3: bool = False) -> list[ComparisonMatrix]:
    """The comparison matrices experts fill in for the rule set's key-project framework.

    Parameters
    ----------
    ruleset : RuleSet or str
        Supplies the three-level tree ``keyproject.framework``.
    level3 : bool, default False
        Also compare the level-3 indicators within each level-2 one; otherwise they keep the
        framework's point shares.

    Returns
    -------
    list of ComparisonMatrix
        The level-1 matrix, then one per level-1 indicator (its level-2 children), then (with
        ``level3``) one per level-2 indicator; groups of a single indicator need no judgement
        and are left out.

    Examples
    --------
    >>> [(m.parent, m.codes) for m in comparison_matrices()][:2]
    [('总目标', ('A', 'B', 'C', 'D')), ('A', ('A1', 'A2', 'A3'))]
    >>> len(comparison_matrices()), len(comparison_matrices(level3=True))
    (4, 10)
    """
    tree = _tree(load_ruleset(ruleset))
    return [g for g in _all_groups(tree) if len(g.codes) >= 2 and (level3 or g.level <= 2)]


def _tree_sha256(tree: IndicatorTree) -> str:
    """Hash of the tree's shape (codes and names, not points): a workbook stays valid when only
    the points change."""
    shape = [(g.parent, g.codes, g.names) for g in _all_groups(tree)]
    return hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode("utf-8")).hexdigest()


# --- writing the template -----------------------------------------------------------------------

def write_ahp_template(path: str | Path, *, ruleset: RuleSet | str = "national",
                       experts: int | None = None, expert_ids: Sequence[str] | None = None,
                       level3: bool = False) -> Path:
    """Write a pairwise-comparison workbook for a panel of experts (层次分析法专家判断表).

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file, written atomically.
    ruleset : RuleSet or str, default "national"
        Its ``keyproject.framework`` is the indicator tree compared.
    experts : int, optional
        Number of expert sheets (专家01 …); default 5, or ``len(expert_ids)``.
    expert_ids : sequence of str, optional
        Name the sheets after these ids and pre-fill each sheet's 专家姓名/编号.
    level3 : bool, default False
        Also ask for the level-3 comparisons (see :func:`comparison_matrices`).

    Returns
    -------
    Path

    Raises
    ------
    InputError
        A path not ending in ``.xlsx``, bad expert counts or ids (as for
        :func:`evalkit.templates.write_expert_template`); RuleSetError when the rule set has no
        ``keyproject`` section.

    Notes
    -----
    Each expert sheet stacks the matrices: a title row (判断矩阵 and its title), a header row of
    ``code name`` labels, one row per indicator. Upper-triangle cells are unlocked, yellow, formatted
    as text (so that ``1/3`` is not turned into a date) and carry a list validation of
    :data:`SAATY_VALUES`; the diagonal holds 1; the lower triangle is grey and locked. The hidden
    ``_evalkit`` sheet records the template version, the rule set, a hash of the tree's shape, the
    expert sheets and the row of every matrix.

    References
    ----------
    Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill (the 1–9 scale).

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import load_workbook
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     wb = load_workbook(write_ahp_template(Path(tmp) / "ahp.xlsx", experts=2))
    >>> wb.sheetnames, wb["专家01"]["B7"].value, wb["专家01"]["B8"].value
    (['说明', '专家01', '专家02', '_evalkit'], 'A 决策', 1)
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(f"{path}：文件名应以 .xlsx 结尾，实际为 {path.suffix!r} "
                         f"(expected a file name ending in .xlsx)")
    rs = load_ruleset(ruleset)
    tree = _tree(rs)
    matrices = comparison_matrices(rs, level3=level3)
    sheets = _expert_sheets(experts, expert_ids)
    wb = Workbook()
    _write_guide(wb.active, rs, matrices, list(sheets))
    rows: dict[str, int] = {}
    for sheet, expert_id in sheets.items():
        rows = _write_expert_sheet(wb.create_sheet(sheet), rs, matrices, expert_id)
    values = (TEMPLATE_VERSION, rs.id, rs.version, _tree_sha256(tree))
    _finish(wb, _TITLE, [
        *zip(_META_KEYS, values, strict=True),
        *(("expert_sheet", s, e) for s, e in sheets.items()),
        *(("matrix", m.parent, rows[m.parent], ",".join(m.codes)) for m in matrices)])
    return atomic_write(path, wb.save)


def _write_guide(ws: Worksheet, rs: RuleSet, matrices: Sequence[ComparisonMatrix],
                 sheets: list[str]) -> None:
    ws.title = _GUIDE_SHEET
    facts = (rs.label, "重点项目绩效评价指标体系（keyproject.framework）", len(matrices),
             len(sheets), "、".join(sheets), TEMPLATE_VERSION)
    _put(ws, 1, 1, f"{_TITLE} — 填写说明", font=Font(bold=True, size=14))
    for row, (label, value) in enumerate(zip(_GUIDE_FACTS, facts, strict=True), start=2):
        _put(ws, row, 1, label, font=Font(bold=True))
        _put(ws, row, 2, value, alignment=Alignment(horizontal="left"))
    row = len(_GUIDE_FACTS) + 3
    _put(ws, row, 1, "填写方法", font=Font(bold=True))
    for i, text in enumerate(_INSTRUCTIONS, start=1):
        _put(ws, row + i - 1, 2, f"{i}. {text}", alignment=Alignment(wrap_text=True))
    row += len(_INSTRUCTIONS) + 1
    _put(ws, row, 1, "标度含义", font=Font(bold=True))
    for i, (value, meaning) in enumerate(_SCALE_GUIDE):
        _put(ws, row + i, 2, f"{value}：{meaning}")
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 96
    _protect(ws)


def _write_expert_sheet(ws: Worksheet, rs: RuleSet, matrices: Sequence[ComparisonMatrix],
                        expert_id: str) -> dict[str, int]:
    """The title block and every matrix; return parent → Excel row of the matrix's title."""
    _put(ws, 1, 1, _TITLE, font=Font(bold=True, size=14))
    for row, (label, value) in enumerate(((_EXPERT, expert_id or None), (_DATE, None),
                                          (_RULESET, rs.label)), start=2):
        _put(ws, row, 1, label, font=Font(bold=True))
        cell = _put(ws, row, 2, value, alignment=Alignment(horizontal="left"))
        if label != _RULESET:
            cell.protection, cell.fill = _UNLOCKED, _INPUT_FILL
        if label == _DATE:
            cell.number_format = "yyyy-mm-dd"
    dv = DataValidation(type="list", formula1='"' + ",".join(SAATY_VALUES) + '"',
                        allow_blank=True, showErrorMessage=True, showInputMessage=True,
                        errorTitle="判断值超出标度", error=f"请填写{_SCALE_TEXT}",
                        promptTitle="判断值", prompt="行指标相对列指标的重要程度：1–9 或 1/2–1/9")
    ws.add_data_validation(dv)
    rows: dict[str, int] = {}
    top = _FIRST_ROW
    for m in matrices:
        rows[m.parent] = top
        _put(ws, top, 1, _MATRIX_LABEL, font=Font(bold=True))
        _put(ws, top, 2, m.title, font=Font(bold=True))
        header = top + 1
        _put(ws, header, 1, _CORNER, font=Font(bold=True), fill=_HEADER_FILL, border=_BOX)
        for j, label in enumerate(m.labels):
            _put(ws, header, 2 + j, label, font=Font(bold=True), fill=_HEADER_FILL, border=_BOX,
                 alignment=Alignment(wrap_text=True, horizontal="center"))
        for i, label in enumerate(m.labels):
            r = header + 1 + i
            _put(ws, r, 1, label, font=Font(bold=True), fill=_HEADER_FILL, border=_BOX)
            for j in range(len(m.codes)):
                cell = _put(ws, r, 2 + j, 1 if i == j else None, border=_BOX,
                            alignment=Alignment(horizontal="center"))
                if j > i:
                    cell.protection, cell.fill, cell.number_format = _UNLOCKED, _INPUT_FILL, "@"
                    dv.add(cell.coordinate)
                elif j < i:
                    cell.fill = _LOWER_FILL
                else:
                    cell.fill = _SUM_FILL
        top = header + len(m.codes) + 2
    width = max(len(m.codes) for m in matrices)
    ws.column_dimensions["A"].width = 24
    for j in range(width):
        ws.column_dimensions[get_column_letter(2 + j)].width = 15
    _protect(ws)
    return rows


# --- reading it back ----------------------------------------------------------------------------

#: Columns of the judgements table :func:`read_ahp_workbooks` returns.
JUDGEMENT_COLUMNS = ["expert_id", "parent", "row_code", "column_code", "value"]


def read_ahp_workbooks(paths: str | PathLike[str] | Iterable[str | PathLike[str]], *,
                       ruleset: RuleSet | str = "national") -> pd.DataFrame:
    """Read filled pairwise-comparison workbooks into a long table of judgements.

    Parameters
    ----------
    paths : path or iterable of paths
        Workbooks written by :func:`write_ahp_template` (one per expert, or one for the panel).
    ruleset : RuleSet or str, default "national"
        A rule set whose key-project tree has the shape the template was written for (codes and
        names; its points may differ).

    Returns
    -------
    pandas.DataFrame
        :data:`JUDGEMENT_COLUMNS`: one row per expert and upper-triangle cell, ``parent`` as in
        :class:`ComparisonMatrix`, ``value`` the judgement a_ij (row over column) as a float.

    Raises
    ------
    DatasetError
        Listing every problem of every file, each with file, sheet, Excel row and column header:
        a blank or off-scale judgement (a date where Excel converted ``1/3`` gets a hint); a
        changed indicator label; a sheet left entirely blank; a missing or extra expert sheet; an
        expert appearing twice; a workbook for another indicator tree, of another template
        version or not written by evalkit; a file that cannot be opened.
    InputError
        When ``paths`` is empty.

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import load_workbook
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write_ahp_template(Path(tmp) / "ahp.xlsx", experts=1)
    ...     wb = load_workbook(path)
    ...     for row in wb["专家01"].iter_rows():
    ...         for cell in row:
    ...             if cell.number_format == "@":
    ...                 cell.value = "1/3"
    ...     wb.save(path)
    ...     judgements = read_ahp_workbooks(path)
    >>> len(judgements), bool(judgements["value"].iat[0] == 1 / 3)
    (16, True)
    """
    paths = [paths] if isinstance(paths, (str, PathLike)) else list(paths)
    if not paths:
        raise InputError("未给出判断表 (paths: expected at least one workbook, found none)")
    rs = load_ruleset(ruleset)
    tree = _tree(rs)
    groups = {g.parent: g for g in _all_groups(tree)}
    problems: list[Problem] = []
    experts: list[_ExpertSheet] = []
    for path in map(Path, paths):
        found, more = _read_workbook(path, tree, groups)
        experts += found
        problems += more
    problems += _duplicate_experts(experts)
    if problems:
        raise DatasetError(problems)
    rows = [(e.expert_id, *record) for e in experts for record in e.records]
    return pd.DataFrame(rows, columns=JUDGEMENT_COLUMNS).astype({"value": float})


def _read_workbook(path: Path, tree: IndicatorTree, groups: Mapping[str, ComparisonMatrix]
                   ) -> tuple[list[_ExpertSheet], list[Problem]]:
    file = str(path)
    sheets, problems = _sheet_rows(path)
    if sheets is None:
        return [], problems
    expected = "evalkit 生成的两两比较判断表（含隐藏的元数据工作表）"
    values: dict[str, str] = {}
    expert_sheets: dict[str, str] = {}
    layout: dict[str, tuple[int, tuple[str, ...]]] = {}
    for row in sheets.get(_META_SHEET, []):
        key = _text(_cell(row, 0))
        if key == "expert_sheet":
            expert_sheets[_text(_cell(row, 1))] = _text(_cell(row, 2))
        elif key == "matrix" and isinstance(_cell(row, 2), int):
            layout[_text(_cell(row, 1))] = (_cell(row, 2), tuple(_text(_cell(row, 3)).split(",")))
        elif key:
            values[key] = _text(_cell(row, 1))
    missing = [k for k in _META_KEYS if k not in values]
    if _META_SHEET not in sheets or missing or not expert_sheets or not layout:
        return [], [Problem(file, _META_SHEET, None, "", expected, "缺少元数据工作表或其内容")]
    if values["template_version"] != TEMPLATE_VERSION:
        return [], [Problem(file, _GUIDE_SHEET, 2 + _GUIDE_FACTS.index(_VERSION), _VERSION,
                            f"模板版本 {TEMPLATE_VERSION}", repr(values["template_version"]))]
    unknown = [p for p, (_, codes) in layout.items()
               if p not in groups or groups[p].codes != codes]
    if values["tree_sha256"] != _tree_sha256(tree) or unknown:
        return [], [Problem(file, _GUIDE_SHEET, 2 + _GUIDE_FACTS.index(_RULESET), _RULESET,
                            "按当前规则集指标体系生成的判断表（指标编码与名称一致）",
                            f"{values['ruleset_id']}@{values['ruleset_version']} 的另一指标体系")]
    experts, problems = _read_listed_sheets(
        file, expert_sheets, sheets,
        lambda sheet, rows: _read_expert_sheet(file, sheet, rows, layout, groups))
    extra = [s for s in sheets if s not in expert_sheets and s not in (_GUIDE_SHEET, _META_SHEET)]
    problems += [Problem(file, s, None, "", f"模板中的专家工作表（{'、'.join(expert_sheets)}）",
                         "模板之外的工作表") for s in extra]
    return experts, problems


def _read_expert_sheet(file: str, sheet: str, rows: list[list],
                       layout: Mapping[str, tuple[int, tuple[str, ...]]],
                       groups: Mapping[str, ComparisonMatrix]
                       ) -> tuple[_ExpertSheet, list[Problem]]:
    def at(r: int, c: int) -> object:  # 1-based Excel row and column
        return _cell(rows[r - 1], c - 1) if r - 1 < len(rows) else None

    id_row = next((r for r in range(1, _FIRST_ROW) if _text(at(r, 1)) == _EXPERT), None)
    expert_id = _text(at(id_row, 2)) if id_row else ""
    problems: list[Problem] = []
    blanks: list[Problem] = []
    records: list[tuple[str, str, str, float]] = []
    cells = 0
    for parent, (top, codes) in layout.items():
        m = groups[parent]
        header = top + 1
        labels = m.labels
        for j, label in enumerate(labels):
            if _text(at(header, 2 + j)) != label:
                problems.append(Problem(file, sheet, header, get_column_letter(2 + j),
                                        f"列指标 {label!r}（请勿修改）", repr(_text(at(header, 2 + j)))))
        for i, label in enumerate(labels):
            r = header + 1 + i
            if _text(at(r, 1)) != label:
                problems.append(Problem(file, sheet, r, get_column_letter(1),
                                        f"行指标 {label!r}（请勿修改）", repr(_text(at(r, 1)))))
            for j in range(i + 1, len(codes)):
                cells += 1
                column = f"{labels[j]}（{m.title}，{get_column_letter(2 + j)} 列）"
                value, found = _judgement(at(r, 2 + j))
                if value is not None:
                    records.append((parent, codes[i], codes[j], value))
                else:
                    (blanks if found == "空白" else problems).append(Problem(
                        file, sheet, r, column, f"{_SCALE_TEXT}（{labels[i]} 比 {labels[j]}）",
                        found))
    if blanks and len(blanks) == cells:
        blanks = [Problem(file, sheet, None, "", "每个判断矩阵上三角的判断值", "整张工作表未填写")]
    expert = _ExpertSheet(file, sheet, expert_id or sheet, id_row, not expert_id, records)
    return expert, sorted(problems + blanks, key=lambda p: (p.row is None, p.row or 0))


def _judgement(cell: object) -> tuple[float | None, str]:
    """``(a_ij, "")`` for a judgement on Saaty's scale, else ``(None, what was found)``."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None, "空白"
    if isinstance(cell, _dt.date | _dt.datetime):
        return None, (f"日期 {cell:%Y-%m-%d}（Excel 把分数当成了日期：请从下拉列表选择，"
                      f"或先把单元格设为文本再输入 1/3）")
    try:
        value = _parse_entry(cell)
    except ValueError:
        return None, repr(_text(cell))
    for scale in SAATY_VALUES.values():
        if math.isfinite(value) and abs(value / scale - 1) <= _SCALE_RTOL:
            return scale, ""
    return None, repr(_text(cell)) if isinstance(cell, str) else f"{value:g}"


# --- group AHP ----------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class GroupAHPResult:
    """Weights of an indicator tree from a panel's pairwise comparisons, unrounded.

    Attributes
    ----------
    hierarchy : HierarchyResult
        The panel's three-level hierarchy from the aggregated (AIJ) matrices; its
        ``global_weights`` are the level-3 indicators' weights (index level1, level2, leaf codes).
    experts : Mapping[str, HierarchyResult]
        Each expert's own hierarchy, from that expert's judgements.
    expert_weights : Series
        The weight of each expert in the aggregation (sum 1; equal by default).
    matrices : tuple of ComparisonMatrix
        The matrices judged.
    cr_limit : float
        The rule set's ``ahp.cr_limit``.
    ruleset : RuleSet
        The rule set whose tree was weighted (the base of :func:`write_weighted_ruleset`).
    judgements : DataFrame
        Every expert's raw judgements as given (:data:`JUDGEMENT_COLUMNS`), for the working
        papers; :attr:`judgements_sha256` identifies them.
    """

    hierarchy: HierarchyResult
    experts: Mapping[str, HierarchyResult]
    expert_weights: pd.Series
    matrices: tuple[ComparisonMatrix, ...]
    cr_limit: float
    ruleset: RuleSet
    judgements: pd.DataFrame

    @property
    def judgements_sha256(self) -> str:
        """Hash of the judgements (sorted, values as exact floats): the same panel, the same hash."""
        rows = sorted(self.judgements[JUDGEMENT_COLUMNS].astype({"value": float})
                      .itertuples(index=False, name=None), key=lambda r: tuple(map(str, r[:4])))
        text = json.dumps([[*map(str, r[:4]), float(r[4]).hex()] for r in rows],
                          ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def method(self) -> str:
        """The AHP weighting method used for every matrix."""
        return self.hierarchy.criteria.method

    def leaf_weights(self) -> pd.Series:
        """The level-3 indicators' global weights (sum 1), indexed by their codes."""
        w = self.hierarchy.global_weights
        return pd.Series(w.to_numpy(), index=w.index.get_level_values(-1), name="weight")

    def to_frame(self) -> pd.DataFrame:
        """One row per node of the tree, level by level: ``level``, ``code``, ``name``,
        ``parent``, ``local_weight`` (within its parent) and ``global_weight``."""
        leaf = self.hierarchy.global_weights
        global_weight = {**leaf.groupby(level=0, sort=False).sum().to_dict(),
                         **{k[1]: v for k, v in leaf.groupby(level=[0, 1], sort=False).sum().items()},
                         **{k[2]: v for k, v in leaf.items()}}
        results = _results(self.hierarchy, self.ruleset)
        rows = [{"level": g.level, "code": code, "name": name, "parent": g.parent,
                 "local_weight": float(results[g.parent].weights[code]),
                 "global_weight": float(global_weight[code])}
                for g in _all_groups(_tree(self.ruleset))
                for code, name in zip(g.codes, g.names, strict=True)]
        return pd.DataFrame(rows)

    def consistency(self) -> pd.DataFrame:
        """CR of every judged matrix, for the panel (``expert_id`` 群体（AIJ）) and each expert:
        ``expert_id``, ``parent``, ``matrix`` (title), ``n``, ``lambda_max``, ``ci``, ``ri``,
        ``cr``, ``consistent`` (CR < cr_limit)."""
        rows = []
        for expert, h in (("群体（AIJ）", self.hierarchy), *self.experts.items()):
            results = _results(h, self.ruleset)
            for m in self.matrices:
                r = results[m.parent]
                rows.append({"expert_id": expert, "parent": m.parent, "matrix": m.title,
                             "n": r.n, "lambda_max": r.lambda_max, "ci": r.ci, "ri": r.ri,
                             "cr": r.cr, "consistent": r.is_consistent(self.cr_limit)})
        return pd.DataFrame(rows)

    def offending(self, top: int = 3) -> pd.DataFrame:
        """The most inconsistent comparisons of every matrix with CR ≥ cr_limit.

        For a matrix with weights w the error of a judgement is
        :math:`\\varepsilon_{ij} = a_{ij} w_j / w_i` (1 when the judgement agrees with the
        weights); the ``top`` upper-triangle judgements with the largest
        :math:`|\\ln \\varepsilon_{ij}|` are listed (Saaty 2003: revise the judgement with the
        largest ε first), with the ratio ``implied`` = w_i / w_j and ``suggested``, the scale
        value nearest to it (in log distance).

        Returns
        -------
        DataFrame
            ``expert_id``, ``matrix``, ``cr``, ``row_code``, ``row``, ``column_code``,
            ``column``, ``value`` (a_ij), ``implied``, ``deviation`` (|ln ε|), ``suggested``.
        """
        columns = ["expert_id", "matrix", "cr", "row_code", "row", "column_code", "column",
                   "value", "implied", "deviation", "suggested"]
        rows = []
        for expert, h in (("群体（AIJ）", self.hierarchy), *self.experts.items()):
            results = _results(h, self.ruleset)
            for m in self.matrices:
                r = results[m.parent]
                if r.is_consistent(self.cr_limit):
                    continue
                rows += _worst(expert, m, r, top)
        return pd.DataFrame(rows, columns=columns)

    def problems(self) -> list[str]:
        """One Chinese sentence per inconsistent matrix, naming its worst comparison."""
        out = []
        for (expert, matrix, cr), worst in self.offending(top=1).groupby(
                ["expert_id", "matrix", "cr"], sort=False):
            w = worst.iloc[0]
            out.append(f"{expert}：判断矩阵“{matrix}”CR = {cr:.4f} ≥ {self.cr_limit:g}，最不一致的"
                       f"判断为“{w['row']}”比“{w['column']}”= {_scale_text(w['value'])}，按权重之比"
                       f"约为 {w['implied']:.2f}（建议 {_scale_text(w['suggested'])}）")
        return out

    def is_consistent(self) -> bool:
        """True when the panel's aggregated hierarchy passes CR < cr_limit at every matrix and
        level (individual experts may fail: see :meth:`consistency`)."""
        return self.hierarchy.is_consistent(self.cr_limit)

    def _repr_html_(self) -> str:
        verdict = "通过" if self.is_consistent() else "未通过"
        title = (f"层次分析法群体权重（{len(self.experts)} 位专家，AIJ 几何平均，{self.method}）："
                 f"一致性检验{verdict}（CR < {self.cr_limit:g}）")
        return (f"<p>{html.escape(title)}</p>"
                + self.to_frame().to_html(float_format=lambda x: f"{x:.4f}"))


def _scale_text(value: float) -> str:
    return next((t for t, v in SAATY_VALUES.items() if math.isclose(v, value)), f"{value:.4g}")


def _results(h: HierarchyResult, rs: RuleSet) -> dict[str, AHPResult]:
    """Every matrix result of a hierarchy built by :func:`_hierarchy`, keyed by parent code."""
    by_path = h.results()
    return {(GOAL if not path else path[-1]): r for path, r in by_path.items()}


def _worst(expert: str, m: ComparisonMatrix, r: AHPResult, top: int) -> list[dict[str, Any]]:
    a, w = r.matrix.to_numpy(), r.weights.to_numpy()
    i, j = np.triu_indices(len(w), k=1)
    implied = w[i] / w[j]
    deviation = np.abs(np.log(a[i, j] / implied))
    scale = np.array(list(SAATY_VALUES.values()))
    rows = []
    for k in np.argsort(-deviation, kind="stable")[:top]:
        suggested = scale[np.argmin(np.abs(np.log(scale / implied[k])))]
        rows.append({"expert_id": expert, "matrix": m.title, "cr": r.cr,
                     "row_code": m.codes[i[k]], "row": m.labels[i[k]],
                     "column_code": m.codes[j[k]], "column": m.labels[j[k]],
                     "value": float(a[i[k], j[k]]), "implied": float(implied[k]),
                     "deviation": float(deviation[k]), "suggested": float(suggested)})
    return rows


def _check_judgements(judgements: pd.DataFrame, groups: Mapping[str, ComparisonMatrix]
                      ) -> tuple[list[str], list[ComparisonMatrix]]:
    """Experts in order and the matrices judged; InputError listing every problem."""
    if not isinstance(judgements, pd.DataFrame):
        raise InputError(f"判断表应为 DataFrame (judgements: expected a DataFrame), 实际为 "
                         f"{type(judgements).__name__}")
    missing = [c for c in JUDGEMENT_COLUMNS if c not in judgements.columns]
    if missing:
        raise InputError(f"判断表缺少列 {missing} (judgements: expected columns "
                         f"{JUDGEMENT_COLUMNS})")
    problems = []
    for n, row in enumerate(judgements[JUDGEMENT_COLUMNS].itertuples(index=False), start=1):
        g = groups.get(row.parent)
        where = f"第 {n} 条判断（专家 {row.expert_id}，矩阵 {row.parent}）"
        if g is None:
            problems.append(f"{where}：应为指标体系中的上级指标编码或 {GOAL}，实际为 {row.parent!r}")
        elif row.row_code not in g.codes or row.column_code not in g.codes or (
                g.codes.index(row.row_code) >= g.codes.index(row.column_code)):
            problems.append(f"{where}：应为上三角的一对指标（{'、'.join(g.codes)}，行在列之前），"
                            f"实际为 {row.row_code!r} 比 {row.column_code!r}")
        elif not (_finite(row.value) and row.value > 0):
            problems.append(f"{where}：判断值应为正数，实际为 {row.value!r}")
    experts = list(dict.fromkeys(judgements["expert_id"]))
    if not experts:
        problems.append("判断表为空 (no judgements)")
    judged = [g for g in groups.values()
              if g.parent in set(judgements["parent"]) and len(g.codes) >= 2]
    needed = [g for g in groups.values() if g.level <= 2 and len(g.codes) >= 2]
    for g in needed + [g for g in judged if g.level == 3]:
        pairs = {(g.codes[i], g.codes[j]) for i in range(len(g.codes))
                 for j in range(i + 1, len(g.codes))}
        for expert in experts:
            own = judgements[(judgements["expert_id"] == expert) & (judgements["parent"] == g.parent)]
            got = list(zip(own["row_code"], own["column_code"], strict=True))
            lacking = sorted(pairs - set(got))
            twice = sorted({p for p in got if got.count(p) > 1})
            if lacking:
                problems.append(f"专家 {expert}，判断矩阵“{g.title}”：缺少 "
                                f"{'、'.join(f'{a} 比 {b}' for a, b in lacking)} 的判断")
            if twice:
                problems.append(f"专家 {expert}，判断矩阵“{g.title}”："
                                f"{'、'.join(f'{a} 比 {b}' for a, b in twice)} 的判断重复")
    if problems:
        raise InputError("判断表无法用于层次分析 (judgements cannot be used):\n"
                         + "\n".join(f"  {p}" for p in problems))
    return experts, sorted(judged, key=lambda g: g.level)


def _matrix(g: ComparisonMatrix, upper: Mapping[tuple[str, str], float]) -> pd.DataFrame:
    n = len(g.codes)
    a = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            a[i, j] = upper[(g.codes[i], g.codes[j])]
            a[j, i] = 1 / a[i, j]
    return pd.DataFrame(a, index=list(g.codes), columns=list(g.codes))


def _hierarchy(tree: IndicatorTree, matrices: Mapping[str, pd.DataFrame], method: str,
               ri: Any) -> HierarchyResult:
    """The three-level hierarchy: judged matrices where given, else [[1]] for a single child
    and the framework's point shares for unjudged level-3 groups."""
    def judged_or_single(node_code: str, children: Sequence[Indicator]) -> pd.DataFrame:
        if node_code in matrices:
            return matrices[node_code]
        codes = [c.code for c in children]
        return pd.DataFrame(np.ones((1, 1)), index=codes, columns=codes)

    leaves: dict[tuple[str, str], pd.DataFrame | pd.Series] = {}
    for l1 in tree.roots:
        for l2 in l1.children:
            points = pd.Series({leaf.code: leaf.weight for leaf in l2.children}, dtype=float)
            leaves[(l1.code, l2.code)] = matrices.get(l2.code, points)
    return ahp_hierarchy(judged_or_single(GOAL, tree.roots),
                         {l1.code: judged_or_single(l1.code, l1.children) for l1 in tree.roots},
                         leaves=leaves, method=method, ri=ri)


def group_ahp(judgements: pd.DataFrame, *, ruleset: RuleSet | str = "national",
              method: Literal["eigen", "geometric", "arithmetic"] = "eigen",
              expert_weights: Mapping[str, float] | pd.Series | None = None) -> GroupAHPResult:
    """AHP weights of the key-project indicator tree from a panel, per expert and aggregated.

    Parameters
    ----------
    judgements : DataFrame
        :data:`JUDGEMENT_COLUMNS`, as :func:`read_ahp_workbooks` returns: every expert must judge
        every level-1 and level-2 matrix of the tree (groups of one need none); level-3 matrices
        are optional, per level-2 indicator, and must then be judged by every expert.
    ruleset : RuleSet or str
        Supplies the tree (``keyproject.framework``), the RI table (``ahp.ri``) and the CR limit
        (``ahp.cr_limit``).
    method : {"eigen", "geometric", "arithmetic"}
        The weighting method of every matrix (:func:`evalkit.weights.ahp`).
    expert_weights : mapping expert → weight, optional
        Weights of the experts in the aggregation (renormalised); equal by default.

    Returns
    -------
    GroupAHPResult

    Raises
    ------
    InputError
        Listing every unusable judgement, missing or repeated comparison, and unknown expert in
        ``expert_weights``.

    Warns
    -----
    EvalkitWarning
        Naming every matrix with CR ≥ the limit (an expert's or the panel's) and its most
        inconsistent judgement.

    Notes
    -----
    **Aggregation of individual judgements (AIJ)**: with m experts of weights ω_k (Σ ω_k = 1),
    the panel's judgement is the weighted geometric mean

    .. math:: a^G_{ij} = \\prod_{k=1}^{m} \\left(a^{(k)}_{ij}\\right)^{\\omega_k},

    which, unlike the arithmetic mean, keeps the matrix reciprocal (a^G_ji = 1 / a^G_ij) and is
    the method of choice when the panel acts as one decision maker (Forman & Peniwati 1998;
    Aczél & Saaty 1983). The panel's matrices are then weighted like any other and synthesised
    down the tree: the global weight of a level-3 indicator is the product of the local weights
    on its path (:func:`evalkit.weights.ahp_hierarchy`). Level-3 indicators without judgements
    keep the framework's point shares within their level-2 indicator.

    References
    ----------
    .. [1] Forman, E., & Peniwati, K. (1998). Aggregating individual judgments and priorities
       with the analytic hierarchy process. *European Journal of Operational Research*, 108(1),
       165–169.
    .. [2] Aczél, J., & Saaty, T. L. (1983). Procedures for synthesizing ratio judgements.
       *Journal of Mathematical Psychology*, 27(1), 93–102.
    .. [3] Saaty, T. L. (2003). Decision-making with the AHP: why is the principal eigenvector
       necessary. *European Journal of Operational Research*, 145(1), 85–91.

    Examples
    --------
    Two experts whose level-1 judgements are the ratios of (8, 2, 2, 1) and of (4, 4, 2, 1):
    the panel's matrix holds the ratios of their geometric mean (√32, √8, 2, 1).

    >>> own = {"甲": (8, 2, 2, 1), "乙": (4, 4, 2, 1)}
    >>> pairs = [("A", "B"), ("A", "C"), ("A", "D"), ("B", "C"), ("B", "D"), ("C", "D")]
    >>> rows = [(e, "总目标", r, c, w["ABCD".index(r)] / w["ABCD".index(c)])
    ...         for e, w in own.items() for r, c in pairs]
    >>> rows += [(e, p, r, c, 1.0) for e in own for p, r, c in (
    ...     ("A", "A1", "A2"), ("A", "A1", "A3"), ("A", "A2", "A3"), ("B", "B1", "B2"),
    ...     ("C", "C1", "C2"), ("C", "C1", "C3"), ("C", "C1", "C4"), ("C", "C2", "C3"),
    ...     ("C", "C2", "C4"), ("C", "C3", "C4"))]
    >>> res = group_ahp(pd.DataFrame(rows, columns=JUDGEMENT_COLUMNS))
    >>> float(res.hierarchy.criteria.matrix.loc["A", "B"])  # √(4 × 1)
    2.0
    >>> res.hierarchy.criteria.weights.round(4).tolist()
    [0.4925, 0.2463, 0.1741, 0.0871]
    >>> res.is_consistent()
    True
    """
    rs = load_ruleset(ruleset)
    tree = _tree(rs)
    groups = {g.parent: g for g in _all_groups(tree)}
    experts, judged = _check_judgements(judgements, groups)
    omega = _expert_weights(experts, expert_weights)
    log_upper: dict[str, dict[tuple[str, str], float]] = {}
    per_expert: dict[str, dict[str, pd.DataFrame]] = {}
    for expert in experts:
        own = judgements[judgements["expert_id"] == expert]
        matrices = {}
        for g in judged:
            rows = own[own["parent"] == g.parent]
            upper = {(r, c): float(v) for r, c, v in
                     zip(rows["row_code"], rows["column_code"], rows["value"], strict=True)}
            matrices[g.parent] = _matrix(g, upper)
            pooled = log_upper.setdefault(g.parent, {})
            for pair, v in upper.items():
                pooled[pair] = pooled.get(pair, 0.0) + omega[expert] * math.log(v)
        per_expert[expert] = matrices
    ahp_rules = rs.section("ahp")
    aggregated = {g.parent: _matrix(g, {p: math.exp(s) for p, s in log_upper[g.parent].items()})
                  for g in judged}
    result = GroupAHPResult(
        hierarchy=_hierarchy(tree, aggregated, method, ahp_rules["ri"]),
        experts=MappingProxyType({e: _hierarchy(tree, m, method, ahp_rules["ri"])
                                  for e, m in per_expert.items()}),
        expert_weights=omega, matrices=tuple(judged), cr_limit=float(ahp_rules["cr_limit"]),
        ruleset=rs, judgements=judgements[JUDGEMENT_COLUMNS].copy())
    for sentence in result.problems():
        warnings.warn(sentence, EvalkitWarning, stacklevel=2)
    return result


def _expert_weights(experts: list[str],
                    given: Mapping[str, float] | pd.Series | None) -> pd.Series:
    if given is None:
        return pd.Series(1 / len(experts), index=experts, name="weight")
    series = pd.Series(given, dtype=object)
    unknown = [e for e in series.index if e not in experts]
    lacking = [e for e in experts if e not in series.index]
    bad = [e for e, v in series.items()
           if not (isinstance(v, int | float) and math.isfinite(v) and v > 0)]
    if unknown or lacking or bad:
        raise InputError(f"专家权重应为每位专家（{'、'.join(experts)}）各一个正数，实际缺少 "
                         f"{lacking}、多出 {unknown}、非正数 {bad} (expert_weights: expected one "
                         f"positive weight per expert)")
    values = series.reindex(experts).astype(float)
    return (values / values.sum()).rename("weight")


# --- objective weights and the rule-set file ------------------------------------------------------

def portfolio_ratios(dataset: Any, *, ruleset: RuleSet | str = "national") -> pd.DataFrame:
    """The scoring ratio of every framework indicator for every key project of a dataset.

    Parameters
    ----------
    dataset : Dataset, str or Path
        Anything :func:`evalkit.io.load_dataset` takes; the key projects are those the
        ``key_project_evaluation`` report type applies to.
    ruleset : RuleSet or str

    Returns
    -------
    DataFrame
        One row per key project (index ``project_id``), one column per level-3 indicator code,
        the ratio r ∈ [0, 1] of :func:`evalkit.stages.keyproject.assess` (higher is better), the
        input of :func:`evalkit.weights.entropy_weights` or :func:`~evalkit.weights.critic_weights`.

    Raises
    ------
    InputError
        When the dataset has fewer than two key projects, or an indicator is not applicable to
        some project (its ratio does not exist), naming the projects and indicators.

    Notes
    -----
    The evaluations' own :class:`~evalkit.errors.EvalkitWarning` (small surveys, dropped
    answers …) concern each project's report, not the weights, and are not repeated here.
    """
    from evalkit.io import load_dataset
    from evalkit.registry import get
    from evalkit.stages import keyproject

    rs = load_ruleset(ruleset)
    ds = load_dataset(dataset, rs)
    ids = get("key_project_evaluation").subjects(ds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        sheets = {pid: keyproject.evaluate(ds, pid, ruleset=rs).sheet.set_index("code")
                  for pid in ids}
    if len(sheets) < 2:
        raise InputError(f"组合赋权需要至少 2 个重点评价项目，实际 {len(sheets)} 个 (objective "
                         f"weights need at least 2 key projects)")
    gaps = [f"{pid} 的 {code}" for pid, s in sheets.items() for code in s.index[~s["applicable"]]]
    if gaps:
        raise InputError(f"以下指标不适用，无法计算客观权重：{'、'.join(gaps)} (indicators not "
                         f"applicable in every project)")
    frame = pd.DataFrame({pid: s["ratio"].astype(float) for pid, s in sheets.items()}).T
    return frame.rename_axis(index="project_id", columns="code")


_OBJECTIVE_NAMES = {"entropy": "熵权法", "critic": "CRITIC 法"}


def write_weighted_ruleset(result: GroupAHPResult, path: str | Path, *,
                           objective: Literal["entropy", "critic"] | None = None,
                           ratios: pd.DataFrame | None = None,
                           combine: Literal["multiplicative", "linear"] = "linear",
                           alpha: float = 0.5,
                           allow_inconsistent: bool = False) -> RuleSet:
    """Write a rule set whose key-project framework carries the panel's weights, and load it.

    Parameters
    ----------
    result : GroupAHPResult
        From :func:`group_ahp`; its rule set is copied and only ``keyproject.framework`` points,
        ``id``, ``version``, ``description`` and a ``weights_provenance`` record change.
    path : str or Path
        The YAML file to write (atomically).
    objective : {"entropy", "critic"}, optional
        Combine the AHP weights of the level-3 indicators with objective weights from
        ``ratios`` (:func:`evalkit.weights.entropy_weights` with min–max normalisation, or
        :func:`~evalkit.weights.critic_weights`; every ratio is a benefit indicator).
    ratios : DataFrame, optional
        Projects × level-3 codes, e.g. :func:`portfolio_ratios`; required with ``objective``.
    combine, alpha
        As for :func:`evalkit.weights.combine_weights`; the linear default (α = 0.5) keeps an
        indicator on which every project scores alike, which the multiplicative rule would
        drop to 0 points.
    allow_inconsistent : bool, default False
        Write even when the panel's aggregated matrices fail CR < ``ahp.cr_limit``.

    Returns
    -------
    RuleSet
        The written file, loaded and validated by :func:`evalkit.rules.load_ruleset`.

    Raises
    ------
    InconsistentMatrixError
        When the panel's hierarchy is not consistent (and ``allow_inconsistent`` is False), naming
        the offending comparisons.
    InputError
        An objective without ratios, ratios whose columns are not the level-3 codes, or as for
        the weighting functions.

    Notes
    -----
    With T the framework's total points and g_k the final global weight of level-3 indicator k,
    its points are T g_k; a level-2 or level-1 indicator gets the sum of its leaves. Points are
    written unrounded.
    """
    if not allow_inconsistent and not result.is_consistent():
        h = result.hierarchy
        levels = (f"组合一致性比率 CR = {h.cr:.4f}，三级 CR = {h.leaf_cr:.4f}")
        raise InconsistentMatrixError(
            f"专家组判断未通过一致性检验（CR < {result.cr_limit:g}；{levels}），未写出规则集 "
            f"(the panel's judgements are not consistent):\n"
            + "\n".join(f"  {p}" for p in result.problems() if p.startswith("群体"))
            + "\n请专家修改上述判断后重新读取，或明确接受（allow_inconsistent / "
              "--allow-inconsistent）")
    subjective = result.leaf_weights()
    final, objective_record = subjective, None
    if objective is not None:
        if ratios is None:
            raise InputError("组合赋权需要项目得分率表 (objective weights need ratios)")
        if sorted(map(str, ratios.columns)) != sorted(subjective.index):
            raise InputError(f"得分率表的列应为三级指标编码 {list(subjective.index)}，实际为 "
                             f"{list(ratios.columns)} (ratios: expected one column per level-3 "
                             f"indicator)")
        weigh = {"entropy": entropy_weights, "critic": critic_weights}[objective]
        objective_weights = weigh(ratios[list(subjective.index)])
        final = combine_weights(subjective, objective_weights, method=combine, alpha=alpha)
        objective_record = {"method": objective, "combine": combine, "alpha": alpha,
                            "projects": [str(p) for p in ratios.index],
                            "weights": {k: float(v) for k, v in objective_weights.items()}}
    base = result.ruleset
    data = _plain(base.data)
    framework = data["keyproject"]["framework"]
    total = sum(float(n["weight"]) for n in framework)
    for l1 in framework:
        for l2 in l1["children"]:
            for leaf in l2["children"]:
                leaf["weight"] = float(total * final[str(leaf["code"])])
            l2["weight"] = float(sum(leaf["weight"] for leaf in l2["children"]))
        l1["weight"] = float(sum(l2["weight"] for l2 in l1["children"]))
    experts = list(result.experts)
    data["id"] = f"{base.id}+ahp"
    data["version"] = f"{base.version}+ahp.{result.judgements_sha256[:8]}"
    combined = f"，并与{_OBJECTIVE_NAMES[objective]}客观权重组合" if objective else ""
    data["description"] = (f"{base.description} 重点项目评价指标权重由 {len(experts)} 位专家的层次"
                           f"分析法两两比较判断（AIJ 几何平均）得出{combined}。")
    data["weights_provenance"] = {
        "base_ruleset": base.to_record(), "method": f"AHP {result.method}",
        "aggregation": "AIJ weighted geometric mean (Forman & Peniwati 1998)",
        "experts": {e: float(w) for e, w in result.expert_weights.items()},
        "judgements_sha256": result.judgements_sha256,
        "cr": {m.title: float(_results(result.hierarchy, base)[m.parent].cr)
               for m in result.matrices},
        "combined_cr": float(result.hierarchy.cr), "leaf_cr": float(result.hierarchy.leaf_cr),
        "consistent": bool(result.is_consistent()),
        "subjective": {k: float(v) for k, v in subjective.items()},
        "objective": objective_record,
    }
    text = ("# 由 evalkit 根据专家两两比较判断生成（evalkit weights）；权重为未舍入的分值\n"
            + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100))
    path = Path(path)
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    return load_ruleset(path)


def _plain(node: Any) -> Any:
    """A rule set's read-only data as plain dicts and lists (for copying and YAML)."""
    if isinstance(node, Mapping):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_plain(v) for v in node]
    return node
