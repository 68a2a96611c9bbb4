"""Report types: the one registry of what evalkit reports on (papermill's engine registry is the
model).

A :class:`ReportType` says everything the rest of evalkit needs to know about one kind of report:
its name and Chinese title, its notebook, its **subject** (what one report is about — a project, a
budget unit, a county-year, a portfolio — with the id column that is also the notebook's
parameter), which subjects of a dataset it applies to (an explicit callable, never a default),
the stage's ``evaluate`` callable, the summary keys of its **verdict** (total, grade or tier) and
what that verdict is called, the subject-row columns its portfolio shows, and the rule-set
section it needs with that section's validator. ``render``, ``batch``, the ``evalkit`` command,
``tasks.py`` and the README's report table all read this registry.

Built-in types are registered here; other packages add theirs without forking evalkit, either by
calling :func:`register` or through an entry point in the group ``evalkit.report_types`` whose
object is a ReportType (or a callable returning one or a list of them)::

    [project.entry-points."evalkit.report_types"]
    unit_review = "my_agency.reports:UNIT_REVIEW"

Callables may be given as ``"module:attribute"`` strings, imported on first use, so listing the
registry imports no stage module, pandas or scipy.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from evalkit.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.io import Dataset

#: Entry-point group through which other packages register report types.
ENTRY_POINT_GROUP = "evalkit.report_types"
_SAFE_ID = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff][0-9A-Za-z\u4e00-\u9fff_.\-]{0,63}$")


@dataclass(frozen=True)
class Subject:
    """What one report is about, and how its id becomes a notebook parameter and a file name.

    Attributes
    ----------
    kind : str
        ``"project"``, ``"unit"``, ``"county_year"``, ``"portfolio"`` … (free text).
    table : str
        The dataset table that lists the subjects (``projects``, ``units``).
    id_column : str
        The id column of that table; also the notebook parameter that names the subject.
    label : str
        The Chinese noun shown to users: 项目, 预算单位.
    name_column : str
        The column holding the subject's display name.
    """

    kind: str
    table: str
    id_column: str
    label: str
    name_column: str

    def safe_id(self, value: Any) -> str:
        """Return ``value`` if it is safe as a folder and file name, else raise InputError.

        Allowed: letters, digits, CJK ideographs, ``_ . -``, at most 64 characters, not starting
        with a dot or dash — so ``../../etc/x`` or ``P1; rm -rf`` never become paths.

        >>> PROJECT.safe_id("XM-2020-001")
        'XM-2020-001'
        """
        if not isinstance(value, str) or not _SAFE_ID.match(value) or ".." in value:
            raise InputError(f"{self.label}编码 {value!r}：应为字母、数字、汉字、'_'、'.' 或 '-'"
                             f"（不超过 64 个字符，可用作文件名），实际含有其他字符 "
                             f"({self.id_column} must be a safe file name)")
        return value

    def row(self, dataset: Dataset, subject_id: str) -> pd.Series:
        """The subject's row of its table; an unknown id lists some known ones."""
        return dataset.row(self.table, self.id_column, subject_id)


PROJECT = Subject("project", "projects", "project_id", "项目", "project_name")
UNIT = Subject("unit", "units", "unit_id", "预算单位", "unit_name")
#: A county-year (县级年度, issue 15): the ids are the years of the projects with an indicator
#: sheet (``"2020"``), listed by ``county_years``; no dataset table lists them.
COUNTY_YEAR = Subject("county_year", "", "year", "年度", "")
#: A portfolio of one report type (稳健性分析): the ids are report-type names, listed by the
#: report type's ``applies_to``; no dataset table lists them (``table`` is empty).
PORTFOLIO = Subject("portfolio", "", "report_type", "项目组合", "")


@dataclass(frozen=True)
class Verdict:
    """A report's verdict in the one shape that batch, cli, portfolio and summary read.

    Attributes
    ----------
    total : float or None
        The total score, unrounded (None when the report failed or has none).
    band : str
        The grade or tier (优, 予以支持 …); empty when there is none.
    label : str
        What the band is called in this report type (评价等级, 评估结论 …).
    """

    total: float | None
    band: str
    label: str

    def to_record(self) -> dict[str, Any]:
        """``{"total", "verdict", "verdict_label"}`` for manifests and tables."""
        return {"total": self.total, "verdict": self.band, "verdict_label": self.label}


def _resolve(ref: Any) -> Any:
    """A callable given as ``"module:attribute"`` is imported; anything else is returned."""
    if isinstance(ref, str):
        module, _, attribute = ref.partition(":")
        return getattr(importlib.import_module(module), attribute)
    return ref


@dataclass(frozen=True)
class ReportType:
    """One kind of report. See the module docstring.

    Attributes
    ----------
    name : str
        Identifier used on the command line (``evalkit run NAME``) and in output folders.
    title : str
        Chinese title (事前绩效评估报告 …).
    notebook : str
        The template: a file name in evalkit's templates folder, or an absolute path (a type
        registered by another package ships its own notebook).
    subject : Subject
    applies_to : callable or str
        ``dataset -> list of subject ids`` this type reports on (``evalkit run NAME --project all``).
    evaluate : callable or str
        The stage's ``evaluate(dataset, subject_id, *, ruleset)``.
    verdict_keys : (str, str)
        The summary keys of the total and of the grade or tier.
    verdict_label : str
        What the grade or tier is called (评价等级, 评估结论).
    portfolio_columns : mapping
        Subject-row column → Chinese header, shown after the subject's id in the portfolio page
        and workbook (the name, unit and budget of a project …).
    score_labels : mapping
        Summary key of a ``{name: score}`` mapping → the Chinese category of the workbook's
        评分明细 sheet.
    ruleset_section : str or None
        The rule-set section this type needs; running it under a rule set without it fails with
        a clear error naming the section.
    check_ruleset : callable or str, optional
        ``check(section, fail)`` validating that section (see :mod:`evalkit.rules`).
    applies_to_text : str
        One line for the README and ``evalkit reports``: which subjects it applies to.
    total_label : str, default "总分"
        The portfolio header of the verdict's total (a review counts findings, not points).
    total_format : str, default ".2f"
        How the portfolio page writes that total (``"d"`` for a count).
    applies_by_ruleset : bool
        Whether ``applies_to`` takes ``ruleset=`` too: the subjects depend on rule-set
        thresholds (the projects due a rectification notice).
    """

    name: str
    title: str
    notebook: str
    subject: Subject
    applies_to: Callable[[Dataset], list[str]] | str
    evaluate: Callable[..., Any] | str
    verdict_keys: tuple[str, str] = ("total", "grade")
    verdict_label: str = "评价等级"
    portfolio_columns: Mapping[str, str] = field(default_factory=dict)
    score_labels: Mapping[str, str] = field(default_factory=dict)
    ruleset_section: str | None = None
    check_ruleset: Callable[[Mapping[str, Any], Callable], None] | str | None = None
    applies_to_text: str = ""
    total_label: str = "总分"
    total_format: str = ".2f"
    applies_by_ruleset: bool = False

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            raise InputError(f"report type {self.name!r}: expected a lower-case identifier "
                             f"(letters, digits, '_'), found other characters")
        object.__setattr__(self, "portfolio_columns", MappingProxyType(dict(self.portfolio_columns)))
        object.__setattr__(self, "score_labels", MappingProxyType(dict(self.score_labels)))

    def notebook_path(self) -> Path:
        """The template notebook of this type (bundled templates folder or an absolute path)."""
        path = Path(self.notebook)
        if not path.is_absolute():
            from evalkit.bundle import notebooks_dir

            path = notebooks_dir() / path
        if not path.is_file():
            raise InputError(f"report type {self.name}: expected its notebook at {path}, "
                             f"found nothing")
        return path

    def subjects(self, dataset: Dataset, ruleset: Any = "national") -> list[str]:
        """The ids of the dataset's subjects this type applies to (under ``ruleset`` when the
        type's subjects depend on it)."""
        applies = _resolve(self.applies_to)
        found = applies(dataset, ruleset=ruleset) if self.applies_by_ruleset else applies(dataset)
        return [str(s) for s in found]

    def run_evaluate(self, dataset: Dataset, subject_id: str, *, ruleset: Any = "national"):
        """Evaluate one subject with the stage's callable."""
        return _resolve(self.evaluate)(dataset, subject_id, ruleset=ruleset)

    def verdict(self, summary: Mapping[str, Any] | None) -> Verdict:
        """The verdict of a report from its machine summary (a failed report: no total)."""
        summary = summary or {}
        total_key, band_key = self.verdict_keys
        total = summary.get(total_key)
        return Verdict(None if total is None else float(total), str(summary.get(band_key) or ""),
                       self.verdict_label)

    def require_section(self, ruleset: Any) -> None:
        """Raise RuleSetError when ``ruleset`` lacks the section this type needs."""
        if self.ruleset_section is not None:
            ruleset.section(self.ruleset_section, needed_by=self.title)


_REGISTRY: dict[str, ReportType] = {}
_ENTRY_POINTS_LOADED = False


def register(report_type: ReportType, *, replace: bool = False) -> ReportType:
    """Add a report type to the registry and return it.

    Raises
    ------
    InputError
        When the name is taken (unless ``replace``).
    """
    if report_type.name in _REGISTRY and not replace:
        raise InputError(f"report type {report_type.name!r}: expected a new name, found one "
                         f"already registered ({_REGISTRY[report_type.name].title})")
    _REGISTRY[report_type.name] = report_type
    return report_type


def unregister(name: str) -> None:
    """Remove a report type (a test's or a plug-in's); unknown names are ignored."""
    _REGISTRY.pop(name, None)


def _load_entry_points() -> None:
    global _ENTRY_POINTS_LOADED
    if _ENTRY_POINTS_LOADED:
        return
    _ENTRY_POINTS_LOADED = True
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        found = obj() if callable(obj) and not isinstance(obj, ReportType) else obj
        for report_type in found if isinstance(found, (list, tuple)) else [found]:
            if not isinstance(report_type, ReportType):
                raise InputError(f"entry point {ep.name} = {ep.value} ({ENTRY_POINT_GROUP}): "
                                 f"expected a ReportType, found {type(report_type).__name__}")
            register(report_type, replace=True)


def report_types() -> list[ReportType]:
    """Every registered report type: the built-in ones, then those of other packages."""
    _load_entry_points()
    return list(_REGISTRY.values())


def get(name: str) -> ReportType:
    """The report type called ``name``; an unknown name lists the registered ones.

    >>> get("self_evaluation").title
    '项目支出绩效自评报告'
    """
    _load_entry_points()
    if name not in _REGISTRY:
        raise InputError(f"报告类型 {name!r}：应为 {', '.join(_REGISTRY)} 之一，实际未注册 "
                         f"(report type: expected one of {list(_REGISTRY)})")
    return _REGISTRY[name]


def section_checks() -> dict[str, list[Callable[[Mapping[str, Any], Callable], None]]]:
    """Rule-set section → the validators of the report types that need it."""
    checks: dict[str, list] = {}
    for report_type in report_types():
        if report_type.ruleset_section and report_type.check_ruleset is not None:
            check = _resolve(report_type.check_ruleset)
            section = checks.setdefault(report_type.ruleset_section, [])
            if check not in section:
                section.append(check)
    return checks


# --- built-in report types ---------------------------------------------------------------------

def _at_stage(stage: str) -> Callable[[Dataset], list[str]]:
    """Projects whose ``stage`` (评价类型) is ``stage``."""
    def applies(dataset: Dataset) -> list[str]:
        projects = dataset.projects
        if "stage" not in projects:
            return []
        return list(projects.loc[(projects["stage"].fillna("") == stage).to_numpy(), "project_id"])

    return applies


def _with_indicator_sheet(dataset: Dataset) -> list[str]:
    from evalkit.schemas import has_indicator_sheet

    return list(dataset.projects.loc[has_indicator_sheet(dataset.projects), "project_id"])


_PROJECT_COLUMNS = {"project_name": "项目名称", "unit_name": "预算单位", "budget": "预算数（万元）"}


def _every_unit(dataset: Dataset) -> list[str]:
    """Every unit of the units table (department-wide evaluation)."""
    return list(dataset.units["unit_id"])


def _unitwide(name: str, title: str, evaluate: str, verdict_label: str) -> ReportType:
    """A department-wide report type: every unit, the ``unitwide`` stage and rule-set section."""
    return ReportType(
        name=name, title=title, notebook=f"{name}.ipynb", subject=UNIT, applies_to=_every_unit,
        evaluate=f"evalkit.stages.unitwide:{evaluate}", verdict_label=verdict_label,
        portfolio_columns={"unit_name": "预算单位", "budget": "预算数（万元）"},
        score_labels={"level1_scores": "一级指标"}, ruleset_section="unitwide",
        check_ruleset="evalkit.stages.unitwide:check_ruleset",
        applies_to_text="every budget unit (units table with the department-wide columns)")


def _builtin() -> Sequence[ReportType]:
    from evalkit.schemas import EXANTE_STAGE, KEYPROJECT_STAGE

    return (
        ReportType(
            name="ex_ante_assessment", title="事前绩效评估报告",
            notebook="ex_ante_assessment.ipynb", subject=PROJECT,
            applies_to=_at_stage(EXANTE_STAGE), evaluate="evalkit.stages.exante:evaluate",
            verdict_keys=("total", "conclusion"), verdict_label="评估结论",
            portfolio_columns=_PROJECT_COLUMNS,
            score_labels={"dimension_scores": "评估维度"},
            ruleset_section="exante", check_ruleset="evalkit.stages.exante:check_ruleset",
            applies_to_text=f"projects with `stage` = {EXANTE_STAGE} and `expert_scores`"),
        ReportType(
            name="key_project_evaluation", title="重点项目绩效评价报告",
            notebook="key_project_evaluation.ipynb", subject=PROJECT,
            applies_to=_at_stage(KEYPROJECT_STAGE), evaluate="evalkit.stages.keyproject:evaluate",
            portfolio_columns=_PROJECT_COLUMNS,
            score_labels={"level1_scores": "一级指标"},
            ruleset_section="keyproject",
            check_ruleset="evalkit.stages.keyproject:check_ruleset",
            applies_to_text=f"projects with `stage` = {KEYPROJECT_STAGE}, `judgements` and "
                            f"`survey`"),
        ReportType(
            name="self_evaluation", title="项目支出绩效自评报告",
            notebook="self_evaluation.ipynb", subject=PROJECT,
            applies_to=_with_indicator_sheet, evaluate="evalkit.stages.selfeval:evaluate",
            portfolio_columns=_PROJECT_COLUMNS,
            score_labels={"level1_scores": "一级指标"},
            ruleset_section="selfeval", check_ruleset="evalkit.stages.selfeval:check_ruleset",
            applies_to_text="every project with an indicator sheet (all but 事前评估)"),
        # --- department-wide evaluation (部门整体支出绩效评价): subject = budget unit ---
        _unitwide("unit_self_evaluation", "部门整体支出绩效自评报告", "evaluate_self", "自评等级"),
        _unitwide("unit_evaluation", "部门整体支出绩效评价报告", "evaluate", "评价等级"),
        # --- target review (绩效目标审核) ---
        ReportType(
            name="target_review", title="绩效目标审核意见表",
            notebook="target_review.ipynb", subject=PROJECT,
            applies_to=_with_indicator_sheet, evaluate="evalkit.stages.target_review:evaluate",
            verdict_keys=("n_findings", "conclusion"), verdict_label="审核结论",
            total_label="末轮审核意见（条）", total_format="g",
            portfolio_columns=_PROJECT_COLUMNS,
            ruleset_section="target_review",
            check_ruleset="evalkit.stages.target_review:check_ruleset",
            applies_to_text="every project with an indicator sheet, in every review round of "
                            "`indicator_rounds`"),
        # --- 绩效运行监控 (dual monitoring, issue 14 item 2) ---
        ReportType(
            name="monitoring", title="项目绩效运行监控报告",
            notebook="monitoring.ipynb", subject=PROJECT,
            applies_to="evalkit.stages.monitoring:monitored",
            evaluate="evalkit.stages.monitoring:evaluate",
            verdict_keys=("review_score", "light"), verdict_label="目标完成灯",
            total_label="监控审核得分",
            portfolio_columns=_PROJECT_COLUMNS,
            score_labels={"review_scores": "监控审核项"},
            ruleset_section="monitoring", check_ruleset="evalkit.stages.monitoring:check_ruleset",
            applies_to_text="every project with a monitoring form (`monitoring`, "
                            "`monitoring_indicators`)"),
        ReportType(
            name="rectification_notice", title="绩效监控整改通知书",
            notebook="rectification_notice.ipynb", subject=PROJECT,
            applies_to="evalkit.stages.monitoring:flagged_projects", applies_by_ruleset=True,
            evaluate="evalkit.stages.monitoring:evaluate",
            verdict_keys=("review_score", "rectification"), verdict_label="整改结论",
            total_label="监控审核得分",
            portfolio_columns=_PROJECT_COLUMNS,
            score_labels={"review_scores": "监控审核项"},
            ruleset_section="monitoring", check_ruleset="evalkit.stages.monitoring:check_ruleset",
            applies_to_text="monitored projects whose expected execution and completion differ "
                            "by more than `monitoring.gap_points` or whose review score is below "
                            "`monitoring.min_score`"),
        # --- 部门整体支出监控 (unit monitoring, issue 14): subject = budget unit ---
        ReportType(
            name="unit_monitoring", title="部门整体支出绩效运行监控报告",
            notebook="unit_monitoring.ipynb", subject=UNIT,
            applies_to="evalkit.stages.unit_monitoring:monitored_units",
            evaluate="evalkit.stages.unit_monitoring:evaluate",
            verdict_keys=("review_score", "light"), verdict_label="重点工作灯",
            total_label="监控审核得分",
            portfolio_columns={"unit_name": "预算单位", "budget": "预算数（万元）"},
            score_labels={"review_scores": "监控审核项"},
            ruleset_section="monitoring", check_ruleset="evalkit.stages.monitoring:check_ruleset",
            applies_to_text="every budget unit with a monitoring form (`unit_monitoring`, "
                            "`unit_task_monitoring`)"),
        # --- 自评复核 (issue 11): a department's self-scores re-checked, subject = project ---
        ReportType(
            name="self_evaluation_recheck", title="项目支出绩效自评复核意见",
            notebook="self_evaluation_recheck.ipynb", subject=PROJECT,
            applies_to="evalkit.stages.recheck:checked_projects",
            evaluate="evalkit.stages.recheck:evaluate",
            verdict_keys=("n_discrepancies", "conclusion"), verdict_label="复核结论",
            total_label="自评差异（处）", total_format="g",
            portfolio_columns={"project_name": "项目名称", "unit_name": "预算单位（主管部门）",
                               "budget": "预算数（万元）"},
            ruleset_section="recheck", check_ruleset="evalkit.stages.recheck:check_ruleset",
            applies_to_text="every project with self-scores (`self_scores`, read from filled "
                            "forms by `evalkit import-forms`)"),
        # --- 稳健性分析 (issue 13 item 4): subject = the portfolio of one report type ---
        ReportType(
            name="assumption_review", title="稳健性分析报告",
            notebook="assumption_review.ipynb", subject=PORTFOLIO,
            applies_to="evalkit.review:portfolio_subjects",
            evaluate="evalkit.review:evaluate_portfolio",
            verdict_keys=("n_changed", "compared_with"), verdict_label="对比规则集",
            total_label="换用对比规则集后等级变化（个）", total_format="g",
            applies_to_text="the portfolio of each report type with grades and subjects in the "
                            "dataset (key_project_evaluation, self_evaluation)"),
        # --- the county's year (issue 15): subject = county-year ---
        ReportType(
            name="annual_summary", title="全面实施预算绩效管理工作总结",
            notebook="annual_summary.ipynb", subject=COUNTY_YEAR,
            applies_to="evalkit.stages.county_year:county_years",
            evaluate="evalkit.stages.annual_summary:evaluate",
            verdict_keys=("n_facts", "conclusion"), verdict_label="总结",
            total_label="计算得出的数字（个）", total_format="g",
            ruleset_section="annual_summary",
            check_ruleset="evalkit.stages.annual_summary:check_ruleset",
            applies_to_text="every year of the projects with an indicator sheet (the county-year)"),
        ReportType(
            name="result_application", title="评价结果应用报告",
            notebook="result_application.ipynb", subject=COUNTY_YEAR,
            applies_to="evalkit.stages.county_year:county_years",
            evaluate="evalkit.stages.result_application:evaluate",
            verdict_keys=("adjustment", "conclusion"), verdict_label="应用结论",
            total_label="调整金额（万元）",
            ruleset_section="result_application",
            check_ruleset="evalkit.stages.result_application:check_ruleset",
            applies_to_text="every county-year with self-evaluated projects (grades → next "
                            "year's budget actions)"),
    )


for _type in _builtin():
    register(_type)
del _type

__all__ = ["COUNTY_YEAR", "ENTRY_POINT_GROUP", "PORTFOLIO", "PROJECT", "UNIT", "ReportType", "Subject", "Verdict", "get",
           "register", "report_types", "section_checks", "unregister"]
