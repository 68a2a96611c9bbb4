"""Target-sheet review (绩效目标审核): automatic checks of a project's indicator sheet, over rounds.

Before a budget is released, a third party reviews every project's three-level indicator sheet
(绩效目标表, DOMAIN.md §2) and sends it back with comments; the department revises it and files it
again. The seed county did this three times (三次会审; "三下三上" for poverty-alleviation
projects: sent down, filled, checked, returned). Each check here is a rule whose threshold is in
the rule set's ``target_review`` section (DOMAIN.md §12 [P]); each finding names the indicator,
the rule in Chinese words and the suggested fix. Given successive versions of a sheet, the
review shows what changed and which comments were resolved, are still open or are new.

The rules (:data:`RULES`, in the order findings are listed), with their rule-set keys:

- 必备指标类别缺失: a required level-2 category has no indicator (``required_categories``;
  ``poverty_required_categories`` for poverty-alleviation projects — this is where a missing
  成本指标 is found);
- 三级指标数量不足: a poverty-alleviation sheet has fewer than ``poverty_min_indicators``;
- 目标值未量化: a ≥, ≤ or = indicator whose target is not one exact number;
- 缺少计量单位: a ≥, ≤ or = indicator with a number but no unit (``require_unit``);
- 表述模糊: a name or target containing one of ``vague_words``;
- 时效指标未明确时限: a ``time_level2`` indicator none of whose name, target and unit matches one
  of ``time_patterns`` (a date, a duration unit, an on-time rate);
- 满意度目标值偏低: a ``satisfaction_level2`` target below ``satisfaction_floor``;
- 分值合计不符: the sheet's weights do not add up to ``weight_total`` (± ``weight_tolerance``);
- 目标值未高于上年实际: a ≥ target not above last year's actual × (1 + ``min_improvement``), a ≤
  target not below it × (1 − ``min_improvement``), where the data has it;
- 指标名称照搬项目名称: a name equal to or containing the project name, ``project_name_suffixes``
  removed from both, when that name keeps ``project_name_min_length`` characters (a short stem
  such as 培训 is no copy).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from evalkit.errors import InputError
from evalkit.rules import RuleSet, load_ruleset
from evalkit.stages.base import StageResult, plain, require_keys
from evalkit.values import display_text, normalize_text, parse_comparator, parse_value

if TYPE_CHECKING:
    from evalkit.io import Dataset

__all__ = ["FINDING_HEADERS", "RULES", "TargetReviewResult", "assess", "check_ruleset",
           "compare_rounds", "evaluate", "evaluate_many", "framework", "project_sheets",
           "review_sheet", "sheet_changes"]

RULESET_SECTION = "target_review"
REQUIRED_KEYS = ("required_categories", "poverty_required_categories", "poverty_min_indicators",
                 "require_unit", "vague_words", "time_level2", "time_patterns",
                 "satisfaction_level2", "satisfaction_floor", "weight_total", "weight_tolerance",
                 "min_improvement", "project_name_suffixes", "project_name_min_length",
                 "conclusion_pass",
                 "conclusion_revise")

#: Rule code → the rule in Chinese words, in the order findings are listed. The codes key the
#: comparison of rounds; reports show the Chinese names only.
RULES: Mapping[str, str] = {
    "category": "必备指标类别缺失",
    "count": "三级指标数量不足",
    "quantified": "目标值未量化",
    "unit": "缺少计量单位",
    "vague": "表述模糊",
    "time": "时效指标未明确时限",
    "satisfaction": "满意度目标值偏低",
    "weights": "分值合计不符",
    "last_year": "目标值未高于上年实际",
    "project_name": "指标名称照搬项目名称",
}

#: Column → Chinese header of the 审核意见表 (findings and comments tables).
FINDING_HEADERS: Mapping[str, str] = {
    "round": "审核轮次", "indicator_id": "指标编码", "indicator": "三级指标", "rule": "审核规则",
    "finding": "审核意见", "suggestion": "修改建议", "status": "处理情况",
}

#: Comment statuses in a round, relative to the round before.
NEW, OPEN, RESOLVED = "新增", "仍未解决", "已解决"

_QUANTITATIVE = ("≥", "≤", "=")
_SHEET_LEVEL = "（整表）"
_FINDING_COLUMNS = ("round", "rule_id", "rule", "key", "indicator_id", "indicator", "finding",
                    "suggestion")
_CHANGE_COLUMNS = ("round", "indicator_id", "indicator", "change", "field", "before", "after")
#: Fields of a sheet row whose change between rounds is listed, with their Chinese names.
_COMPARED = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标", "comparator": "指标方向",
             "target": "年度指标值", "unit": "计量单位", "weight": "分值"}


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetReviewResult(StageResult):
    """One project's target-sheet review over its rounds (a :class:`~evalkit.stages.StageResult`).

    Attributes
    ----------
    project_id : object
    project_name : str
    is_poverty : bool
    rounds : tuple of int
        The review rounds of the sheet, ascending.
    sheets : pandas.DataFrame
        Every round's sheet as reviewed (``round``, ``indicator_id``, ``level1``, ``level2``,
        ``name``, ``comparator``, ``target`` as typed, ``unit``, ``weight``, ``last_year``).
    findings : pandas.DataFrame
        Every round's findings (:func:`review_sheet` columns) with ``status``: 新增 (not raised in
        the round before) or 仍未解决 (raised there too).
    comments : pandas.DataFrame
        ``findings`` plus, for each round after the first, the previous round's comments no
        longer raised (``status`` 已解决), ordered by round, rule and indicator.
    changes : pandas.DataFrame
        What changed from each round to the next (:func:`sheet_changes`).
    conclusion : str
        ``conclusion_pass`` when the last round has no finding, else ``conclusion_revise``.
    rules : dict
        The ``target_review`` section applied.
    ruleset : dict
        ``ruleset_id``, ``ruleset_version``, ``ruleset_sha256``.
    """

    project_id: Any
    project_name: str
    is_poverty: bool
    rounds: tuple[int, ...]
    sheets: pd.DataFrame
    findings: pd.DataFrame
    comments: pd.DataFrame
    changes: pd.DataFrame
    conclusion: str
    rules: dict
    ruleset: dict

    @property
    def last_round(self) -> int:
        """The last review round."""
        return self.rounds[-1]

    @property
    def final(self) -> pd.DataFrame:
        """The findings of the last round: the 审核意见表 still to be acted on."""
        return self.findings[self.findings["round"] == self.last_round].reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """The findings of the last round."""
        return self.final

    def status_counts(self, round_: int | None = None) -> dict[str, int]:
        """``{新增, 仍未解决, 已解决: n}`` of one round's comments (default: the last round)."""
        r = self.last_round if round_ is None else round_
        status = self.comments.loc[self.comments["round"] == r, "status"]
        return {s: int((status == s).sum()) for s in (NEW, OPEN, RESOLVED)}

    def summary(self) -> dict[str, Any]:
        """A JSON-serialisable record.

        Keys: ``project_id``, ``n_findings`` (last round), ``conclusion``, ``is_poverty``,
        ``n_rounds``, ``last_round``, ``n_indicators`` (last round's sheet),
        ``findings_per_round`` ({round: n}), ``n_new``, ``n_open``, ``n_resolved`` (the last
        round's comments by status), ``n_resolved_total`` (resolved over all rounds),
        ``findings_by_rule`` ({Chinese rule: n} of the last round), ``ruleset_id``,
        ``ruleset_version``, ``ruleset_sha256``.
        """
        counts = self.status_counts()
        final = self.final
        return {
            "project_id": plain(self.project_id),
            "n_findings": len(final),
            "conclusion": self.conclusion,
            "is_poverty": bool(self.is_poverty),
            "n_rounds": len(self.rounds),
            "last_round": int(self.last_round),
            "n_indicators": int((self.sheets["round"] == self.last_round).sum()),
            "findings_per_round": {str(r): int((self.findings["round"] == r).sum())
                                   for r in self.rounds},
            "n_new": counts[NEW], "n_open": counts[OPEN], "n_resolved": counts[RESOLVED],
            "n_resolved_total": int((self.comments["status"] == RESOLVED).sum()),
            "findings_by_rule": {name: int((final["rule"] == name).sum())
                                 for name in RULES.values() if (final["rule"] == name).any()},
            **self.ruleset,
        }

    def _html_facts(self) -> list[tuple[str, object]]:
        return [("项目", self.project_id), ("审核轮次", f"{len(self.rounds)} 轮"),
                ("末轮审核意见", f"{len(self.final)} 条"), ("审核结论", self.conclusion)]

    def _html_tables(self) -> list[pd.DataFrame]:
        return [self.comments[list(FINDING_HEADERS)].rename(columns=dict(FINDING_HEADERS))]


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


def _section(ruleset: str | Path | RuleSet) -> tuple[RuleSet, Mapping[str, Any]]:
    rs = load_ruleset(ruleset)
    return rs, rs.section(RULESET_SECTION, needed_by="绩效目标审核")


def framework(ruleset: str | Path | RuleSet = "national") -> pd.DataFrame:
    """The review rules and their thresholds under a rule set.

    Parameters
    ----------
    ruleset : str, Path or RuleSet, default "national"

    Returns
    -------
    pandas.DataFrame
        One row per rule of :data:`RULES`: ``rule`` (Chinese) and ``threshold`` (the rule set's
        parameter in words).

    References
    ----------
    .. [1] DOMAIN.md §2 (indicator sheets) and §12 (target review).

    Examples
    --------
    >>> framework("national").iloc[[1, 6]].to_string(index=False)
    '    rule           threshold\\n三级指标数量不足 扶贫项目不少于 7 项\\n满意度目标值偏低          不低于 80%'
    """
    _, s = _section(ruleset)
    general = "、".join(c["category"] for c in s["required_categories"])
    poverty = "、".join(c["category"] for c in s["poverty_required_categories"])
    thresholds = {
        "category": f"一般项目：{general}；扶贫项目：{poverty}",
        "count": f"扶贫项目不少于 {s['poverty_min_indicators']} 项",
        "quantified": "≥、≤、= 指标的目标值为确切数值",
        "unit": "须注明计量单位" if s["require_unit"] else "不检查",
        "vague": "不得含“" + "”“".join(s["vague_words"]) + "”",
        "time": "名称、目标值或计量单位中写明日期、期限或按期要求",
        "satisfaction": f"不低于 {s['satisfaction_floor'] * 100:g}%",
        "weights": f"合计 {s['weight_total']:g} 分（允差 {s['weight_tolerance']:g}）",
        "last_year": ("高于上年实际完成值" if not s["min_improvement"] else
                      f"比上年实际完成值提高 {s['min_improvement'] * 100:g}% 以上"),
        "project_name": "不得与项目名称相同或包含项目名称",
    }
    return pd.DataFrame({"rule": list(RULES.values()), "threshold": list(thresholds.values())})


def _strip_suffixes(text: str, suffixes: list[str]) -> str:
    """``text`` without any of ``suffixes`` at its end, repeatedly (村级道路建设项目 → 村级道路建设)."""
    changed = True
    while changed:
        changed = False
        for suffix in suffixes:
            if suffix and text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)], True
    return text


def _share(value: float, unit: str) -> float:
    """A satisfaction target as a share: ``90`` with unit ``%`` (or > 1 without one) → 0.9."""
    return value / 100 if unit in ("%", "％") or value > 1 else value


def _row_findings(row: Mapping[str, Any], s: Mapping[str, Any], project_stem: str,
                  add: Callable[..., None]) -> None:
    """The findings of one indicator row (every rule but the sheet-level ones)."""
    name, target = normalize_text(row["name"]), normalize_text(row["target"])
    unit = normalize_text(row.get("unit"))
    try:
        comparator = parse_comparator(row["comparator"])
    except InputError:
        raise InputError(f"指标 {row['indicator_id']}（{name}）：指标方向应为 ≥、≤、= 或 定性，"
                         f"实际为 {normalize_text(row['comparator'])!r} (comparator: expected "
                         f"≥, ≤, = or 定性)") from None
    try:
        parsed = parse_value(target)
    except InputError:
        parsed = None  # words or an approximation: the rule 目标值未量化 says so
    comparator = comparator or (parsed.comparator if parsed else None)
    unit = unit or (parsed.unit if parsed else "")
    number = parsed.value if parsed is not None else math.nan
    if comparator in _QUANTITATIVE or comparator is None:
        if math.isnan(number):
            add("quantified", row, f"年度指标值“{target or '空白'}”不是确切的数值",
                "将目标值改为可考核的确切数值（如“≥95%”“1200 人次”），并注明计量单位")
        elif s["require_unit"] and not unit:
            add("unit", row, "未注明计量单位", "注明计量单位（如 %、人次、个、万元）")
    words = [w for w in s["vague_words"] if w in name or w in target]
    if words:
        add("vague", row, f"含模糊表述“{'”“'.join(words)}”",
            "删去模糊表述，改为可衡量的目标值或明确的完成标准")
    if row["level2"] in s["time_level2"] and not any(
            re.search(p, text) for p in s["time_patterns"] for text in (name, target, unit) if text):
        add("time", row, "未写明完成日期或期限",
            "写明完成时限（如“2020年10月底前完成”）或以天、月计的期限")
    if (row["level2"] in s["satisfaction_level2"] and comparator == "≥"
            and not math.isnan(number) and _share(number, unit) < s["satisfaction_floor"]):
        add("satisfaction", row, f"满意度目标值 {number:g}{unit} 低于 "
            f"{s['satisfaction_floor'] * 100:g}%",
            f"将满意度目标值提高到不低于 {s['satisfaction_floor'] * 100:g}%")
    last = row.get("last_year")
    last = float(last) if last is not None and not pd.isna(last) else math.nan
    if not math.isnan(last) and not math.isnan(number):
        k = s["min_improvement"]
        if comparator == "≥" and number <= last * (1 + k):
            add("last_year", row, f"目标值 {number:g}{unit} 不高于上年实际完成值 {last:g}{unit}",
                f"目标值应高于上年实际完成值 {last:g}{unit}，体现年度进步")
        elif comparator == "≤" and number >= last * (1 - k):
            add("last_year", row, f"目标值 {number:g}{unit} 不低于上年实际完成值 {last:g}{unit}",
                f"目标值应低于上年实际完成值 {last:g}{unit}，体现年度进步")
    stem = _strip_suffixes(name, list(s["project_name_suffixes"]))
    if len(project_stem) >= s["project_name_min_length"] and (stem == project_stem
                                                               or project_stem in name):
        add("project_name", row, f"指标名称“{name}”照搬项目名称",
            "以项目的具体产出或效益命名指标（如数量、质量、完成率），不照搬项目名称")


def review_sheet(
    sheet: pd.DataFrame,
    *,
    project_name: str,
    is_poverty: bool,
    ruleset: str | Path | RuleSet = "national",
    round_: int = 1,
) -> pd.DataFrame:
    """Review one version of an indicator sheet: every finding of every rule.

    Parameters
    ----------
    sheet : pandas.DataFrame
        One project's sheet: ``indicator_id``, ``level1``, ``level2``, ``name``, ``comparator``
        (≥, ≤, =, 定性 or a spelling :func:`~evalkit.values.parse_comparator` accepts; blank
        when typed into the target), ``target`` (as typed: ``95%``, ``有所提高``), ``weight``;
        optional ``unit`` and ``last_year`` (上年实际完成值, a number). Not modified.
    project_name : str
        The project's name (the rule 指标名称照搬项目名称).
    is_poverty : bool
        Poverty-alleviation project: its own categories and the minimum number of indicators.
    ruleset : str, Path or RuleSet, default "national"
        Supplies the ``target_review`` section.
    round_ : int, default 1
        Written into the ``round`` column.

    Returns
    -------
    pandas.DataFrame
        One row per finding, sheet-level rules first, then row by row in sheet order and
        :data:`RULES` order: ``round``, ``rule_id`` (a :data:`RULES` code), ``rule`` (Chinese),
        ``key`` (what the comment is about: the indicator id, or the category for a missing
        one), ``indicator_id`` (blank for sheet-level findings), ``indicator`` (the name, or
        （整表）), ``finding`` (审核意见) and ``suggestion`` (修改建议).

    Notes
    -----
    The rules and their parameters are listed in the module docstring. Thresholds compare
    unrounded values: a satisfaction target exactly at the floor passes; a target equal to last
    year's actual fails; weights pass when :math:`|\\sum w - W| \\le` ``weight_tolerance``.

    References
    ----------
    .. [1] DOMAIN.md §2 (the categories of an indicator sheet; poverty sheets ≥ 7 indicators
       [C/P]) and §12 (the review checks, each a rule-set parameter [P]).

    Examples
    --------
    >>> sheet = pd.DataFrame({"indicator_id": ["I1", "I2", "I3"],
    ...     "level1": ["产出指标", "产出指标", "满意度指标"],
    ...     "level2": ["数量指标", "时效指标", "服务对象满意度指标"],
    ...     "name": ["培训人次", "完成时间", "学员满意度"], "comparator": ["≥", "≥", "≥"],
    ...     "target": ["500", "有所提高", "75%"], "weight": [40, 30, 20]})
    >>> found = review_sheet(sheet, project_name="技能培训项目", is_poverty=False)
    >>> found[["indicator", "rule"]].to_string(index=False)
    'indicator      rule\\n   （整表） 必备指标类别缺失\\n   （整表） 必备指标类别缺失\\n   培训人次    缺少计量单位\\n   完成时间    目标值未量化\\n   完成时间      表述模糊\\n   完成时间 时效指标未明确时限\\n  学员满意度  满意度目标值偏低'
    """
    _, s = _section(ruleset)
    found: list[dict[str, Any]] = []

    def add(rule_id: str, row: Mapping[str, Any] | None, finding: str, suggestion: str,
            key: str = "") -> None:
        indicator_id = "" if row is None else normalize_text(row["indicator_id"])
        found.append({"round": round_, "rule_id": rule_id, "rule": RULES[rule_id],
                      "key": key or indicator_id, "indicator_id": indicator_id,
                      "indicator": _SHEET_LEVEL if row is None else display_text(row["name"]),
                      "finding": finding, "suggestion": suggestion})

    level2 = set(sheet["level2"].map(normalize_text))
    categories = s["poverty_required_categories"] if is_poverty else s["required_categories"]
    for category in categories:
        if not level2 & set(category["level2"]):
            add("category", None, f"缺少{category['category']}",
                f"补充至少一项{category['category']}，目标值量化并注明计量单位",
                key=category["category"])
    minimum = s["poverty_min_indicators"]
    if is_poverty and len(sheet) < minimum:
        add("count", None, f"扶贫项目三级指标 {len(sheet)} 项，少于 {minimum} 项",
            f"补充三级指标至不少于 {minimum} 项，覆盖数量、质量、时效、成本、社会效益和满意度")
    total = float(pd.to_numeric(sheet["weight"]).sum())
    if abs(total - s["weight_total"]) > s["weight_tolerance"]:
        add("weights", None, f"各指标分值合计 {total:g} 分，应为 {s['weight_total']:g} 分",
            f"调整各指标分值，使合计为 {s['weight_total']:g} 分")
    sheet_level = len(found)
    project_stem = _strip_suffixes(normalize_text(project_name), list(s["project_name_suffixes"]))
    for row in sheet.to_dict("records"):
        _row_findings(row, s, project_stem, add)
    order = {code: i for i, code in enumerate(RULES)}
    head = sorted(found[:sheet_level], key=lambda f: order[f["rule_id"]])
    return pd.DataFrame([*head, *found[sheet_level:]], columns=list(_FINDING_COLUMNS))


# --------------------------------------------------------------------------------------------
# Rounds
# --------------------------------------------------------------------------------------------


def compare_rounds(findings: pd.DataFrame, rounds: Sequence[int] | None = None) -> pd.DataFrame:
    """Each round's comments as 新增, 仍未解决 or 已解决 relative to the round before.

    Parameters
    ----------
    findings : pandas.DataFrame
        The findings of every round (:func:`review_sheet` rows, concatenated). Not modified.
    rounds : sequence of int, optional
        The rounds reviewed, so that a round without any finding still resolves the comments of
        the round before; default: the rounds present in ``findings``.

    Returns
    -------
    pandas.DataFrame
        The findings with a ``status`` column — 新增 when the same comment (same ``rule_id`` and
        ``key``) was not raised in the previous round present in the table (every comment of the
        first round is 新增), 仍未解决 when it was — plus, for every later round, one 已解决 row
        per comment of the previous round of ``rounds`` no longer raised (its text as it was then, ``round``
        the round in which it was found resolved). Sorted by round, then status
        (仍未解决, 新增, 已解决), keeping the findings' order within a status.

    Examples
    --------
    >>> f = pd.DataFrame({"round": [1, 1, 2, 2], "rule_id": ["unit", "vague", "vague", "time"],
    ...     "key": ["I1", "I2", "I2", "I3"]})
    >>> compare_rounds(f)[["round", "rule_id", "status"]].to_string(index=False)
    ' round rule_id status\\n     1    unit     新增\\n     1   vague     新增\\n     2   vague   仍未解决\\n     2    time     新增\\n     2    unit    已解决'
    >>> compare_rounds(f, rounds=[1, 2, 3]).query("round == 3")["status"].tolist()
    ['已解决', '已解决']
    """
    rounds = sorted(findings["round"].unique() if rounds is None else rounds)
    out = []
    previous = findings.iloc[0:0]
    order = {OPEN: 0, NEW: 1, RESOLVED: 2}
    for r in rounds:
        now = findings[findings["round"] == r]
        before = set(zip(previous["rule_id"], previous["key"], strict=True))
        current = set(zip(now["rule_id"], now["key"], strict=True))
        marked = now.assign(status=[OPEN if k in before else NEW for k in
                                    zip(now["rule_id"], now["key"], strict=True)])
        gone = previous[[k not in current for k in
                         zip(previous["rule_id"], previous["key"], strict=True)]]
        frame = pd.concat([marked, gone.assign(round=r, status=RESOLVED)], ignore_index=True)
        out.append(frame.iloc[sorted(range(len(frame)),
                                     key=lambda i: order[frame["status"].iat[i]])])
        previous = now
    if not out:
        return findings.assign(status=pd.Series(dtype=str))
    return pd.concat(out, ignore_index=True)


def _cell_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return normalize_text(value)


def sheet_changes(sheets: pd.DataFrame) -> pd.DataFrame:
    """What changed in a sheet from each round to the next.

    Parameters
    ----------
    sheets : pandas.DataFrame
        One project's sheets of every round (``round``, ``indicator_id`` and the columns of
        :func:`review_sheet`'s ``sheet``). Not modified.

    Returns
    -------
    pandas.DataFrame
        ``round`` (the later round), ``indicator_id``, ``indicator`` (name in the later round, or
        the earlier for a deleted one), ``change`` (新增指标, 删除指标 or 修改), ``field`` (the
        Chinese name of the changed cell, blank for added or deleted rows), ``before``,
        ``after`` (as text). Indicators are matched by ``indicator_id``.

    Examples
    --------
    >>> s = pd.DataFrame({"round": [1, 1, 2, 2], "indicator_id": ["I1", "I2", "I1", "I3"],
    ...     "level1": "产出指标", "level2": "数量指标", "name": ["培训人次", "覆盖村数", "培训人次", "结业率"],
    ...     "comparator": "≥", "target": ["有所提高", "10", "500", "95%"], "unit": ["", "个", "人次", "%"],
    ...     "weight": [50, 40, 50, 40]})
    >>> sheet_changes(s)[["indicator_id", "change", "field", "before", "after"]].to_string(index=False)
    'indicator_id change field before after\\n          I1     修改 年度指标值   有所提高   500\\n          I1     修改  计量单位          人次\\n          I2   删除指标                   \\n          I3   新增指标                   '
    """
    rounds = sorted(sheets["round"].unique())
    rows = []
    fields = [f for f in _COMPARED if f in sheets]
    for before_round, after_round in zip(rounds, rounds[1:], strict=False):
        old = sheets[sheets["round"] == before_round].set_index("indicator_id")
        new = sheets[sheets["round"] == after_round].set_index("indicator_id")
        for iid in old.index.union(new.index, sort=False):
            if iid not in new.index:
                rows.append((after_round, iid, old.at[iid, "name"], "删除指标", "", "", ""))
            elif iid not in old.index:
                rows.append((after_round, iid, new.at[iid, "name"], "新增指标", "", "", ""))
            else:
                rows += [(after_round, iid, new.at[iid, "name"], "修改", _COMPARED[f], a, b)
                         for f in fields
                         for a, b in [(_cell_text(old.at[iid, f]), _cell_text(new.at[iid, f]))]
                         if a != b]
    return pd.DataFrame(rows, columns=list(_CHANGE_COLUMNS))


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


def assess(
    project: pd.Series | Mapping[str, Any],
    sheets: pd.DataFrame,
    *,
    ruleset: str | Path | RuleSet = "national",
) -> TargetReviewResult:
    """Review a project's indicator sheet in every round it was filed.

    The table-level counterpart of :func:`evaluate`.

    Parameters
    ----------
    project : pandas.Series or mapping
        ``project_id``, ``project_name`` and ``is_poverty`` of the project.
    sheets : pandas.DataFrame
        The project's sheet in each round: a ``round`` column (1, 2, 3 …) and the columns of
        :func:`review_sheet`. Not modified.
    ruleset : str, Path or RuleSet, default "national"

    Returns
    -------
    TargetReviewResult

    Raises
    ------
    InputError
        No sheet rows; a round that is not a positive integer.

    Notes
    -----
    Each round is reviewed with :func:`review_sheet`; :func:`compare_rounds` marks each round's
    comments against the round before and :func:`sheet_changes` lists what the department
    changed. The conclusion is ``conclusion_pass`` when the last round has no finding.

    References
    ----------
    .. [1] DOMAIN.md §12: review runs in rounds ("三下三上"), so comments carry over and are
       resolved or not.

    Examples
    --------
    Round 1 has a vague, unquantified satisfaction target; round 2 fixes it, and the missing
    质量, 时效 and 效益 categories stay open.

    >>> sheets = pd.DataFrame({"round": [1, 1, 2, 2], "indicator_id": ["I1", "I2"] * 2,
    ...     "level1": ["产出指标", "满意度指标"] * 2, "level2": ["数量指标", "服务对象满意度指标"] * 2,
    ...     "name": ["培训人次", "学员满意度"] * 2, "comparator": "≥",
    ...     "target": ["500", "有所提高", "500", "90"], "unit": ["人次", "", "人次", "%"],
    ...     "weight": [80, 10, 80, 10]})
    >>> result = assess({"project_id": "P1", "project_name": "培训项目", "is_poverty": False},
    ...                 sheets)
    >>> result.summary()["findings_per_round"], result.status_counts(2)
    ({'1': 5, '2': 3}, {'新增': 0, '仍未解决': 3, '已解决': 2})
    >>> result.final["finding"].tolist(), result.conclusion
    (['缺少质量指标', '缺少时效指标', '缺少效益指标'], '修改完善后重新报送')
    """
    rs, s = _section(ruleset)
    row = dict(project)
    if sheets.empty:
        raise InputError(f"项目 {row['project_id']}：应有绩效目标表，实际没有指标 "
                         f"(target review: expected indicator rows, found none)")
    rounds_col = pd.to_numeric(sheets["round"], errors="coerce")
    if rounds_col.isna().any() or (rounds_col < 1).any() or (rounds_col % 1 != 0).any():
        bad = sheets.loc[rounds_col.isna() | (rounds_col < 1) | (rounds_col % 1 != 0), "round"]
        raise InputError(f"项目 {row['project_id']}：审核轮次应为正整数，实际为 "
                         f"{bad.iat[0]!r} (round: expected a positive integer)")
    sheets = sheets.assign(round=rounds_col.astype(int))
    rounds = tuple(int(r) for r in sorted(sheets["round"].unique()))
    is_poverty = bool(row.get("is_poverty", False))
    findings = pd.concat(
        [review_sheet(sheets[sheets["round"] == r], project_name=str(row.get("project_name", "")),
                      is_poverty=is_poverty, ruleset=rs, round_=r) for r in rounds],
        ignore_index=True)
    comments = compare_rounds(findings, rounds)
    marked = comments[comments["status"] != RESOLVED].reset_index(drop=True)
    last = rounds[-1]
    passed = not (findings["round"] == last).any()
    return TargetReviewResult(
        project_id=plain(row["project_id"]),
        project_name=str(row.get("project_name", "")),
        is_poverty=is_poverty,
        rounds=rounds,
        sheets=sheets.reset_index(drop=True),
        findings=marked,
        comments=comments,
        changes=sheet_changes(sheets),
        conclusion=str(s["conclusion_pass"] if passed else s["conclusion_revise"]),
        rules=dict(s),
        ruleset=rs.to_record(),
    )


def _indicator_sheet(indicators: pd.DataFrame) -> pd.DataFrame:
    """A project's indicators-table rows as a round-1 sheet (targets written back as text; a
    text target — a date or a wording read from a form by :mod:`evalkit.forms` — as typed)."""
    target = [v if isinstance(v, str) else "" if pd.isna(v) else f"{v:g}"
              for v in indicators["target"]]
    return indicators.assign(round=1, target=target, last_year=math.nan)


def project_sheets(dataset: Dataset, project_id: Any) -> pd.DataFrame:
    """The sheets of a project's review rounds, as :func:`assess` takes them.

    Parameters
    ----------
    dataset : Dataset
    project_id : object

    Returns
    -------
    pandas.DataFrame
        The project's ``indicator_rounds`` rows when it has any, else its ``indicators`` rows as
        round 1 (qualitative targets are then blank: that table keeps only numeric targets, so
        the rule 表述模糊 sees only their names). Empty for a project without a sheet.
    """
    rounds = dataset.tables.get("indicator_rounds")
    if rounds is not None:
        mine = rounds[rounds["project_id"] == project_id]
        if not mine.empty:
            return mine
    indicators = dataset.indicators
    return _indicator_sheet(indicators[indicators["project_id"] == project_id])


def evaluate(
    dataset: Dataset,
    project_id: Any,
    *,
    ruleset: str | Path | RuleSet = "national",
) -> TargetReviewResult:
    """Review one project of a dataset in every round (see :func:`assess`).

    Parameters
    ----------
    dataset : Dataset
        Its ``indicator_rounds`` table (目标审核轮次) holds the sheets as filed in each round; a
        project without rows there is reviewed once, from its ``indicators`` table.
    project_id : object
    ruleset : str, Path or RuleSet, default "national"

    Returns
    -------
    TargetReviewResult

    Raises
    ------
    InputError
        An unknown project id; a project with no indicator sheet (an ex-ante project).

    References
    ----------
    .. [1] DOMAIN.md §12, target review.
    """
    project = dataset.project(project_id)
    sheets = project_sheets(dataset, project_id)
    if sheets.empty:
        raise InputError(f"项目 {project_id}：没有绩效目标表（事前评估项目尚未编制），无法审核 "
                         f"(target review: project has no indicator sheet)")
    return assess(project, sheets, ruleset=ruleset)


def evaluate_many(
    dataset: Dataset,
    *,
    ruleset: str | Path | RuleSet = "national",
) -> pd.DataFrame:
    """Review every project of a dataset that has an indicator sheet; one row per project.

    Parameters
    ----------
    dataset : Dataset
    ruleset : str, Path or RuleSet, default "national"

    Returns
    -------
    pandas.DataFrame
        In projects-table order: ``project_id``, ``project_name``, ``is_poverty``, ``n_rounds``,
        ``n_findings`` (last round), ``n_new``, ``n_open``, ``n_resolved``, ``n_resolved_total``,
        ``conclusion``, and one column per round ``round_1`` … with its number of findings.

    Raises
    ------
    InputError
        The problems of every project together.
    """
    from evalkit.schemas import has_indicator_sheet

    rs = load_ruleset(ruleset)
    projects = dataset.projects[has_indicator_sheet(dataset.projects)]
    rows, problems = [], []
    for pid in projects["project_id"]:
        try:
            summary = evaluate(dataset, pid, ruleset=rs).summary()
        except InputError as exc:
            problems.append(str(exc))
            continue
        rows.append({"project_id": pid, "project_name": dataset.project(pid)["project_name"],
                     **{k: summary[k] for k in ("is_poverty", "n_rounds", "n_findings", "n_new",
                                                "n_open", "n_resolved", "n_resolved_total",
                                                "conclusion")},
                     **{f"round_{r}": n for r, n in summary["findings_per_round"].items()}})
    if problems:
        raise InputError("；".join(problems))
    return pd.DataFrame(rows)


def check_ruleset(section: Mapping[str, Any], fail: Callable[[str, str, object], None]) -> None:
    """Validate a rule set's ``target_review`` section; ``fail(key, expected, found)`` raises.

    Checks: every key of :data:`REQUIRED_KEYS`; category lists of ``{category, level2: [..]}``;
    ``poverty_min_indicators`` and ``project_name_min_length`` non-negative integers; ``satisfaction_floor`` and
    ``min_improvement`` in [0, 1]; ``weight_total`` > 0, ``weight_tolerance`` ≥ 0; word and
    pattern lists of strings, every pattern a valid regular expression.

    Examples
    --------
    >>> from evalkit.rules import failer, load_ruleset
    >>> section = dict(load_ruleset("national").data["target_review"])
    >>> check_ruleset(section, failer("national.yaml"))
    >>> check_ruleset({**section, "satisfaction_floor": 90}, failer("national.yaml"))
    Traceback (most recent call last):
    ...
    evalkit.errors.RuleSetError: rule set national.yaml: key 'target_review.satisfaction_floor': expected a share between 0 and 1, found 90
    """
    require_keys(section, RULESET_SECTION, REQUIRED_KEYS, fail)
    for key in ("required_categories", "poverty_required_categories"):
        items = section[key]
        if not isinstance(items, list):
            fail(f"{RULESET_SECTION}.{key}", "a list of {category, level2}", items)
        for i, item in enumerate(items):
            if (not isinstance(item, Mapping) or not isinstance(item.get("category"), str)
                    or not isinstance(item.get("level2"), list) or not item["level2"]):
                fail(f"{RULESET_SECTION}.{key}[{i}]",
                     "{category: 名称, level2: [二级指标, …]}", item)
    for key in ("poverty_min_indicators", "project_name_min_length"):
        n = section[key]
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            fail(f"{RULESET_SECTION}.{key}", "a non-negative integer", n)
    for key in ("satisfaction_floor", "min_improvement"):
        v = section[key]
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 <= v <= 1:
            fail(f"{RULESET_SECTION}.{key}", "a share between 0 and 1", v)
    for key, ok in (("weight_total", lambda v: v > 0), ("weight_tolerance", lambda v: v >= 0)):
        v = section[key]
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not ok(v):
            fail(f"{RULESET_SECTION}.{key}", "a positive number" if key == "weight_total"
                 else "a non-negative number", v)
    for key in ("vague_words", "time_level2", "time_patterns", "satisfaction_level2",
                "project_name_suffixes"):
        v = section[key]
        if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
            fail(f"{RULESET_SECTION}.{key}", "a list of non-empty strings", v)
    for i, pattern in enumerate(section["time_patterns"]):
        try:
            re.compile(pattern)
        except re.error:
            fail(f"{RULESET_SECTION}.time_patterns[{i}]", "a regular expression", pattern)
    if not isinstance(section["require_unit"], bool):
        fail(f"{RULESET_SECTION}.require_unit", "true or false", section["require_unit"])
    for key in ("conclusion_pass", "conclusion_revise"):
        if not isinstance(section[key], str) or not section[key]:
            fail(f"{RULESET_SECTION}.{key}", "a non-empty text", section[key])
