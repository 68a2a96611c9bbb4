"""Read the official forms as departments fill them in Excel: 项目支出绩效自评表 (DOMAIN.md §10).

An agency receives, from every department, one Excel copy of the self-evaluation form per project
(the annex of 财预〔2020〕10号 or a province's version of it, often merged cells and all), with the
department's own scores. :func:`read_forms` reads any number of such workbooks — one or many
forms per sheet, several sheets per workbook — into evalkit's canonical tables (``units``,
``projects``, ``indicators``) plus ``self_scores`` (自评得分: every score the department gave, with
the cell it came from), which the re-check report (:mod:`evalkit.stages.recheck`) compares with
evalkit's own scoring.

Forms are located by their **label text**, never by fixed cell addresses, so provincial variants
read alike: a form starts at its 项目名称 label; the header block gives 项目名称, 主管部门 and
实施单位 (the value is the next cell to the right that is not the label's merged copy); the funds
block is the row holding 年初预算数 (or 年初预算; 全年预算数 on forms without it) and its column labels
(全年预算数, 调整后预算数, 全年执行数 / 预算执行数, 分值 / 权重, 执行率, 得分), read on its 年度资金总额
(总额) row, amounts in 元 where its label says 项目资金（元）; a blank header field is blank, not the
next label (主管部门 | 空 | 实施单位); 预期目标 and
实际完成情况 are the cells under those labels; the indicator table starts at the row holding both
一级指标 and 三级指标, its columns named by :data:`evalkit.schemas.INDICATORS`'s aliases (年度指标值 /
指标值, 实际完成值 / 全年实际值 / 完成值, 指标性质, 度量单位, 分值 / 权重, 得分, 偏差原因分析及改进措施 /
未完成原因分析 …), merged 一级/二级 cells filled down, the layout's empty placeholder rows (指标2, ……)
skipped, and ends at the 总分 / 合计 row.

:func:`read_target_forms` reads the 绩效目标申报表 the same way (targets only): projects with their
declared 年度资金总额 and nothing spent, indicator sheets with no actuals, for the target review.

Values are read as typed (:func:`evalkit.values.read_form_cells`: text and date targets, missing
comparators, ═, 元 and 万元), with the rule set's ``recheck`` section. Every problem and every
inference is located by file, sheet and cell (``D12``); problems stop the import
(:class:`~evalkit.errors.DatasetError`), inferences are warnings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.errors import CellError, DatasetError, InputError, Problem
from evalkit.rules import RuleSet, load_ruleset
from evalkit.schemas import (
    INDICATOR_ROUNDS,
    INDICATORS,
    PROJECTS,
    SELF_SCORE_EXECUTION,
    SELF_SCORE_LEVEL1,
    SELF_SCORE_TOTAL,
    SELF_SCORES,
    UNITS,
    chinese_headers,
    header_key,
    header_map,
)
from evalkit.values import normalize_text, parse_value, read_form_cells

__all__ = ["FormImport", "read_forms", "read_target_forms"]

#: Funds-block column labels (as :func:`evalkit.schemas.header_key` reads them) → field.
FUNDS_LABELS = {
    "年初预算数": "budget", "年初预算": "budget", "全年预算数": "budget_annual",
    "全年预算数(A)": "budget_annual", "调整后预算数": "budget_adjusted", "调整后预算": "budget_adjusted",
    "全年执行数": "spent", "全年执行数(B)": "spent", "预算执行数": "spent", "执行数": "spent",
    "分值": "points", "权重": "points", "得分": "score", "执行率": "rate", "执行率(B/A)": "rate",
    "预算执行率": "rate",
}
#: Chinese names of the funds fields, for messages.
FUNDS_FIELD_LABELS = {"budget": "年初预算数", "budget_annual": "全年预算数",
                      "budget_adjusted": "调整后预算数", "spent": "全年执行数"}
#: Labels of the funds block's total row, and of the rows under it (其中 …).
FUNDS_TOTAL = ("年度资金总额", "资金总额", "总额")
FUNDS_PARTS = ("当年财政拨款", "本年财政拨款", "财政拨款", "财政资金", "上年结转资金", "其他资金",
               "财政专户管理资金", "单位资金")
#: A funds-block label that says the amounts are in 元: 项目资金（元）.
_IN_YUAN = re.compile(r"^(?:项目资金|资金情况)[(（]元[)）]$")
#: Labels of the indicator table's last row.
TOTAL_LABELS = ("总分", "合计")
#: Labels of the header block.
HEADER_LABELS = {"project_name": ("项目名称",), "department": ("主管部门", "主管部门及代码"),
                 "implementer": ("实施单位", "实施单位(盖章)"), "code": ("项目编码", "项目代码")}
#: The 绩效目标申报表's header block and funds labels (read right of the label).
TARGET_HEADER_LABELS = {**HEADER_LABELS, "attribute": ("项目属性",), "period": ("项目期",)}
TARGET_FUNDS_LABELS = {"annual": ("年度资金总额",), "medium": ("中期资金总额",)}
TARGET_GOAL_LABELS = {"goal": ("年度目标",), "goal_medium": ("中期目标",)}
_LABEL_KEYS = {label for labels in TARGET_HEADER_LABELS.values() for label in labels}
#: Rows the official layout prints for further indicators (指标2, ……): skipped when left empty.
_PLACEHOLDER = re.compile(r"^(?:指标\d+[:：]?|…+|\.{3,})$")
GOAL_LABELS = {"goal": ("预期目标", "项目年度目标", "年度目标"),
               "goal_result": ("实际完成情况", "年度目标完成情况", "目标完成情况")}
#: Indicator-table headers beyond the indicators table's: the department's score.
_SCORE_HEADERS = ("得分", "自评得分")
#: A level-1 cell with its printed points: 产出指标(50分).
_LEVEL1_POINTS = re.compile(r"^(?P<name>[^()]+?)(?:\((?P<points>\d+(?:\.\d+)?)分?\))?$")
#: A code typed before a name: 51000021R000000019951-工资性支出, 219-池州市贵池区棠溪镇人民政府.
_CODED = re.compile(r"^(?P<code>[0-9A-Za-z]{2,30})[-—_ ](?P<name>.+)$")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class FormImport:
    """The canonical tables read from filled forms, with what was inferred on the way.

    Attributes
    ----------
    tables : dict of DataFrame
        ``units``, ``projects``, ``indicators`` and ``self_scores``, with canonical columns;
        from :func:`read_target_forms` also ``indicator_rounds`` (目标审核轮次, round 1: the
        sheet as declared, targets as typed, which the target review reads).
    forms : DataFrame
        One row per form read: ``file``, ``sheet``, ``cell`` (of its 项目名称 label),
        ``project_id``, ``project_name``, ``department``, ``n_indicators``.
    warnings : tuple of Problem
        Located inferences and conversions (a comparator from the wording, a direction to
        confirm, 元 converted to 万元, a funds total taken from its parts …).
    """

    tables: dict[str, pd.DataFrame]
    forms: pd.DataFrame
    warnings: tuple[Problem, ...] = field(default=())

    def write(self, path: str | Path) -> Path:
        """Write the tables as a dataset: an ``.xlsx`` workbook (one sheet per table, Chinese
        headers) that :func:`evalkit.read_dataset` reads back, or a folder of CSV files."""
        from evalkit.io import atomic_write, write_excel

        path = Path(path)
        specs = {s.name: s for s in (UNITS, PROJECTS, INDICATORS, SELF_SCORES, INDICATOR_ROUNDS)}
        tables = dict(self.tables)
        # "=" would be written '= (formula-injection guard of write_excel): spell it 等于
        tables["indicators"] = tables["indicators"].replace({"comparator": {"=": "等于"}})
        named = {specs[name].chinese: frame.rename(columns=chinese_headers(specs[name]))
                 for name, frame in tables.items()}
        if path.suffix.lower() == ".xlsx":
            return write_excel(named, path)
        for sheet, frame in named.items():
            atomic_write(path / f"{sheet}.csv",
                         lambda tmp, f=frame: f.to_csv(tmp, index=False, encoding="utf-8-sig"))
        return path


def read_forms(paths: Iterable[str | Path], *, ruleset: RuleSet | str = "national",
               year: int | None = None) -> FormImport:
    """Read filled 项目支出绩效自评表 workbooks into canonical tables and self-scores.

    Parameters
    ----------
    paths : iterable of str or Path
        ``.xlsx`` workbooks (``.xlsm`` too), or legacy ``.xls`` ones (read with python-calamine,
        which sees stored values but not number formats: one warning per such workbook);
        every sheet is searched for forms.
    ruleset : RuleSet or str, default "national"
        Its ``recheck`` section says how typed values are read (text tiers, completion words,
        direction words, the default comparator).
    year : int, optional
        The year of forms whose title does not say it (``2020年度``).

    Returns
    -------
    FormImport

    Raises
    ------
    DatasetError
        Every problem of every form at once, each naming file, sheet and cell: a workbook that
        cannot be opened, a sheet with no form, a form without its funds block or indicator
        table, a required label without a value, a cell that cannot be read (a target such as
        ``约50万``, an actual in another unit than its target, a score that is not a number),
        two forms with the same project code.
    """
    rs = load_ruleset(ruleset)
    options = dict(rs.section("recheck", needed_by="evalkit import-forms"))
    options["tiers"] = {name: t.tier for t in rs.qualitative_tiers for name in (t.tier, *t.aliases)}
    reader = _Reader(options, year)
    for path in paths:
        reader.workbook(Path(path))
    return reader.result()


def read_target_forms(paths: Iterable[str | Path], *, ruleset: RuleSet | str = "national",
                      year: int | None = None) -> FormImport:
    """Read filled 绩效目标申报表 workbooks (targets only) into projects and indicator sheets.

    The declaration form is recognised by its labels, as :func:`read_forms` recognises the
    self-evaluation form: a form starts at its 项目名称 label; 主管部门 (及代码), 实施单位,
    项目属性, 项目期 are read right of their labels; 年度资金总额 (and 中期资金总额), 其中：财政拨款,
    其他资金 right of theirs; 总体目标 under 中期目标 and 年度目标; the indicator table from the
    row holding 一级指标 and 三级指标, merged 一级/二级 cells filled down. Where the table has a
    中期 and a 年度 half (三级指标 | 指标值 twice), the last pair — the year's targets — is read.

    Parameters
    ----------
    paths : iterable of str or Path
        ``.xlsx`` or ``.xls`` workbooks, as :func:`read_forms`; every sheet is searched.
    ruleset : RuleSet or str, default "national"
        Its ``recheck`` section says how typed targets are read (as :func:`read_forms`).
    year : int, optional
        The year of forms whose title does not say it (``2024年度``).

    Returns
    -------
    FormImport
        ``projects`` with ``budget`` = 年度资金总额 and ``spent`` / ``received`` blank (nothing
        is spent when targets are declared; the note keeps 项目属性, 项目期, 中期资金总额,
        其中财政拨款 / 其他资金 and the 中期目标), ``indicators`` with no actuals (``weight``
        from a 分值 column where the form has one, else blank), ``self_scores`` empty, and
        ``indicator_rounds``: the same rows as round 1 with the target cell as typed and the
        comparator as read (a text target such as 2024年12月底前 survives the round trip through a dataset
        file, where ``indicators`` keeps only numbers) — what the target review
        (:mod:`evalkit.stages.target_review`) checks.

    Raises
    ------
    DatasetError
        Every problem at once, each naming file, sheet and cell: no form in a sheet, a
        required label (项目名称, 主管部门, 年度资金总额) without a value, an amount that is not a
        number, no indicator table, a target that cannot be read.
    """
    rs = load_ruleset(ruleset)
    options = dict(rs.section("recheck", needed_by="evalkit import-forms"))
    options["tiers"] = {name: t.tier for t in rs.qualitative_tiers for name in (t.tier, *t.aliases)}
    reader = _Reader(options, year, targets=True)
    for path in paths:
        reader.workbook(Path(path))
    return reader.result()


# --- reading ------------------------------------------------------------------------------------


@dataclass
class _Grid:
    """One sheet as text, merged cells filled with their top-left value."""

    file: str
    sheet: str
    text: list[list[str]]
    values: list[list[object]]
    origin: dict[tuple[int, int], tuple[int, int]]
    keys: list[list[str]] = field(default_factory=list)  # text as header_key reads it

    def __post_init__(self) -> None:
        self.keys = [[_SPACE.sub("", t) for t in row] for row in self.text]

    def cell(self, r: int, c: int) -> str:
        """The Excel address of 0-based (row, column)."""
        from openpyxl.utils import get_column_letter

        return f"{get_column_letter(c + 1)}{r + 1}"

    def problem(self, r: int, c: int, expected: str, found: str) -> Problem:
        return Problem(self.file, self.sheet, None, "", expected, found, self.cell(r, c))

    def key(self, r: int, c: int) -> str:
        return self.keys[r][c] if c < len(self.keys[r]) else ""

    def right_of(self, r: int, c: int) -> tuple[int, str]:
        """The first cell right of (r, c) that is not part of (r, c)'s merged range and not
        blank: (column, text); (-1, "") when none."""
        own = self.origin.get((r, c), (r, c))
        for j in range(c + 1, len(self.text[r])):
            if self.origin.get((r, j), (r, j)) == own or not self.text[r][j]:
                continue
            return j, self.text[r][j]
        return -1, ""

    def below(self, r: int, c: int, stop: int) -> tuple[int, str]:
        """The first cell below (r, c), up to row ``stop``, outside (r, c)'s merged range."""
        own = self.origin.get((r, c), (r, c))
        for i in range(r + 1, min(stop, len(self.text))):
            if c < len(self.text[i]) and self.origin.get((i, c), (i, c)) != own and self.text[i][c]:
                return i, self.text[i][c]
        return -1, ""


def _grids(path: Path, problems: list[Problem], warnings: list[Problem]) -> list[_Grid]:
    """Every sheet of a workbook (.xlsx, or a legacy .xls) as a grid (merged ranges filled)."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    from evalkit.io import _OLE_MAGIC, _cell_value

    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(path.name, "", None, "", "可读取的工作簿",
                                f"无法读取（{exc.strerror or exc}）"))
        return []
    if data.startswith(_OLE_MAGIC):
        return _xls_grids(path, problems, warnings)
    try:
        wb = load_workbook(path, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        problems.append(Problem(path.name, "", None, "", "可打开的 .xlsx 工作簿",
                                f"文件已损坏或不是工作簿（{type(exc).__name__}）"))
        return []
    grids = [_grid(path.name, ws.title, [[_cell_value(c) for c in row] for row in ws.iter_rows()],
                   [((r.min_row - 1, r.min_col - 1), (r.max_row - 1, r.max_col - 1))
                    for r in ws.merged_cells.ranges]) for ws in wb.worksheets]
    wb.close()
    return grids


def _xls_grids(path: Path, problems: list[Problem], warnings: list[Problem]) -> list[_Grid]:
    """Every sheet of a legacy .xls workbook, read with python-calamine (merged ranges filled).

    python-calamine gives stored values, not number formats: a number *shown* as 100% is
    stored as 1. So every .xls workbook read gets one warning saying so (percentages count
    as typed text ``100%`` or as percent points ``100``); a workbook calamine cannot open
    (password-protected, damaged, not a workbook) is a problem.
    """
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        sheets = [wb.get_sheet_by_name(name) for name in wb.sheet_names]
        grids = [_grid(path.name, ws.name, [[None if v == "" else v for v in row]
                                            for row in ws.to_python(skip_empty_area=False)],
                       ws.merged_cell_ranges or []) for ws in sheets]
    except (CalamineError, OSError, ValueError) as exc:
        problems.append(Problem(path.name, "", None, "", "可打开的 .xlsx 或 .xls 工作簿",
                                f"受密码保护、已损坏或不是工作簿（{type(exc).__name__}）"))
        return []
    warnings.append(Problem(path.name, "", None, "", "可读取数字格式的 .xlsx 工作簿",
                            "旧版 .xls：按单元格存储值读取，看不到数字格式（显示为 100% 的数字存为 1）；"
                            "百分数请核对是否按文本“100%”或百分点数 100 填写"))
    return grids


def _grid(file: str, sheet: str, values: list[list[object]],
          merges: Iterable[tuple[tuple[int, int], tuple[int, int]]]) -> _Grid:
    """A sheet's rows as a grid: rows padded to one width, each merged range ((top, left),
    (bottom, right), 0-based, inclusive) filled with its top-left value."""
    width = max((len(r) for r in values), default=0)
    values = [list(r) + [None] * (width - len(r)) for r in values]
    origin: dict[tuple[int, int], tuple[int, int]] = {}
    for (r0, c0), (r1, c1) in merges:
        top = values[r0][c0] if r0 < len(values) and c0 < width else None
        for i in range(r0, min(r1 + 1, len(values))):
            for j in range(c0, min(c1 + 1, width)):
                origin[(i, j)] = (r0, c0)
                values[i][j] = top
    text = [[_cell_text(v) for v in row] for row in values]
    return _Grid(file, sheet, text, values, origin)


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize_text(value)


class _Reader:
    """Collects the rows of every form read, and every problem and warning, located."""

    def __init__(self, options: dict, year: int | None, targets: bool = False):
        self.options, self.year, self.targets = options, year, targets
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.projects: list[dict] = []
        self.indicators: list[dict] = []
        self.scores: list[dict] = []
        self.forms: list[dict] = []
        self.departments: dict[str, str] = {}

    # --- workbooks and sheets -----------------------------------------------------------------

    def workbook(self, path: Path) -> None:
        grids = _grids(path, self.problems, self.warnings)
        found = 0
        for grid in grids:
            starts = [r for r, row in enumerate(grid.text)
                      for c in range(len(row)) if grid.key(r, c) == "项目名称"
                      and grid.origin.get((r, c), (r, c)) == (r, c)]
            starts = sorted(set(starts))
            for n, start in enumerate(starts):
                stop = starts[n + 1] if n + 1 < len(starts) else len(grid.text)
                read = self.target_form if self.targets else self.form
                read(grid, self._title_row(grid, start), start, stop)
            found += len(starts)
        if grids and not found:
            kind = "绩效目标申报表" if self.targets else "项目支出绩效自评表"
            self.problems.append(Problem(path.name, "", None, "",
                                         f"至少一张{kind}（含“项目名称”标签）", "未找到"))

    @staticmethod
    def _title_row(grid: _Grid, start: int) -> int:
        """The row of the form's title (…绩效自评表 (2020年度)) just above its 项目名称."""
        for r in range(start - 1, max(start - 4, -1), -1):
            if any("自评表" in t or "申报表" in t for t in grid.text[r]):
                return r
        return start

    def find(self, grid: _Grid, labels: Sequence[str], lo: int, hi: int,
             exact: bool = True) -> tuple[int, int]:
        """The first cell in rows [lo, hi) whose label is one of ``labels``."""
        keys = {header_key(label) for label in labels}
        for r in range(lo, hi):
            for c, _ in enumerate(grid.text[r]):
                k = grid.key(r, c)
                if k in keys or (not exact and any(k.startswith(x) for x in keys)):
                    return r, c
        return -1, -1

    # --- one form -----------------------------------------------------------------------------

    def header(self, grid: _Grid, start: int, stop: int,
               labels: dict[str, tuple[str, ...]]) -> dict[str, str]:
        """The header block's fields, right of their labels; 项目名称 and 主管部门 required."""
        head = {}
        for name, own in labels.items():
            r, c = self.find(grid, own, start, stop)
            value = grid.right_of(r, c)[1] if r >= 0 else ""
            # a blank field followed by the next label (主管部门 | 空 | 实施单位) is blank
            head[name] = "" if _SPACE.sub("", value) in _LABEL_KEYS else value
            if name in ("project_name", "department") and not head[name]:
                where = (r, c) if r >= 0 else (start, 0)
                self.problems.append(grid.problem(*where, f"{own[0]}的填报内容", "空白或缺少该标签"))
        return head

    def ids(self, head: dict[str, str]) -> tuple[str, str, str, str]:
        """(project_id, project_name, unit_id, department) from the header block."""
        code, project_name = _split_code(head["project_name"])
        project_id = head["code"] or code or f"ZP{len(self.forms) + 1:04d}"
        dept_code, dept_name = _split_code(head["department"])
        unit_id = self.departments.setdefault(dept_name, dept_code or f"DW{len(self.departments) + 1:03d}")
        return project_id, project_name, unit_id, dept_name

    def form(self, grid: _Grid, title: int, start: int, stop: int) -> None:
        before = len(self.problems)
        head = self.header(grid, start, stop, HEADER_LABELS)
        year = self._year(grid, title, start)
        project_id, project_name, unit_id, dept_name = self.ids(head)
        funds = self.funds(grid, start, stop)
        goals = {}
        for name, labels in GOAL_LABELS.items():
            r, c = self.find(grid, labels, start, stop)
            i, _ = grid.below(r, c, stop) if r >= 0 else (-1, "")
            goals[name] = str(grid.values[i][c]).strip() if i >= 0 else ""
        table = self.indicator_table(grid, start, stop, project_id, year)
        if len(self.problems) > before or funds is None or table is None:
            return
        if any(p["project_id"] == project_id for p in self.projects):
            self.problems.append(grid.problem(start, 0, "每个项目一张自评表（项目编码唯一）",
                                              f"项目 {project_id} 的第二张自评表"))
            return
        self.projects.append({
            "project_id": project_id, "project_name": project_name, "unit_id": unit_id,
            "unit_name": dept_name, "year": year, "category": "项目支出", "is_poverty": False,
            "budget": funds["budget"], "received": np.nan, "spent": funds["spent"],
            "budget_annual": funds["budget_annual"], "budget_adjusted": funds["budget_adjusted"],
            "stage": "", "note": f"实施单位：{head['implementer']}" if head["implementer"] else "",
            **goals})
        where = {"file": grid.file, "sheet": grid.sheet}
        self.scores.append({"project_id": project_id, "row_id": SELF_SCORE_EXECUTION,
                            "item": SELF_SCORE_EXECUTION, "points": funds["points"],
                            "score": funds["score"], **where, "cell": funds["cell"],
                            "note": funds["note"]})
        self.scores += [{**row, **where} for row in table]
        self.forms.append({**where, "cell": grid.cell(start, 0), "project_id": project_id,
                           "project_name": project_name, "department": dept_name,
                           "n_indicators": sum(1 for r in table if r["kind"] == "indicator")})

    def target_form(self, grid: _Grid, title: int, start: int, stop: int) -> None:
        """One 绩效目标申报表: a project with its declared funds and goals, and its targets."""
        before = len(self.problems)
        head = self.header(grid, start, stop, TARGET_HEADER_LABELS)
        year = self._year(grid, title, start)
        project_id, project_name, unit_id, dept_name = self.ids(head)
        funds: dict[str, float] = {}
        for name, labels in TARGET_FUNDS_LABELS.items():
            r, c = self.find(grid, labels, start, stop, exact=False)
            j = grid.right_of(r, c)[0] if r >= 0 else -1
            funds[name] = self.number(grid, r, j) if j >= 0 else np.nan
            # 其中：财政拨款 / 其他资金 under the total, in the same column
            for part in ("财政拨款", "其他资金"):
                i = next((i for i in range(r + 1, stop) if r >= 0 and part in grid.key(i, c)), -1)
                k = grid.right_of(i, c)[0] if i >= 0 else -1
                funds[f"{name}_{part}"] = self.number(grid, i, k) if k >= 0 else np.nan
            if name == "annual" and np.isnan(funds[name]):
                where = (r, c) if r >= 0 else (start, 0)
                self.problems.append(grid.problem(*where, "年度资金总额（万元，数字）", "空白或缺少该标签"))
        goals = {}
        for name, labels in TARGET_GOAL_LABELS.items():
            r, c = self.find(grid, labels, start, stop, exact=False)
            i, _ = grid.below(r, c, stop) if r >= 0 else (-1, "")
            goals[name] = str(grid.values[i][c]).strip() if i >= 0 else ""
        table = self.target_table(grid, start, stop, project_id, year)
        if len(self.problems) > before or table is None:
            return
        if any(p["project_id"] == project_id for p in self.projects):
            self.problems.append(grid.problem(start, 0, "每个项目一张申报表（项目编码唯一）",
                                              f"项目 {project_id} 的第二张申报表"))
            return
        notes = [f"{label}：{head[key]}" for key, label in
                 (("implementer", "实施单位"), ("attribute", "项目属性"), ("period", "项目期")) if head[key]]
        notes += [f"{label} {funds[key]:g} 万元" for key, label in
                  (("medium", "中期资金总额"), ("annual_财政拨款", "其中财政拨款"),
                   ("annual_其他资金", "其他资金")) if not np.isnan(funds[key])]
        if goals["goal_medium"]:
            notes.append(f"中期目标：{goals['goal_medium']}")
        self.projects.append({
            "project_id": project_id, "project_name": project_name, "unit_id": unit_id,
            "unit_name": dept_name, "year": year, "category": "项目支出", "is_poverty": False,
            "budget": funds["annual"], "received": np.nan, "spent": np.nan,
            "budget_annual": np.nan, "budget_adjusted": np.nan, "stage": "",
            "note": "；".join(notes), "goal": goals["goal"], "goal_result": ""})
        self.indicators += table
        self.forms.append({"file": grid.file, "sheet": grid.sheet, "cell": grid.cell(start, 0),
                           "project_id": project_id, "project_name": project_name,
                           "department": dept_name, "n_indicators": len(table)})

    def target_table(self, grid: _Grid, start: int, stop: int, project_id: str,
                     year: float) -> list[dict] | None:
        """The declared indicator rows (一级/二级 filled down; the last 三级指标 | 指标值 pair)."""
        head = next((r for r in range(start, stop) if {"一级指标", "三级指标"}
                     <= {grid.key(r, c) for c in range(len(grid.text[r]))}), -1)
        if head < 0:
            self.problems.append(grid.problem(start, 0, "绩效指标表（含“一级指标”“三级指标”的表头行）",
                                              "未找到"))
            return None
        aliases = header_map(INDICATORS)
        columns: dict[str, list[int]] = {}
        for c in range(len(grid.text[head])):
            name = aliases.get(grid.key(head, c))
            if name:
                columns.setdefault(name, []).append(c)
        if "target" not in columns:
            self.problems.append(grid.problem(head, 0, "表头 指标值（或年度指标值）",
                                              f"缺少；该行表头：{'、'.join(t for t in grid.text[head] if t)}"))
            return None
        # 中期 | 年度 halves: the year's pair is the last 三级指标 and the last 指标值
        name_c, target_c = columns["name"][-1], columns["target"][-1]
        rows: list[dict] = []
        level1 = level2 = ""
        for r in range(head + 1, stop):
            row = grid.text[r]
            keys = [grid.key(r, c) for c in range(len(row))]
            if not any(row) or any(k.startswith(t) for k in keys for t in TOTAL_LABELS):
                if any(row):
                    break
                continue
            level1 = _level1_name(self.pick(grid, r, columns.get("level1")) or level1)
            level2 = self.pick(grid, r, columns.get("level2")) or level2
            name = self.pick(grid, r, [name_c])
            target = self.pick(grid, r, [target_c])
            if not name or (_PLACEHOLDER.match(_SPACE.sub("", name)) and not target):
                continue
            try:
                cells = read_form_cells(
                    name, self.pick(grid, r, columns.get("comparator")), target,
                    self.pick(grid, r, columns.get("unit")), "",
                    year=None if np.isnan(year) else int(year), options=self.options)
            except CellError as exc:
                self.problems.append(grid.problem(r, target_c, exc.expected,
                                                  repr(exc.found) if exc.found else "空白"))
                continue
            for note in cells.notes:
                self.warnings.append(grid.problem(r, target_c, f"“{name}”的指标值", note))
            weight_c = columns.get("weight", [None])[0]
            rows.append({
                "project_id": project_id, "indicator_id": f"I{len(rows) + 1:02d}",
                "level1": level1, "level2": level2 or level1, "name": name,
                "comparator": cells.comparator, "target": cells.target, "unit": cells.unit,
                "weight": self.number(grid, r, weight_c) if weight_c is not None else np.nan,
                "actual": np.nan, "judged_score": np.nan, "evidence": "", "explanation": "",
                "typed_target": target})
        if not rows:
            self.problems.append(grid.problem(head, 0, "至少一行三级指标", "无"))
            return None
        return rows

    def _year(self, grid: _Grid, title: int, start: int) -> float:
        rows = [t for r in range(title, start + 1) for t in grid.text[r]]
        for text in (*rows, grid.sheet):
            m = _YEAR.search(text)
            if m:
                return float(m.group(1))
        if self.year is not None:
            return float(self.year)
        self.problems.append(grid.problem(title, 0, "表头中的年度（如 2020年度），或 --year 参数",
                                          "未找到年度"))
        return np.nan

    def funds(self, grid: _Grid, start: int, stop: int) -> dict | None:
        """The funds block: its total row's budgets, spending, points and score."""
        r, _ = self.find(grid, ("年初预算数", "年初预算", "全年预算数", "全年预算数(A)"), start, stop)
        if r < 0:
            self.problems.append(grid.problem(start, 0, "资金情况（年初预算数、全年预算数、全年执行数…）",
                                              "未找到“年初预算数”标签"))
            return None
        columns: dict[str, int] = {}
        for c in range(len(grid.text[r])):
            name = FUNDS_LABELS.get(grid.key(r, c))
            if name and name not in columns:
                columns[name] = c
        if "spent" not in columns:
            self.problems.append(grid.problem(r, 0, "全年执行数（或预算执行数）列",
                                              f"该行标签：{'、'.join(t for t in grid.text[r] if t)}"))
            return None
        total, parts = -1, []
        for i in range(r + 1, stop):
            keys = [grid.key(i, c) for c in range(min(3, len(grid.text[i])))]
            if total < 0 and any(k.startswith(t) for k in keys for t in FUNDS_TOTAL):
                total = i
            elif total >= 0 and any(p in k for k in keys for p in FUNDS_PARTS):
                parts.append(i)
            elif total >= 0:
                break
        if total < 0:
            self.problems.append(grid.problem(r, 0, "“年度资金总额”（或“总额”）行", "未找到"))
            return None
        out: dict = {"cell": "", "note": ""}
        for name in ("budget", "budget_annual", "budget_adjusted", "spent", "points", "score"):
            c = columns.get(name)
            out[name] = self.number(grid, total, c) if c is not None else np.nan
            if name == "score" and c is not None:
                out["cell"] = grid.cell(total, c)
        amounts = ("budget", "budget_annual", "budget_adjusted", "spent")
        if parts and all(not out[a] for a in amounts if not np.isnan(out[a])):
            summed = {a: float(sum(np.nan_to_num(self.number(grid, i, columns[a])) for i in parts))
                      for a in amounts if a in columns}
            if any(summed.values()):
                out.update(summed)
                out["note"] = "年度资金总额行为空或 0，按其中各行合计"
                listed = "，".join(f"{FUNDS_FIELD_LABELS[a]} {v:g}" for a, v in summed.items())
                self.warnings.append(grid.problem(total, columns["spent"], "年度资金总额",
                                                  f"空白或 0；按“其中”各行合计：{listed}"))
        yuan = next(((i, c) for i in range(start, r + 1) for c in range(min(3, len(grid.text[i])))
                     if _IN_YUAN.search(grid.key(i, c))), None)
        if yuan:
            for a in ("budget", "budget_annual", "budget_adjusted", "spent"):
                out[a] /= 1e4
            self.warnings.append(grid.problem(*yuan, "以万元计的资金", f"{grid.text[yuan[0]][yuan[1]]}，"
                                              "各金额按 元 ÷ 10000 换算为万元"))
        if np.isnan(out["budget"]):
            out["budget"] = 0.0
        return out

    def number(self, grid: _Grid, r: int, c: int) -> float:
        """A number cell (万元, 元 converted, % kept as percent points); a located problem else."""
        raw = grid.values[r][c] if c < len(grid.values[r]) else None
        text = grid.text[r][c] if c < len(grid.text[r]) else ""
        if text in ("", "/", "-", "—", "\\"):
            return np.nan
        try:
            parsed = parse_value(raw)
        except InputError:
            self.problems.append(grid.problem(r, c, "数字", repr(text)))
            return np.nan
        if parsed.unit == "元":
            self.warnings.append(grid.problem(r, c, "以万元计的金额", f"{text}，按 元 ÷ 10000 换算为万元"))
            return parsed.value / 1e4
        if parsed.unit not in ("", "万元", "%", "分"):
            self.problems.append(grid.problem(r, c, "数字（万元）", repr(text)))
            return np.nan
        return parsed.value

    def indicator_table(self, grid: _Grid, start: int, stop: int, project_id: str,
                        year: float) -> list[dict] | None:
        """The indicator rows, the printed level-1 points and the 总分 row, as self-score rows;
        the indicator rows also go to the indicators table."""
        head = -1
        for r in range(start, stop):
            keys = {grid.key(r, c) for c in range(len(grid.text[r]))}
            if "一级指标" in keys and "三级指标" in keys:
                head = r
                break
        if head < 0:
            self.problems.append(grid.problem(start, 0, "绩效指标表（含“一级指标”“三级指标”的表头行）",
                                              "未找到"))
            return None
        aliases = header_map(INDICATORS)
        columns: dict[str, list[int]] = {}
        for c in range(len(grid.text[head])):
            k = grid.key(head, c)
            name = "score" if k in _SCORE_HEADERS else aliases.get(k)
            if name:
                columns.setdefault(name, []).append(c)
        missing = [label for name, label in (("name", "三级指标"), ("target", "年度指标值"),
                                             ("weight", "分值")) if name not in columns]
        if missing:
            self.problems.append(grid.problem(head, 0, f"表头 {'、'.join(missing)}",
                                              f"缺少；该行表头：{'、'.join(t for t in grid.text[head] if t)}"))
            return None
        rows: list[dict] = []
        printed: dict[str, tuple[float, str]] = {}
        level1 = level2 = ""
        options = {**self.options}
        n = 0
        for r in range(head + 1, stop):
            row = grid.text[r]
            if not any(row):
                continue
            keys = [grid.key(r, c) for c in range(len(row))]
            if any(k.startswith(t) for k in keys for t in TOTAL_LABELS):
                rows.append(self.total_row(grid, r, columns, project_id))
                break
            if any(k in ("评价结论", "存在问题", "改进措施", "说明") for k in keys):
                break
            l1 = self.pick(grid, r, columns.get("level1"))
            if l1:
                m = _LEVEL1_POINTS.match(l1)
                level1 = _level1_name(m.group("name") if m else l1)
                if m and m.group("points") and level1 not in printed:
                    c = columns["level1"][0]
                    printed[level1] = (float(m.group("points")), grid.cell(r, c))
            level2 = self.pick(grid, r, columns.get("level2")) or level2
            name = self.pick(grid, r, columns["name"])
            if not name or (_PLACEHOLDER.match(_SPACE.sub("", name)) and not any(
                    self.pick(grid, r, columns.get(k)) for k in ("target", "actual", "weight", "score"))):
                continue
            n += 1
            indicator_id = f"I{n:02d}"
            try:
                cells = read_form_cells(
                    name, self.pick(grid, r, columns.get("comparator")),
                    self.joined(grid, r, columns["target"]), self.pick(grid, r, columns.get("unit")),
                    self.pick(grid, r, columns.get("actual"), raw=True),
                    year=None if np.isnan(year) else int(year), options=options)
            except CellError as exc:
                c = (columns.get(exc.column) or columns["target"])[0]
                self.problems.append(grid.problem(r, c, exc.expected, repr(exc.found)
                                                  if exc.found else "空白"))
                continue
            target_col = columns["target"][0]
            for note in cells.notes:
                self.warnings.append(grid.problem(r, target_col, f"“{name}”的年度指标值", note))
            weight_c = columns["weight"][0]
            weight = self.number(grid, r, weight_c)
            score_c = columns.get("score", [None])[0]
            score = self.number(grid, r, score_c) if score_c is not None else np.nan
            self.indicators.append({
                "project_id": project_id, "indicator_id": indicator_id, "level1": level1,
                "level2": level2 or level1, "name": name, "comparator": cells.comparator,
                "target": cells.target, "unit": cells.unit, "weight": weight,
                "actual": cells.actual, "judged_score": np.nan, "evidence": "",
                "explanation": self.pick(grid, r, columns.get("explanation"))})
            rows.append({"project_id": project_id, "row_id": indicator_id, "item": name,
                         "points": weight, "score": score, "kind": "indicator",
                         "cell": grid.cell(r, score_c) if score_c is not None else "",
                         "note": "指标方向需确认" if cells.confirm else ""})
        rows += [{"project_id": project_id, "row_id": SELF_SCORE_LEVEL1 + name, "item": name,
                  "points": points, "score": np.nan, "kind": "level1", "cell": cell, "note": "印制分值"}
                 for name, (points, cell) in printed.items()]
        if not any(r["kind"] == "indicator" for r in rows):
            self.problems.append(grid.problem(head, 0, "至少一行三级指标", "无"))
            return None
        return rows

    def total_row(self, grid: _Grid, r: int, columns: dict, project_id: str) -> dict:
        weight_c = columns["weight"][0]
        score_c = columns.get("score", [None])[0]
        return {"project_id": project_id, "row_id": SELF_SCORE_TOTAL, "item": SELF_SCORE_TOTAL,
                "points": self.number(grid, r, weight_c),
                "score": self.number(grid, r, score_c) if score_c is not None else np.nan,
                "kind": "total", "cell": grid.cell(r, score_c if score_c is not None else weight_c),
                "note": ""}

    @staticmethod
    def pick(grid: _Grid, r: int, cols: list[int] | None, raw: bool = False) -> object:
        """The cell of a column (its first position): text, or the raw value when ``raw``."""
        if not cols:
            return ""
        c = cols[0]
        if raw:
            value = grid.values[r][c] if c < len(grid.values[r]) else None
            return "" if value is None else value
        return grid.text[r][c] if c < len(grid.text[r]) else ""

    @staticmethod
    def joined(grid: _Grid, r: int, cols: list[int]) -> str:
        """A value split over several columns under one header (sign | number): joined,
        merged copies once."""
        seen, parts = set(), []
        for c in cols:
            own = grid.origin.get((r, c), (r, c))
            if own in seen or c >= len(grid.text[r]):
                continue
            seen.add(own)
            parts.append(grid.text[r][c])
        return "".join(parts)

    # --- result -------------------------------------------------------------------------------

    def result(self) -> FormImport:
        if self.problems:
            raise DatasetError(self.problems)
        projects = pd.DataFrame(self.projects, columns=[c.name for c in PROJECTS.columns])
        units = (projects.groupby(["unit_id", "unit_name"], sort=False)["budget"].sum()
                 .reset_index())
        indicators = pd.DataFrame(self.indicators, columns=[c.name for c in INDICATORS.columns])
        scores = pd.DataFrame(self.scores, columns=[c.name for c in SELF_SCORES.columns])
        tables = {"units": units, "projects": projects, "indicators": indicators,
                  "self_scores": scores}
        if self.targets:
            rounds = indicators[[c.name for c in INDICATOR_ROUNDS.columns if c.name in indicators]]
            tables["indicator_rounds"] = rounds.assign(
                round=1, target=[row["typed_target"] for row in self.indicators],
                last_year=np.nan)[[c.name for c in INDICATOR_ROUNDS.columns]]
        return FormImport(tables, pd.DataFrame(self.forms), tuple(self.warnings))


def _split_code(text: str) -> tuple[str, str]:
    """A leading code and the name: ``219-棠溪镇人民政府`` → (``219``, ``棠溪镇人民政府``).

    >>> _split_code("51000021R000000019951-工资性支出"), _split_code("委托业务项目")
    (('51000021R000000019951', '工资性支出'), ('', '委托业务项目'))
    """
    m = _CODED.match(text)
    if m and any(ch.isdigit() for ch in m.group("code")):
        return m.group("code"), m.group("name").strip()
    return "", text


def _level1_name(text: str) -> str:
    """The level-1 name as the rule sets write it: 产出 → 产出指标.

    >>> _level1_name("产出指标"), _level1_name("效益"), _level1_name("满意度")
    ('产出指标', '效益指标', '满意度指标')
    """
    text = text.strip()
    return text if text.endswith("指标") else f"{text}指标"


# --- writing forms in the official layout (sample data, fixtures, blank forms) ------------------

#: The layouts :func:`write_forms` writes: the 财预〔2020〕10号 annex (``national``) and the
#: Sichuan 部门预算项目支出绩效自评表 (``sichuan``: 指标性质, 指标值, 度量单位, 完成值, 权重,
#: 未完成原因分析; 年初预算 / 调整后预算数 / 预算执行数).
LAYOUTS = ("national", "sichuan")


def write_forms(forms: Sequence[dict], path: str | Path, *, layout: str = "national",
                per_sheet: int = 1) -> Path:
    """Write filled self-evaluation forms as Excel lays them out, merged cells and all.

    Parameters
    ----------
    forms : sequence of dict
        Each: ``year``, ``project_name``, ``department``, ``implementer``, ``funds`` (a dict of
        ``budget``, ``budget_annual``, ``budget_adjusted``, ``spent``, ``points``, ``rate``,
        ``score``, and optionally ``parts``: [(label, {field: amount})]), optionally ``code``
        (a 项目编码 row, ``national`` layout), ``goal``,
        ``goal_result``, ``indicators`` (dicts of ``level1`` — with its printed points, e.g.
        ``产出指标(50分)`` —, ``level2``, ``name``, ``comparator`` (``sichuan`` only),
        ``target``, ``unit`` (``sichuan`` only), ``actual``, ``weight``, ``score``,
        ``explanation``) and ``total`` (``points``, ``score``). Values are written as given
        (text as typed on the form, numbers as numbers).
    path : str or Path
        The ``.xlsx`` file to write.
    layout : str
        One of :data:`LAYOUTS`.
    per_sheet : int
        Forms per sheet, one under the other (departments often send them so).

    Returns
    -------
    Path
    """
    from openpyxl import Workbook

    from evalkit.io import atomic_write

    if layout not in LAYOUTS:
        raise InputError(f"layout: expected one of {LAYOUTS}, found {layout!r}")
    wb = Workbook()
    wb.remove(wb.active)
    for k in range(0, len(forms), per_sheet):
        ws = wb.create_sheet(f"自评表{k // per_sheet + 1}")
        row = 1
        for form in forms[k:k + per_sheet]:
            row = (_write_national if layout == "national" else _write_sichuan)(ws, row, form) + 2
    return atomic_write(path, lambda tmp: wb.save(tmp))


def _set(ws, row: int, col: int, value: object) -> None:
    """A cell's value; text starting with ``=`` (``=0次``) stays text, not a formula."""
    cell = ws.cell(row, col, value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def _put(ws, row: int, col: int, value: object, span: int = 1, down: int = 1) -> None:
    _set(ws, row, col, value)
    if span > 1 or down > 1:
        ws.merge_cells(start_row=row, start_column=col, end_row=row + down - 1,
                       end_column=col + span - 1)


def _blank_nan(value: object) -> object:
    return None if isinstance(value, float) and np.isnan(value) else value


def _write_indicator_rows(ws, row: int, rows: list[dict], columns: list[str], first: int) -> int:
    """Indicator rows with merged 一级/二级 cells (consecutive equal names merged)."""
    start = row
    for i, ind in enumerate(rows):
        for j, key in enumerate(columns):
            if key in ("level1", "level2"):
                continue
            _set(ws, row + i, first + j, _blank_nan(ind.get(key, "")))
    for key in ("level1", "level2"):
        j = columns.index(key)
        i = 0
        while i < len(rows):
            n = 1
            while i + n < len(rows) and rows[i + n][key] == rows[i][key] and (
                    key == "level1" or rows[i + n]["level1"] == rows[i]["level1"]):
                n += 1
            _put(ws, start + i, first + j, rows[i][key], down=n)
            i += n
    return start + len(rows)


def _write_national(ws, row: int, form: dict) -> int:
    _put(ws, row, 1, "项目支出绩效自评表", span=10)
    _put(ws, row + 1, 1, f"（{form['year']}年度）", span=10)
    row += 2
    _put(ws, row, 1, "项目名称", span=2)
    _put(ws, row, 3, form["project_name"], span=8)
    _put(ws, row + 1, 1, "主管部门", span=2)
    _put(ws, row + 1, 3, form["department"], span=3)
    _put(ws, row + 1, 6, "实施单位", span=1)
    _put(ws, row + 1, 7, form.get("implementer", ""), span=4)
    row += 2
    if form.get("code"):
        _put(ws, row, 1, "项目编码", span=2)
        _put(ws, row, 3, form["code"], span=8)
        row += 1
    funds = form["funds"]
    parts = funds.get("parts", [("其中：当年财政拨款", {}), ("上年结转资金", {}), ("其他资金", {})])
    _put(ws, row, 1, "项目资金（万元）", span=2, down=2 + len(parts))
    labels = [("budget", "年初预算数"), ("budget_annual", "全年预算数"), ("spent", "全年执行数"),
              ("points", "分值"), ("rate", "执行率"), ("score", "得分")]
    ws.cell(row, 3, "")
    for j, (_, label) in enumerate(labels):
        ws.cell(row, 4 + j, label)
    ws.cell(row + 1, 3, "年度资金总额")
    for j, (key, _) in enumerate(labels):
        ws.cell(row + 1, 4 + j, _blank_nan(funds.get(key)))
    for i, (label, amounts) in enumerate(parts):
        ws.cell(row + 2 + i, 3, label)
        for j, (key, _) in enumerate(labels[:3]):
            ws.cell(row + 2 + i, 4 + j, _blank_nan(amounts.get(key)))
        for j in (3, 4, 5):
            ws.cell(row + 2 + i, 4 + j, "—")
    row += 2 + len(parts)
    _put(ws, row, 1, "年度总体目标", span=2, down=2)
    _put(ws, row, 3, "预期目标", span=4)
    _put(ws, row, 7, "实际完成情况", span=4)
    _put(ws, row + 1, 3, form.get("goal", ""), span=4)
    _put(ws, row + 1, 7, form.get("goal_result", ""), span=4)
    row += 2
    rows = form["indicators"]
    _put(ws, row, 1, "绩效指标", down=len(rows) + 1)
    columns = ["level1", "level2", "name", "target", "actual", "weight", "score", "explanation"]
    for j, label in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值",
                               "得分", "偏差原因分析及改进措施"]):
        ws.cell(row, 2 + j, label)
    row = _write_indicator_rows(ws, row + 1, rows, columns, 2)
    _put(ws, row, 1, "总分", span=6)
    ws.cell(row, 7, _blank_nan(form["total"].get("points", 100)))
    ws.cell(row, 8, _blank_nan(form["total"].get("score")))
    return row


def _write_sichuan(ws, row: int, form: dict) -> int:
    _put(ws, row, 1, f"部门预算项目支出绩效自评表（{form['year']}年度）", span=11)
    row += 1
    _put(ws, row, 1, "项目名称", span=2)
    _put(ws, row, 3, form["project_name"], span=9)
    _put(ws, row + 1, 1, "主管部门", span=2)
    _put(ws, row + 1, 3, form["department"], span=3)
    _put(ws, row + 1, 6, "实施单位（盖章）", span=2)
    _put(ws, row + 1, 8, form.get("implementer", ""), span=4)
    row += 2
    _put(ws, row, 1, "项目基本情况", span=2, down=2)
    _put(ws, row, 3, "项目年度目标", span=4)
    _put(ws, row, 7, "年度目标完成情况", span=5)
    _put(ws, row + 1, 3, form.get("goal", ""), span=4)
    _put(ws, row + 1, 7, form.get("goal_result", ""), span=5)
    row += 2
    funds = form["funds"]
    parts = funds.get("parts", [("其中：财政资金", {}), ("财政专户管理资金", {}), ("单位资金", {})])
    _put(ws, row, 1, "预算执行情况（10分）", down=2 + len(parts))
    _put(ws, row, 2, "年度预算数（万元）", span=2)
    labels = [("budget", "年初预算"), ("budget_adjusted", "调整后预算数"), ("spent", "预算执行数"),
              ("rate", "预算执行率"), ("points", "权重"), ("score", "得分")]
    for j, (_, label) in enumerate(labels):
        ws.cell(row, 4 + j, label)
    ws.cell(row, 10, "原因")
    _put(ws, row + 1, 2, "总额", span=2)
    for j, (key, _) in enumerate(labels):
        ws.cell(row + 1, 4 + j, _blank_nan(funds.get(key)))
    for i, (label, amounts) in enumerate(parts):
        _put(ws, row + 2 + i, 2, label, span=2)
        for j, (key, _) in enumerate(labels[:3]):
            ws.cell(row + 2 + i, 4 + j, _blank_nan(amounts.get(key)))
        ws.cell(row + 2 + i, 8, "/")
        ws.cell(row + 2 + i, 9, "/")
    row += 2 + len(parts)
    rows = form["indicators"]
    _put(ws, row, 1, "绩效指标（90分）", down=len(rows) + 1)
    columns = ["level1", "level2", "name", "comparator", "target", "unit", "actual", "weight",
               "score", "explanation"]
    for j, label in enumerate(["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位",
                               "完成值", "权重", "得分", "未完成原因分析"]):
        ws.cell(row, 2 + j, label)
    row = _write_indicator_rows(ws, row + 1, rows, columns, 2)
    _put(ws, row, 1, "合计", span=8)
    ws.cell(row, 9, _blank_nan(form["total"].get("points", 100)))
    ws.cell(row, 10, _blank_nan(form["total"].get("score")))
    return row
