"""Expert score workbooks for ex-ante assessment: write a ready-to-fill template, read it back.

:func:`write_expert_template` writes one ``.xlsx`` workbook per project: a 说明 sheet (project,
rule set, how to fill in), **one sheet per expert** with the rule set's sub-items, their points and
scoring guidance, and a hidden metadata sheet ``_evalkit``. :func:`read_expert_workbooks` reads one
or several filled workbooks (one per expert, or one holding the whole panel) into the canonical long
``expert_scores`` table (:data:`evalkit.schemas.EXPERT_SCORES`).

Layout of an expert sheet (rows as Excel shows them)::

    1       事前绩效评估专家评分表
    2–5     项目编码 · 项目名称 · 专家姓名/编号 (to fill) · 评审日期 (to fill)
    7       评分项编码 | 评估维度 | 评分项 | 分值 | 评分指引 | 得分 | 意见
    8 …     the sub-items dimension by dimension, a 小计 row after each dimension, a 合计 row

Conventions (judgement calls):

- Only the yellow cells (得分, 意见, 专家姓名/编号, 评审日期) are unlocked; sheets and the workbook
  structure are protected **without a password**, to stop accidents, not to enforce anything.
- Data validation in Excel does not stop pasted values, so the reader checks every cell again.
- A score may be typed as a plain number or with the unit 分 (``8分`` is read as 8: unambiguous and
  common); anything else that is not a number (``九``, ``8-9``, ``约8``, ``80%``) is an error.
- The expert id is the 专家姓名/编号 cell when filled, else the sheet name. When ``expert_ids`` are
  given, the cell is pre-filled with the id, so an id changed by sheet-name rules still round-trips.
- 小计/合计 rows hold our formulas, not data: the reader skips them (blank code, 评分项 小计/合计).
- A sheet whose scores are all blank is reported once ("整张工作表未填写"), not once per item.
- Problems with the workbook as a whole (another project, another rule set, an unknown template
  version) are reported at the 说明 line that displays the same fact; the check itself reads the
  hidden ``_evalkit`` sheet. The sheets of such a workbook are not read further.
- Text written from data (project id and name, expert ids, rule-set text) that Excel would read
  as a formula is stored as a string cell with the quote-prefix style: shown as typed, never
  run. The reader also drops the apostrophe that workbooks written by earlier versions put
  before such text (:func:`evalkit.io.neutralize_formula`).
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral
from os import PathLike
from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from evalkit.errors import DatasetError, InputError, Problem
from evalkit.io import atomic_write, neutralize_formula
from evalkit.rules import RuleSet, load_ruleset
from evalkit.schemas import EXPERT_SCORES
from evalkit.values import normalize_text, parse_value
from evalkit.workbook import FORMULA_PREFIXES

#: Layout version written into every template; the reader accepts only the versions it knows.
TEMPLATE_VERSION = "exante-1"

_GUIDE_SHEET = "说明"
_META_SHEET = "_evalkit"
_TITLE = "事前绩效评估专家评分表"
_INSTRUCTION = "在“得分”列填写 0 至该项分值之间的数字，可填写意见；请勿修改评分项编码、分值和工作表名称"
_MORE_INSTRUCTIONS = (
    "每位专家填写自己的工作表，并在“专家姓名/编号”处填写姓名或编号（不填则以工作表名称为专家编号）",
    "黄色单元格可填写；其余单元格已锁定（工作表保护，无密码），以免误改评分项编码和分值",
    "小计、合计行由公式自动计算，无须填写",
    "填写完成后按 .xlsx 格式保存交回",
)

_PROJECT, _PROJECT_NAME, _EXPERT, _DATE = "项目编码", "项目名称", "专家姓名/编号", "评审日期"
_RULESET, _VERSION = "规则集", "模板版本"
#: Facts shown on the 说明 sheet, one per row from row 2, in this order.
_GUIDE_FACTS = (_PROJECT, _PROJECT_NAME, _RULESET, "专家人数", "专家工作表", _VERSION)
_TITLE_LABELS = (_PROJECT, _PROJECT_NAME, _EXPERT, _DATE)
_FILLED_LABELS = (_EXPERT, _DATE)
_CODE, _DIMENSION, _NAME, _POINTS, _GUIDANCE, _SCORE, _COMMENT = (
    "评分项编码", "评估维度", "评分项", "分值", "评分指引", "得分", "意见")
_HEADERS = (_CODE, _DIMENSION, _NAME, _POINTS, _GUIDANCE, _SCORE, _COMMENT)
_READ_HEADERS = (_CODE, _POINTS, _SCORE, _COMMENT)
_DIMENSION_COL, _NAME_COL, _POINTS_COL, _GUIDANCE_COL, _SCORE_COL = (
    _HEADERS.index(h) + 1 for h in (_DIMENSION, _NAME, _POINTS, _GUIDANCE, _SCORE))
_WIDTHS = (12, 14, 22, 7, 52, 9, 40)
_SUBTOTAL, _TOTAL = "小计", "合计"
_HEADER_ROW = len(_TITLE_LABELS) + 3  # title, the labels, one blank row

_META_KEYS = ("template_version", "project_id", "project_name", "ruleset_id", "ruleset_version",
              "ruleset_sha256")
_META_SHEET_KEY = "expert_sheet"

#: Excel's rules for sheet names (Microsoft, "Rename a worksheet").
_SHEET_NAME_MAX = 31
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})
_RESERVED_SHEETS = (_GUIDE_SHEET, _META_SHEET, "History")

_SCORE_UNITS = ("", "分")

_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_SUM_FILL = PatternFill("solid", fgColor="F2F2F2")
_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)


# --- writing -----------------------------------------------------------------------------------

def write_expert_template(
    path: str | Path,
    *,
    project_id: str,
    project_name: str = "",
    experts: int | None = None,
    ruleset: RuleSet | str = "national",
    expert_ids: Sequence[str] | None = None,
) -> Path:
    """Write a ready-to-fill ex-ante expert scoring workbook for one project.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file to write. It is written atomically: on failure no partial file is left
        and an existing file is kept.
    project_id : str
        The project's code, recorded in the workbook and checked when it is read back.
    project_name : str, optional
        Shown to the experts.
    experts : int, optional
        Number of expert sheets, named 专家01, 专家02 …; default 5, or ``len(expert_ids)``.
    ruleset : RuleSet or str, default "national"
        The rule set whose ``exante.items`` (sub-items, points, guidance) the experts score.
    expert_ids : sequence of str, optional
        Name the sheets after these ids instead (made valid sheet names: at most 31 characters,
        ``[]:*?/\\`` replaced by ``_``) and pre-fill each sheet's 专家姓名/编号 cell with the id.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InputError
        A blank project id, a path not ending in ``.xlsx``, fewer than one expert, ``experts`` and
        ``expert_ids`` disagreeing, or expert ids that are blank or clash as sheet names.

    Notes
    -----
    Each expert sheet lists the rule set's sub-items dimension by dimension (in the order of
    ``exante.dimensions``, items in rule-set order), with a 小计 row per dimension and a 合计 row (``SUM`` formulas). Every 得分 cell of an item worth ``p`` points carries a
    data validation ``0 ≤ 得分 ≤ p`` (decimal) with an input prompt and the error message
    ``得分须在 0 至 p 之间``. The hidden (``veryHidden``) sheet ``_evalkit`` records the template
    version, project, rule set id, version and sha256, and the expert sheets with their ids.

    References
    ----------
    DOMAIN.md §4 (ex-ante dimensions, expert panels); Microsoft Support, "Rename a worksheet"
    (sheet-name rules).

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import load_workbook
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write_expert_template(Path(tmp) / "P001.xlsx", project_id="P001",
    ...                                  project_name="高效节水灌溉项目", experts=2)
    ...     wb = load_workbook(path)
    >>> wb.sheetnames, wb["专家01"]["A8"].value, wb["专家01"]["D8"].value
    (['说明', '专家01', '专家02', '_evalkit'], 'A1', 6)
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(f"{path}: expected a file name ending in .xlsx, found {path.suffix!r}")
    project_id = normalize_text(project_id)
    if not project_id:
        raise InputError("project_id: expected a project code, found a blank")
    rs = load_ruleset(ruleset)
    sheets = _expert_sheets(experts, expert_ids)
    wb = _build_workbook(project_id, normalize_text(project_name), rs, sheets)
    return atomic_write(path, wb.save)


def _expert_sheets(experts: int | None, expert_ids: Sequence[str] | None) -> dict[str, str]:
    """Sheet name → pre-filled expert id ("" when the expert fills it in)."""
    if expert_ids is None:
        count = 5 if experts is None else experts
        if isinstance(count, bool) or not isinstance(count, Integral) or count < 1:
            raise InputError(f"experts: expected a whole number ≥ 1, found {count!r}")
        return {f"专家{i:02d}": "" for i in range(1, int(count) + 1)}
    ids = [normalize_text(e) for e in expert_ids]
    if experts is not None and experts != len(ids):
        raise InputError(f"experts: expected {len(ids)} (the number of expert_ids) or nothing, "
                         f"found {experts!r}")
    if not ids:
        raise InputError("expert_ids: expected at least one expert id, found none")
    sheets: dict[str, str] = {}
    taken: dict[str, str] = {}
    for expert_id in ids:
        name = _sheet_name(expert_id)
        clash = taken.get(name.casefold())
        if clash is not None or name.casefold() in (r.casefold() for r in _RESERVED_SHEETS):
            raise InputError(f"expert_ids: expected ids that make distinct sheet names, found "
                             f"{expert_id!r} → sheet {name!r}, taken by "
                             f"{clash if clash is not None else 'the template'!r}")
        taken[name.casefold()] = expert_id
        sheets[name] = expert_id
    return sheets


def _sheet_name(expert_id: str) -> str:
    """A valid Excel sheet name for an expert id (≤ 31 characters, no ``[]:*?/\\``)."""
    name = expert_id.translate(_SHEET_NAME_FORBIDDEN)[:_SHEET_NAME_MAX].strip().strip("'").strip()
    if not name:
        raise InputError(f"expert_ids: expected an id usable as a sheet name, found {expert_id!r}")
    return name


def _build_workbook(project_id: str, project_name: str, rs: RuleSet,
                    sheets: Mapping[str, str]) -> Workbook:
    wb = Workbook()
    _write_guide(wb.active, project_id, project_name, rs, list(sheets))
    for sheet, expert_id in sheets.items():
        _write_expert_sheet(wb.create_sheet(sheet), project_id, project_name, expert_id, rs)
    values = (TEMPLATE_VERSION, project_id, project_name, rs.id, rs.version, rs.sha256)
    _finish(wb, f"{_TITLE} {project_id}", [
        *zip(_META_KEYS, values, strict=True),
        *((_META_SHEET_KEY, sheet, expert_id) for sheet, expert_id in sheets.items())])
    return wb


def _finish(wb: Workbook, title: str, metadata: Sequence[Sequence[object]]) -> None:
    """Add the hidden metadata sheet (one record per row), open on the first sheet, and lock the
    workbook's structure (no password: against accidents)."""
    ws = wb.create_sheet(_META_SHEET)
    for row, cells in enumerate(metadata, start=1):
        for column, value in enumerate(cells, start=1):
            _put(ws, row, column, value)
    ws.sheet_state = "veryHidden"
    _protect(ws)
    wb.active = 0
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.title, wb.properties.creator = title, "evalkit"


def _put(ws: Worksheet, row: int, column: int, value: object, **style: object) -> Cell:
    """Write one cell (formula-like text as a quote-prefixed string cell: shown as typed, never
    run) and set openpyxl style attributes."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type, cell.quotePrefix = "s", True
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _protect(ws: Worksheet) -> None:
    """Lock the sheet without a password; experts may still resize rows and columns."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _write_guide(ws: Worksheet, project_id: str, project_name: str, rs: RuleSet,
                 sheets: list[str]) -> None:
    ws.title = _GUIDE_SHEET
    facts = (project_id, project_name, rs.label, len(sheets), "、".join(sheets), TEMPLATE_VERSION)
    _put(ws, 1, 1, f"{_TITLE} — 填写说明", font=Font(bold=True, size=14))
    for row, (label, value) in enumerate(zip(_GUIDE_FACTS, facts, strict=True), start=2):
        _put(ws, row, 1, label, font=Font(bold=True))
        _put(ws, row, 2, value, alignment=Alignment(horizontal="left", wrap_text=True))
    first = len(_GUIDE_FACTS) + 3
    _put(ws, first, 1, "填写方法", font=Font(bold=True))
    for i, text in enumerate((_INSTRUCTION, *_MORE_INSTRUCTIONS)):
        _put(ws, first + i, 2, f"{i + 1}. {text}", alignment=_WRAP)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 90
    _protect(ws)


def _write_expert_sheet(ws: Worksheet, project_id: str, project_name: str, expert_id: str,
                        rs: RuleSet) -> None:
    _write_title_block(ws, project_id, project_name, expert_id)
    _add_score_validations(ws, _write_items(ws, rs))
    for column, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = ws.cell(row=_HEADER_ROW + 1, column=1)
    ws.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _protect(ws)


def _write_title_block(ws: Worksheet, project_id: str, project_name: str, expert_id: str) -> None:
    _put(ws, 1, 1, _TITLE, font=Font(bold=True, size=14))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(_HEADERS))
    values = {_PROJECT: project_id, _PROJECT_NAME: project_name, _EXPERT: expert_id, _DATE: None}
    for row, label in enumerate(_TITLE_LABELS, start=2):
        _put(ws, row, 1, label, font=Font(bold=True))
        cell = _put(ws, row, 2, values[label] or None, alignment=Alignment(horizontal="left"))
        if label in _FILLED_LABELS:
            cell.protection, cell.fill = _UNLOCKED, _INPUT_FILL
        if label == _DATE:
            cell.number_format = "yyyy-mm-dd"
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=_GUIDANCE_COL)


def _write_items(ws: Worksheet, rs: RuleSet) -> dict[int, float]:
    """Header, item rows by dimension, 小计 and 合计 rows; return Excel row → points of 得分."""
    for column, header in enumerate(_HEADERS, start=1):
        _put(ws, _HEADER_ROW, column, header, font=Font(bold=True), fill=_HEADER_FILL,
             border=_BOX, alignment=Alignment(horizontal="center", vertical="center"))
    exante = rs.section("exante")
    score_rows: dict[int, float] = {}
    subtotals: list[int] = []
    row = _HEADER_ROW + 1
    for dimension in (d["dimension"] for d in exante["dimensions"]):
        first = row
        for item in (it for it in exante["items"] if it["dimension"] == dimension):
            _write_item_row(ws, row, item)
            score_rows[row] = float(item["points"])
            row += 1
        _write_sum_row(ws, row, dimension, _SUBTOTAL, f"=SUM({{c}}{first}:{{c}}{row - 1})")
        subtotals.append(row)
        row += 1
    _write_sum_row(ws, row, None, _TOTAL, "=" + "+".join(f"{{c}}{r}" for r in subtotals))
    return score_rows


def _write_item_row(ws: Worksheet, row: int, item: Mapping[str, object]) -> None:
    values = (item["item_id"], item["dimension"], item["name"], item["points"],
              item.get("guidance", ""), None, None)
    for column, (header, value) in enumerate(zip(_HEADERS, values, strict=True), start=1):
        cell = _put(ws, row, column, value, border=_BOX, alignment=_WRAP)
        if header in (_SCORE, _COMMENT):
            cell.protection, cell.fill = _UNLOCKED, _INPUT_FILL
    ws.row_dimensions[row].height = _row_height(values)


def _write_sum_row(ws: Worksheet, row: int, dimension: str | None, label: str,
                   formula: str) -> None:
    """A 小计 or 合计 row; ``formula`` has ``{c}`` where the column letter goes (分值 and 得分)."""
    for column in range(1, len(_HEADERS) + 1):
        value = {_DIMENSION_COL: dimension, _NAME_COL: label}.get(column)
        cell = _put(ws, row, column, value, font=Font(bold=True), fill=_SUM_FILL, border=_BOX)
        if column in (_POINTS_COL, _SCORE_COL):
            cell.value = formula.format(c=get_column_letter(column))  # ours: not neutralised


def _row_height(values: Sequence[object]) -> float:
    """Points needed to show the wrapped texts of one row (a CJK character is two width units)."""
    lines = max(math.ceil(2 * len(str(v or "")) / (width - 1))
                for v, width in zip(values, _WIDTHS, strict=True))
    return 15.0 * max(lines, 1) + 3


def _add_score_validations(ws: Worksheet, score_rows: Mapping[int, float]) -> None:
    """One decimal validation [0, points] per distinct points value, covering its 得分 cells."""
    letter = get_column_letter(_SCORE_COL)
    for points in sorted(set(score_rows.values())):
        dv = DataValidation(
            type="decimal", operator="between", formula1="0", formula2=f"{points:g}",
            allow_blank=True, showErrorMessage=True, showInputMessage=True,
            errorTitle="得分超出范围", error=f"得分须在 0 至 {points:g} 之间",
            promptTitle="得分", prompt=f"本项分值 {points:g} 分，请填写 0 至 {points:g} 之间的数字")
        for row in (r for r, p in score_rows.items() if p == points):
            dv.add(f"{letter}{row}")
        ws.add_data_validation(dv)


# --- reading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Metadata:
    """What the hidden ``_evalkit`` sheet says about a workbook."""

    values: Mapping[str, str]
    sheets: Mapping[str, str]  # expert sheet name → pre-filled expert id


@dataclass(frozen=True)
class _ExpertSheet:
    """One expert's scores read from one sheet, and where the expert id was read."""

    file: str
    sheet: str
    expert_id: str
    id_row: int | None  # the 专家姓名/编号 row (None if the label was removed)
    from_sheet_name: bool
    records: list[tuple[str, float, float, str]]  # (item_id, score, points, comment)


def read_expert_workbooks(
    paths: str | PathLike[str] | Iterable[str | PathLike[str]],
    *,
    ruleset: RuleSet | str = "national",
    project_id: str | None = None,
) -> pd.DataFrame:
    """Read filled expert workbooks into the long ``expert_scores`` table, checking every cell.

    Parameters
    ----------
    paths : path or iterable of paths
        One workbook holding the whole panel, or several (for example one per expert), all written
        by :func:`write_expert_template` for the same project; merged in the order given.
    ruleset : RuleSet or str, default "national"
        Must be the rule set the templates were written with (checked by sha256).
    project_id : str, optional
        The project the workbooks must belong to; by default the first workbook's project.

    Returns
    -------
    pandas.DataFrame
        Columns ``project_id, expert_id, item_id, score, points, comment`` (``points``: the
        item's 分值 the expert scored against, checked equal to the rule set's): one row per
        expert and sub-item, experts in file and sheet order, items in sheet order. ``comment`` is ``""``
        when none was written; scores are unrounded floats.

    Raises
    ------
    DatasetError
        Listing every problem in every file at once, each with file, sheet, Excel row, column
        header, what was expected and what was found: a blank, non-numeric or out-of-range score;
        a deleted, duplicated or unknown item row; a changed 分值; a missing or extra expert sheet;
        an expert appearing twice (in one file or across files); a workbook of another project,
        of another rule set, or not written by evalkit; a file that cannot be opened.
    InputError
        When ``paths`` is empty.

    Notes
    -----
    A score is a number, optionally followed by the unit 分 (``8分`` → 8), with
    ``0 ≤ score ≤ points`` of its item. The expert id is the 专家姓名/编号 cell when filled, else the
    sheet name. 小计 and 合计 rows are skipped. A sheet with every score blank is one problem.

    References
    ----------
    DOMAIN.md §4 (keep every expert's raw score); STYLE.md convention 5 (report all failures at
    once, located as Excel shows them).

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import load_workbook
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write_expert_template(Path(tmp) / "P001.xlsx", project_id="P001", experts=1)
    ...     wb = load_workbook(path)
    ...     for code, _, _, points, _, score, _ in wb["专家01"].iter_rows(min_row=8):
    ...         score.value = points.value if code.value else None  # full marks
    ...     wb.save(path)
    ...     scores = read_expert_workbooks(path)
    >>> scores.shape, float(scores["score"].sum()), scores["expert_id"].iat[0]
    ((15, 6), 100.0, '专家01')
    """
    paths = [paths] if isinstance(paths, (str, PathLike)) else list(paths)
    if not paths:
        raise InputError("paths: expected at least one expert workbook, found none")
    rs = load_ruleset(ruleset)
    project_id = None if project_id is None else normalize_text(project_id)
    problems: list[Problem] = []
    experts: list[_ExpertSheet] = []
    for path in map(Path, paths):
        project, found, more = _read_workbook(path, rs, project_id)
        project_id = project if project_id is None else project_id
        experts += found
        problems += more
    problems += _duplicate_experts(experts)
    if problems:
        raise DatasetError(problems)
    return _to_frame(experts, project_id)


def _read_workbook(path: Path, rs: RuleSet, project_id: str | None
                   ) -> tuple[str | None, list[_ExpertSheet], list[Problem]]:
    """Read one workbook: its project (or None), the expert sheets read, and the problems."""
    file = str(path)
    sheets, problems = _sheet_rows(path)
    if sheets is None:
        return None, [], problems
    meta, problems = _read_metadata(file, sheets.get(_META_SHEET))
    if meta is None:
        return None, [], problems
    project = meta.values["project_id"] if project_id is None else project_id
    problems = _check_metadata(file, meta, rs, project)
    if problems:
        return project, [], problems
    experts, problems = _read_listed_sheets(
        file, meta.sheets, sheets,
        lambda sheet, rows: _read_expert_sheet(file, sheet, rows, rs, project))
    extra = [s for s, rows in sheets.items() if s not in meta.sheets
             and s not in (_GUIDE_SHEET, _META_SHEET) and _header_index(rows) is not None]
    problems += [Problem(file, s, None, "", f"模板中的专家工作表（{'、'.join(meta.sheets)}）",
                         "模板之外的评分工作表") for s in extra]
    return project, experts, problems


def _read_listed_sheets(
    file: str, listed: Iterable[str], sheets: Mapping[str, list[list]],
    read: Callable[[str, list[list]], tuple[_ExpertSheet | None, list[Problem]]],
) -> tuple[list[_ExpertSheet], list[Problem]]:
    """``read`` every expert sheet the metadata lists; a listed sheet that is gone is a problem."""
    listed = list(listed)
    experts: list[_ExpertSheet] = []
    problems: list[Problem] = []
    for sheet in listed:
        if sheet not in sheets:
            problems.append(Problem(file, sheet, None, "",
                                    f"专家工作表 {sheet}（模板共 {len(listed)} 位专家）",
                                    "缺少该工作表"))
            continue
        expert, more = read(sheet, sheets[sheet])
        problems += more
        if expert is not None:
            experts.append(expert)
    return experts, problems


def _sheet_rows(path: Path) -> tuple[dict[str, list[list]] | None, list[Problem]]:
    """Every sheet's cell values (formulas as last computed), or a problem if unreadable."""
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, zipfile.BadZipFile, InvalidFileException):
        found = "无法作为 .xlsx 打开" if path.exists() else "文件不存在"
        return None, [Problem(str(path), "", None, "", "可打开的 .xlsx 专家评分表", found)]
    try:
        return {name: [list(r) for r in wb[name].iter_rows(values_only=True)]
                for name in wb.sheetnames}, []
    finally:
        wb.close()


def _text(cell: object) -> str:
    """A code or id as typed (NFKC, stripped), without the apostrophe of an older workbook."""
    return _undo_neutralize(normalize_text(cell))


def _comment(cell: object) -> str:
    """A comment kept as written (only stripped): experts' punctuation is theirs."""
    return "" if cell is None else _undo_neutralize(str(cell).strip())


def _undo_neutralize(text: str) -> str:
    """Drop the apostrophe :func:`evalkit.io.neutralize_formula` put before formula-like text in
    workbooks written by earlier versions."""
    return text[1:] if text.startswith("'") and neutralize_formula(text[1:]) == text else text


def _cell(row: list, column: int | None) -> object:
    return row[column] if column is not None and column < len(row) else None


def _read_metadata(file: str, rows: list[list] | None) -> tuple[_Metadata | None, list[Problem]]:
    expected = "evalkit 生成的专家评分模板（含隐藏的元数据工作表）"
    if rows is None:
        return None, [Problem(file, _META_SHEET, None, "", expected, "缺少元数据工作表")]
    values: dict[str, str] = {}
    sheets: dict[str, str] = {}
    for row in rows:
        key = _text(_cell(row, 0))
        if key == _META_SHEET_KEY:
            sheets[_text(_cell(row, 1))] = _text(_cell(row, 2))
        elif key:
            values[key] = _text(_cell(row, 1))
    missing = [k for k in _META_KEYS if k not in values] + ([] if sheets else [_META_SHEET_KEY])
    if missing:
        return None, [Problem(file, _META_SHEET, None, "", expected,
                              f"元数据缺少 {'、'.join(missing)}")]
    return _Metadata(values, sheets), []


def _check_metadata(file: str, meta: _Metadata, rs: RuleSet, project_id: str) -> list[Problem]:
    """Template version, project and rule set, each reported at its line of the 说明 sheet."""
    v = meta.values
    checks = (  # label, matches, expected, found
        (_VERSION, v["template_version"] == TEMPLATE_VERSION, f"模板版本 {TEMPLATE_VERSION}",
         repr(v["template_version"])),
        (_PROJECT, v["project_id"] == project_id, _project_expected(project_id),
         repr(v["project_id"])),
        (_RULESET, v["ruleset_sha256"] == rs.sha256, f"规则集 {rs.label} 生成的评分表",
         f"{v['ruleset_id']}@{v['ruleset_version']} ({v['ruleset_sha256'][:12]})"),
    )
    return [Problem(file, _GUIDE_SHEET, 2 + _GUIDE_FACTS.index(label), label, expected, found)
            for label, matches, expected, found in checks if not matches]


def _project_expected(project_id: str) -> str:
    return f"项目 {project_id!r} 的评分表"


def _header_index(rows: list[list]) -> int | None:
    """Index in ``rows`` of the 评分项编码 header row, if any."""
    return next((i for i, row in enumerate(rows) if _text(_cell(row, 0)) == _CODE), None)


def _read_expert_sheet(file: str, sheet: str, rows: list[list], rs: RuleSet,
                       project_id: str) -> tuple[_ExpertSheet | None, list[Problem]]:
    header = _header_index(rows)
    if header is None:
        return None, [Problem(file, sheet, None, _CODE, f"表头行（{'、'.join(_HEADERS)}）",
                              "未找到表头")]
    columns = {_text(h): i for i, h in enumerate(rows[header]) if _text(h)}
    missing = [h for h in _READ_HEADERS if h not in columns]
    if missing:
        return None, [Problem(file, sheet, header + 1, h, f"表头 {h}", "缺少该列")
                      for h in missing]
    labels = {_text(_cell(r, 0)): (n, _cell(r, 1)) for n, r in enumerate(rows[:header], start=1)}
    problems = []
    project_row, project_cell = labels.get(_PROJECT, (None, None))
    if _text(project_cell) != project_id:
        problems.append(Problem(file, sheet, project_row, _PROJECT, _project_expected(project_id),
                                repr(_text(project_cell)) if project_row else "缺少该行"))
    id_row, id_cell = labels.get(_EXPERT, (None, None))
    expert_id = _text(id_cell)
    records, more = _read_items(file, sheet, rows, header, columns, rs)
    expert = _ExpertSheet(file, sheet, expert_id or sheet, id_row, not expert_id, records)
    return expert, problems + more


def _read_items(file: str, sheet: str, rows: list[list], header: int, columns: Mapping[str, int],
                rs: RuleSet) -> tuple[list[tuple[str, float, str]], list[Problem]]:
    """Check every item row against the rule set; return (item_id, score, points, comment)
    records."""
    items = {it["item_id"]: it for it in rs.section("exante")["items"]}
    seen: dict[str, int] = {}
    records: list[tuple[str, float, float, str]] = []
    problems: list[Problem] = []
    blanks: list[Problem] = []
    for n, row in enumerate(rows[header + 1:], start=header + 2):
        cells = {name: _cell(row, i) for name, i in columns.items()}
        code = _text(cells[_CODE])
        place = (file, sheet, n)
        if not code:
            if _text(cells.get(_NAME)) not in (_SUBTOTAL, _TOTAL) and any(map(_text, row)):
                problems.append(Problem(*place, _CODE, "评分项编码", "空白"))
            continue
        if code not in items:
            problems.append(Problem(*place, _CODE, f"规则集 {rs.id} 的评分项编码（{'、'.join(items)}）",
                                    repr(code)))
            continue
        if code in seen:
            problems.append(Problem(*place, _CODE, "每个评分项只出现一次",
                                    f"{code!r}（与第 {seen[code]} 行重复）"))
            continue
        seen[code] = n
        points = float(items[code]["points"])
        if _number(cells[_POINTS]) != points:
            problems.append(Problem(*place, _POINTS, f"{points:g}（规则集分值，请勿修改）",
                                    repr(_text(cells[_POINTS]))))
        score, found = _score(cells[_SCORE], points)
        if score is not None:
            records.append((code, score, points, _comment(cells[_COMMENT])))
        else:
            (blanks if found == "空白" else problems).append(
                Problem(*place, _SCORE, f"0 至 {points:g} 之间的数字", found))
    if blanks and len(blanks) == len(seen):
        blanks = [Problem(file, sheet, None, _SCORE, "每个评分项的得分", "整张工作表未填写")]
    problems += blanks
    problems.sort(key=lambda p: (p.row is None, p.row or 0))
    problems += [Problem(file, sheet, None, _CODE, f"评分项 {code} {item['name']} 的行", "缺少该行")
                 for code, item in items.items() if code not in seen]
    return records, problems


def _number(cell: object) -> float | None:
    """A plain number, or None."""
    try:
        parsed = parse_value(cell)
    except InputError:
        return None
    return None if parsed.is_blank or parsed.comparator or parsed.unit else parsed.value


def _score(cell: object, points: float) -> tuple[float | None, str]:
    """``(score, "")`` for a valid score, else ``(None, what was found)``."""
    try:
        parsed = parse_value(cell)
    except InputError:
        return None, repr(normalize_text(cell))
    if parsed.is_blank:
        return None, "空白"
    if parsed.comparator is not None or parsed.unit not in _SCORE_UNITS:
        return None, repr(normalize_text(cell))
    if not 0 <= parsed.value <= points:
        return None, f"{parsed.value:g}"
    return parsed.value, ""


def _duplicate_experts(experts: Sequence[_ExpertSheet]) -> list[Problem]:
    """An expert id seen before (in any file or sheet) is a problem at its second sheet."""
    first: dict[str, _ExpertSheet] = {}
    problems = []
    for e in experts:
        if e.expert_id in first:
            seen = first[e.expert_id]
            origin = "（取自工作表名称）" if e.from_sheet_name else ""
            problems.append(Problem(
                e.file, e.sheet, e.id_row, _EXPERT, "每位专家只出现一次（请填写不同的专家姓名/编号）",
                f"{e.expert_id!r}{origin}，已见于 {seen.file} 工作表 {seen.sheet}"))
        else:
            first[e.expert_id] = e
    return problems


def _to_frame(experts: Sequence[_ExpertSheet], project_id: str) -> pd.DataFrame:
    rows = [(project_id, e.expert_id, code, score, points, comment)
            for e in experts for code, score, points, comment in e.records]
    frame = pd.DataFrame(rows, columns=[c.name for c in EXPERT_SCORES.columns])
    return frame.astype({"score": float, "points": float})
