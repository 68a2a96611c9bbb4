"""The engagement behind every report: who commissioned it, who evaluated and signs it, its number.

A dataset may carry two tables (sheets or CSV files, Chinese or English headers,
:mod:`evalkit.schemas`):

* ``项目委托信息`` (``engagement``), one row: 委托方, 评价机构, 机构简称, 项目负责人, 评价期间,
  评价年度, 报告日期, 稿件状态 (征求意见稿 / 正式稿), 报告编号规则, 保密提示, Word模板;
* ``评价组`` (``team``): 姓名, 角色, 职称/资格, one row per member.

Each report's cover, signature page, header and footer are filled from them
(:mod:`evalkit.render.pipeline`). A blank field shows :data:`PLACEHOLDER` and raises an
:class:`~evalkit.errors.EvalkitWarning` naming it; a 正式稿 (final version) with any blank field
refuses to render (:func:`check_final`).

报告编号 (report number): ``报告编号规则`` is a Python format string over the fields of
:data:`NUMBER_FIELDS`, default :data:`DEFAULT_PATTERN` (``{机构简称}-{年度}-{类型代码}-{序号:03d}``).
类型代码 is the report type's code (:data:`TYPE_CODES`, else the initials of its name); 序号 is
the subject's place (1, 2, …) among the subjects the report type applies to in the dataset, so it
is the same for the same subject on every run and unique within a report type, and the type code
makes it unique across the types of a batch. A subject outside that list (named explicitly) is
numbered after it, by its place in its subject table.
"""

from __future__ import annotations

import datetime as dt
import re
import string
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.errors import EvalkitWarning, InputError, Problem

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.io import Dataset
    from evalkit.registry import ReportType

#: What a report shows where an engagement field is blank.
PLACEHOLDER = "【待填】"
#: 稿件状态 values: a draft for comments, and the final version (no placeholder allowed).
DRAFT, FINAL = "征求意见稿", "正式稿"
STATUSES = (DRAFT, FINAL)
#: 报告编号 pattern when the engagement names none.
DEFAULT_PATTERN = "{机构简称}-{年度}-{类型代码}-{序号:03d}"
#: The fields a 报告编号规则 may use.
NUMBER_FIELDS = ("机构简称", "年度", "类型代码", "序号", "编码")
#: 类型代码 of the built-in report types (pinyin initials of the Chinese title); a type not listed
#: (a plug-in) takes the upper-case initials of its name.
TYPE_CODES = {
    "ex_ante_assessment": "SQPG", "key_project_evaluation": "ZDPJ", "self_evaluation": "XMZP",
    "unit_self_evaluation": "BMZP", "unit_evaluation": "BMPJ", "target_review": "MBSH",
    "monitoring": "YXJK", "rectification_notice": "ZGTZ", "unit_monitoring": "BMJK",
    "assumption_review": "WJFX",
}
#: The engagement fields a report shows, in cover order: attribute → Chinese label.
FIELDS = {"client": "委托方", "agency": "评价机构", "lead": "项目负责人", "period": "评价期间",
          "report_date": "报告日期", "status": "稿件状态"}
#: Fields the 报告编号 needs (shown as missing when the pattern uses them and they are blank).
_NUMBER_SOURCES = {"机构简称": "agency_short", "年度": "year"}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass(frozen=True)
class TeamMember:
    """One member of the evaluation team (评价组)."""

    name: str
    role: str
    title: str = ""


@dataclass(frozen=True)
class Engagement:
    """The engagement of a dataset; blank fields are empty strings (None for dates and years).

    Attributes
    ----------
    client, agency, agency_short, lead, period : str
        委托方, 评价机构, 机构简称, 项目负责人, 评价期间.
    year : int or None
        评价年度 (the 年度 of the 报告编号); blank: the year of 评价期间, else of 报告日期.
    report_date : date or None
        报告日期, also the creation date of the Word and PDF files.
    status : str
        征求意见稿 or 正式稿; blank counts as a draft shown as 【待填】.
    number_pattern : str
        报告编号规则 (:data:`DEFAULT_PATTERN` when blank).
    confidentiality : str
        保密提示, the confidentiality line of the cover (optional: none when blank).
    word_template : str
        Word模板: the agency's .docx, relative to the dataset's folder (optional).
    team : tuple of TeamMember
    """

    client: str = ""
    agency: str = ""
    agency_short: str = ""
    lead: str = ""
    period: str = ""
    year: int | None = None
    report_date: dt.date | None = None
    status: str = ""
    number_pattern: str = ""
    confidentiality: str = ""
    word_template: str = ""
    team: tuple[TeamMember, ...] = ()

    @property
    def number_year(self) -> int | None:
        """The 年度 of the 报告编号: 评价年度, else the first year in 评价期间, else 报告日期's."""
        if self.year is not None:
            return self.year
        found = re.search(r"(19|20)\d{2}", self.period)
        if found:
            return int(found.group(0))
        return self.report_date.year if self.report_date else None

    def missing(self) -> list[str]:
        """The Chinese names of the blank fields a report needs (cover, number, signatures)."""
        out = [label for attr, label in FIELDS.items() if not getattr(self, attr)]
        pattern = self.number_pattern or DEFAULT_PATTERN
        out += [name for name, attr in _NUMBER_SOURCES.items()
                if "{" + name in pattern and not (self.number_year if attr == "year"
                                                   else getattr(self, attr))]
        if not self.team:
            out.append("评价组")
        return out

    def text(self, attr: str) -> str:
        """A field for display: its value, or :data:`PLACEHOLDER` when blank."""
        if attr == "report_date":
            return chinese_date(self.report_date) if self.report_date else PLACEHOLDER
        return str(getattr(self, attr) or PLACEHOLDER)


def chinese_date(day: dt.date) -> str:
    """A date as a Chinese report writes it.

    >>> chinese_date(dt.date(2021, 3, 5))
    '2021年3月5日'
    """
    return f"{day.year}年{day.month}月{day.day}日"


def parse_date(cell: object) -> dt.date | None:
    """An Excel date cell or text such as ``2021-03-15``, ``2021/3/15``, ``2021年3月15日``.

    Returns None for a blank; raises InputError for anything else.

    >>> parse_date("2021年3月15日"), parse_date("")
    (datetime.date(2021, 3, 15), None)
    """
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    text = "" if cell is None or (isinstance(cell, float) and cell != cell) else str(cell).strip()
    if not text:
        return None
    match = _DATE.match(text.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} ", text) else text)
    if not match:
        raise InputError(f"not a date: {text!r}")
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError as exc:
        raise InputError(f"not a date: {text!r}") from exc


def _pattern_problem(pattern: str) -> str:
    """Why a 报告编号规则 cannot be used ('' when it can)."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
    except ValueError as exc:
        return f"无法解析（{exc}）"
    unknown = [n for n in names if n not in NUMBER_FIELDS]
    if unknown:
        return f"未知字段 {'、'.join(unknown)}"
    if "序号" not in names and "编码" not in names:
        return "不含 {序号} 或 {编码}，各报告编号将相同"
    try:
        pattern.format(**{n: 1 if n in ("序号", "年度") else "X" for n in NUMBER_FIELDS})
    except (ValueError, TypeError, IndexError) as exc:
        return f"格式无效（{exc}）"
    return ""


def engagement_problems(frame: pd.DataFrame, loc: Any) -> tuple[pd.DataFrame, list[Problem]]:
    """Check the parsed 项目委托信息 table: one row, a known 稿件状态, a date, a usable pattern.

    ``loc`` is the table's location in its file (file, sheet, headers, Excel rows); every problem
    names the file, sheet, Excel row and header. Returns the table with ``report_date`` parsed.
    """
    problems: list[Problem] = []

    def problem(i: int, column: str, expected: str, found: str) -> None:
        problems.append(Problem(loc.file, loc.sheet, int(loc.rows[i]),
                                loc.headers.get(column, column), expected, found))

    if len(frame) > 1:
        problems.append(Problem(loc.file, loc.sheet, int(loc.rows[1]), "", "只有一行委托信息",
                                f"{len(frame)} 行（第 {int(loc.rows[0])} 行之后还有）"))
    dates = []
    for i, row in enumerate(frame.itertuples(index=False)):
        status = str(row.status or "")
        if status and status not in STATUSES:
            problem(i, "status", " 或 ".join(STATUSES), repr(status))
        try:
            dates.append(parse_date(row.report_date))
        except InputError:
            problem(i, "report_date", "日期，如 2021-03-15 或 2021年3月15日",
                    repr(str(row.report_date)))
            dates.append(None)
        why = _pattern_problem(str(row.number_pattern)) if row.number_pattern else ""
        if why:
            problem(i, "number_pattern", f"由 {'、'.join('{' + f + '}' for f in NUMBER_FIELDS)} "
                    f"组成的编号规则", f"{row.number_pattern!r}：{why}")
    return frame.assign(report_date=dates), problems


def engagement_of(dataset: Dataset) -> Engagement:
    """The engagement of a validated dataset (all fields blank when it has no such tables)."""
    import math

    def clean(value: Any) -> Any:
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else value

    record: dict[str, Any] = {}
    if "engagement" in dataset.tables and len(dataset.tables["engagement"]):
        row = dataset.tables["engagement"].iloc[0]
        record = {k: clean(row.get(k)) for k in Engagement.__dataclass_fields__ if k != "team"}
        record["year"] = None if record.get("year") is None else int(record["year"])
        record = {k: ("" if v is None and k not in ("year", "report_date") else v)
                  for k, v in record.items()}
    team = ()
    if "team" in dataset.tables:
        team = tuple(TeamMember(str(r.name), str(r.role or ""), str(r.title or ""))
                     for r in dataset.tables["team"].itertuples(index=False))
    return Engagement(**record, team=team)


def type_code(report_type: ReportType) -> str:
    """The 类型代码 of a report type in its 报告编号.

    >>> from evalkit import registry
    >>> type_code(registry.get("self_evaluation"))
    'XMZP'
    """
    return TYPE_CODES.get(report_type.name) or "".join(w[0] for w in report_type.name.split("_")).upper()


def report_number(engagement: Engagement, code: str, serial: int, subject_id: str) -> str:
    """The 报告编号 of one report; a blank field of the pattern shows :data:`PLACEHOLDER`.

    >>> report_number(Engagement(agency_short="HZPJ", year=2020), "XMZP", 7, "XM-1")
    'HZPJ-2020-XMZP-007'
    """
    values = {"机构简称": engagement.agency_short or PLACEHOLDER,
              "年度": engagement.number_year or PLACEHOLDER, "类型代码": code, "序号": serial,
              "编码": subject_id}
    pattern = engagement.number_pattern or DEFAULT_PATTERN
    if values["年度"] == PLACEHOLDER:  # a width or type spec on 年度 cannot take the placeholder
        pattern = re.sub(r"\{年度:[^}]*\}", "{年度}", pattern)
    return pattern.format(**values)


@dataclass(frozen=True)
class ReportIdentity:
    """What a report's cover, signature page, header, footer and appendix show.

    Built on the client or worker from the dataset (:func:`report_identity`) and passed to the
    renderers; every text is ready for display (blanks already :data:`PLACEHOLDER`).
    """

    number: str
    subject_label: str
    subject_name: str
    subject_id: str
    engagement: Engagement = field(default_factory=Engagement)
    inputs_sha256: Mapping[str, str] = field(default_factory=dict)
    word_template: str = ""
    listed: bool = True  # the subject is a row of a dataset table (a portfolio is not)

    def cover_rows(self) -> list[tuple[str, str]]:
        """(label, text) rows of the cover, in order."""
        e = self.engagement
        portfolio = not self.listed
        subject = (self.subject_name or self.subject_id if portfolio else
                   f"{self.subject_name}（{self.subject_label}编码 {self.subject_id}）"
                   if self.subject_name and self.subject_name != self.subject_id
                   else self.subject_id)
        return [("评价对象" if portfolio else f"{self.subject_label}名称", subject), ("委托方", e.text("client")), ("评价机构", e.text("agency")),
                ("报告编号", self.number), ("报告日期", e.text("report_date")),
                ("稿件状态", e.text("status"))]

    def team_rows(self) -> list[tuple[str, str, str]]:
        """(姓名, 角色, 职称/资格) of the signature page; one placeholder row for an empty team."""
        members = self.engagement.team or (TeamMember(PLACEHOLDER, PLACEHOLDER, ""),)
        return [(m.name, m.role or PLACEHOLDER, m.title or "—") for m in members]


def placeholder_identity(subject_id: str = "") -> ReportIdentity:
    """The identity of a report rendered without a dataset: every field :data:`PLACEHOLDER`."""
    return ReportIdentity(PLACEHOLDER, "报告", "", subject_id or PLACEHOLDER)


def _serials(report_type: ReportType, dataset: Dataset, ruleset: Any) -> dict[str, int]:
    """Subject id → 序号 (1, 2, …) in the order the report type lists its subjects."""
    ids = report_type.subjects(dataset, ruleset)
    return {sid: n for n, sid in enumerate(dict.fromkeys(ids), 1)}


_SERIALS: dict[tuple, dict[str, int]] = {}


def report_identity(report_type: ReportType, dataset: Dataset, ruleset: Any, subject_id: str,
                    *, word_template: str | Path = "") -> ReportIdentity:
    """The identity of one report of ``report_type`` on ``subject_id`` (see the module notes).

    ``word_template`` (a path, e.g. ``--word-template``) wins over the engagement's Word模板,
    which is read relative to the dataset's folder.
    """
    key = (report_type.name, dataset.source, tuple(sorted(dataset.sha256.items())),
           getattr(ruleset, "sha256", str(ruleset)))
    if key not in _SERIALS:
        if len(_SERIALS) > 32:
            _SERIALS.clear()
        _SERIALS[key] = _serials(report_type, dataset, ruleset)
    serials = _SERIALS[key]
    subject = report_type.subject
    name = ""
    table = dataset.tables.get(subject.table) if subject.table else None
    if table is not None and subject.name_column in table:
        hit = table[table[subject.id_column] == subject_id]
        name = str(hit[subject.name_column].iloc[0]) if len(hit) else ""
        position = (int(hit.index[0]) + 1) if len(hit) else len(table) + 1
    else:
        from evalkit import registry

        names = [t.name for t in registry.report_types()]
        if subject_id in names:
            name = f"{registry.get(subject_id).title}组合"
        position = names.index(subject_id) + 1 if subject_id in names else len(names) + 1
    serial = serials.get(subject_id, len(serials) + position)
    engagement = engagement_of(dataset)
    template = str(word_template or "")
    if not template and engagement.word_template:
        base = Path(dataset.source)
        template = str((base if base.is_dir() else base.parent) / engagement.word_template)
    number = report_number(engagement, type_code(report_type), serial, subject_id)
    return ReportIdentity(number, subject.label, name, subject_id, engagement,
                          dict(dataset.sha256), template, listed=bool(subject.table))


def warn_missing(engagement: Engagement) -> None:
    """An EvalkitWarning naming the blank engagement fields (nothing when all are filled)."""
    missing = engagement.missing()
    if missing:
        warnings.warn(f"项目委托信息缺少 {'、'.join(missing)}：报告中显示为{PLACEHOLDER}，"
                      f"正式稿须补全 (engagement details missing: {len(missing)} field(s))",
                      EvalkitWarning, stacklevel=2)


def check_final(engagement: Engagement, where: str = "项目委托信息") -> None:
    """Refuse a 正式稿 with blank fields: InputError naming every one of them."""
    missing = engagement.missing()
    if engagement.status == FINAL and missing:
        raise InputError(f"{where}：稿件状态为{FINAL}，应填写 {'、'.join(missing)}，实际为空白"
                         f"（正式稿不得保留{PLACEHOLDER}；请补全或改为{DRAFT}） (final version "
                         f"with blank engagement fields: {', '.join(missing)})")

