"""Parse values the way people type them into Excel.

Targets and actuals arrive as ``95%``, ``≥90%``, ``1,234.5``, ``12万元``, ``１２３`` (full-width
digits) or blank. :func:`parse_value` accepts what is unambiguous and raises :class:`InputError` for
the rest (``约50万``, ``50-60``, ``较好``), so that nothing doubtful is silently scored.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from evalkit.errors import CellError, InputError

#: Comparator spellings seen in indicator sheets, mapped to the canonical symbol.
COMPARATORS: dict[str, str] = {
    "≥": "≥", ">=": "≥", "≧": "≥", "大于等于": "≥", "不低于": "≥", "不少于": "≥", "不小于": "≥",
    ">": "≥", "大于": "≥", "高于": "≥",
    "≤": "≤", "<=": "≤", "≦": "≤", "小于等于": "≤", "不高于": "≤", "不超过": "≤", "不大于": "≤",
    "不多于": "≤", "<": "≤", "小于": "≤", "低于": "≤",
    "=": "=", "＝": "=", "==": "=", "等于": "=",
    "至少": "≥", "最多": "≤", "最高": "≤",
    "定性": "定性", "qualitative": "定性",
    # 指标性质 of provincial exports, and look-alike glyphs some exports use (DOMAIN.md §10)
    "正向": "≥", "正向指标": "≥", "反向": "≤", "反向指标": "≤", "定性指标": "定性",
    "═": "=", "〓": "=", "⩾": "≥", "⩽": "≤", "≧=": "≥", "≦=": "≤",
}

#: Cell texts meaning "this indicator does not apply to the project" (dropped and rescaled).
NOT_APPLICABLE = frozenset({"不适用", "n/a", "na", "not applicable", "无此项"})

_NUMBER = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+"
_COMPARATOR_RE = "|".join(sorted((re.escape(k) for k in COMPARATORS if k != "qualitative"),
                                 key=len, reverse=True))
_VALUE_RE = re.compile(
    rf"^(?P<cmp>{_COMPARATOR_RE})?\s*(?P<num>{_NUMBER})\s*(?P<unit>[^\d\s.,+-][^\d]*)?$"
)
# Multipliers written into the unit: 12万元 is 12 (unit 万元) — the number is kept in the unit the
# sheet states, so nothing is multiplied; only the percent sign is recognised as a unit.
_AMBIGUOUS_PREFIXES = ("约", "大约", "近")
_AMBIGUOUS_WORDS = ("左右", "约", "上下", "~", "～", "至")
#: Comparators typed after the number: ``90%以上`` means ≥ 90%.
_SUFFIX_COMPARATORS = {"以上": "≥", "及以上": "≥", "以下": "≤", "及以下": "≤", "以内": "≤",
                       "内": "≤", "之内": "≤", "前": "≤", "之前": "≤"}


@dataclass(frozen=True)
class ParsedValue:
    """A parsed cell: the number, an optional comparator typed in front, and the unit after it.

    ``value`` is NaN for a blank cell. Percentages keep their percent points (``95%`` → 95.0 with
    unit ``%``), so a target and an actual typed the same way compare directly.
    """

    value: float
    comparator: str | None = None
    unit: str = ""

    @property
    def is_blank(self) -> bool:
        """True when the cell was empty."""
        return math.isnan(self.value)


def _missing(value: object) -> bool:
    """None, NaN, pandas.NA or NaT: a blank cell whatever the table's dtype."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value))
                             if pd.api.types.is_scalar(value) else False)


def normalize_text(text: object) -> str:
    """Return ``text`` as a stripped string with full-width forms folded (NFKC).

    >>> normalize_text("　１２３．５％ ")
    '123.5%'
    """
    if _missing(text):
        return ""
    return unicodedata.normalize("NFKC", str(text)).strip()


def display_text(text: object) -> str:
    """Return ``text`` as a stripped string *as written*: no folding, so the full-width "，" "；"
    "（）" of Chinese prose stay (names, evidence, comments, explanations). Fold with
    :func:`normalize_text` only where a value is parsed or compared.

    >>> display_text("  立项依据充分，程序规范；资料齐全。 ")
    '立项依据充分，程序规范；资料齐全。'
    """
    if _missing(text):
        return ""
    return str(text).strip()


def parse_comparator(text: object) -> str | None:
    """Return the canonical comparator (``≥``, ``≤``, ``=`` or ``定性``) or None for a blank.

    Raises
    ------
    InputError
        When the text is not a known comparator spelling.

    >>> parse_comparator("不低于"), parse_comparator(">="), parse_comparator("定性")
    ('≥', '≥', '定性')
    """
    s = normalize_text(text)
    if not s:
        return None
    key = s.lower() if s.isascii() else s
    if key not in COMPARATORS:
        raise InputError(f"expected a comparator (≥, ≤, = or 定性), found {s!r}")
    return COMPARATORS[key]


def parse_value(text: object) -> ParsedValue:
    """Parse one Excel cell into a number with an optional comparator and unit.

    Parameters
    ----------
    text : object
        The cell as read (a number, a string, None or NaN).

    Returns
    -------
    ParsedValue
        ``value`` is NaN for a blank cell.

    Raises
    ------
    InputError
        When the text is ambiguous: approximations (``约50万``), ranges (``50-60``), several
        numbers, or words with no number (``较好`` — qualitative judgements are read by the
        scoring rules, not here).

    Examples
    --------
    >>> parse_value("≥90%")
    ParsedValue(value=90.0, comparator='≥', unit='%')
    >>> parse_value("1,234.5").value, parse_value("12万元").unit, parse_value("１２３").value
    (1234.5, '万元', 123.0)
    >>> parse_value("90%以上")
    ParsedValue(value=90.0, comparator='≥', unit='%')
    >>> parse_value(None).is_blank
    True
    """
    if isinstance(text, bool):
        raise InputError(f"expected a number, found {text!r}")
    if _missing(text):
        return ParsedValue(math.nan)
    if isinstance(text, (int, float)):
        if math.isinf(text):
            raise InputError(f"expected a finite number, found {text!r}")
        return ParsedValue(float(text))
    s = normalize_text(text)
    if not s:
        return ParsedValue(math.nan)
    if s.startswith(_AMBIGUOUS_PREFIXES):
        raise InputError(f"expected an exact number, found an approximation {s!r}")
    m = _VALUE_RE.match(s)
    if m is None:
        raise InputError(f"expected a number such as 95%, ≥90 or 12万元, found {s!r}")
    cmp_text = m.group("cmp")
    comparator = COMPARATORS[cmp_text] if cmp_text else None
    unit = (m.group("unit") or "").strip()
    if any(word in unit for word in _AMBIGUOUS_WORDS):
        raise InputError(f"expected an exact number, found an approximation {s!r}")
    for suffix in sorted(_SUFFIX_COMPARATORS, key=len, reverse=True):
        if unit.endswith(suffix):
            if comparator not in (None, _SUFFIX_COMPARATORS[suffix]):
                raise InputError(f"expected one comparator, found two that differ in {s!r}")
            comparator = _SUFFIX_COMPARATORS[suffix]
            unit = unit[: -len(suffix)].strip()
            break
    if any(word in unit for word in _SUFFIX_COMPARATORS):
        raise InputError(f"expected one comparator, found several in {s!r}")
    return ParsedValue(float(m.group("num").replace(",", "")), comparator, unit)


def is_not_applicable(text: object) -> bool:
    """True when a cell says the indicator does not apply (``不适用``, ``N/A`` …).

    >>> is_not_applicable("不适用"), is_not_applicable(" N/A "), is_not_applicable(3)
    (True, True, False)
    """
    return isinstance(text, str) and normalize_text(text).lower() in NOT_APPLICABLE


@dataclass(frozen=True)
class IndicatorCells:
    """The parsed cells of one indicator row (see :func:`parse_indicator_cells`)."""

    comparator: str
    target: float
    unit: str
    actual: float
    actual_text: str


def parse_indicator_cells(comparator: object, target: object, unit: object,
                          actual: object) -> IndicatorCells:
    """Parse one indicator row's comparator, target, unit and actual cells together.

    A comparator typed into the target (``≥90%``) is used when the comparator cell is blank; the
    unit typed after the target is used when the unit cell is blank. For ``定性`` rows the target
    may be any text (a description) and the actual is kept as text (the tier); ``不适用`` actuals
    are kept as text with a NaN value. The tier name itself is checked by the scoring rules,
    which know the rule set's tiers.

    Raises
    ------
    CellError
        Naming the column (``comparator``, ``target`` or ``actual``) that cannot be parsed.

    >>> parse_indicator_cells("", "≥95%", "", "96.5%")
    IndicatorCells(comparator='≥', target=95.0, unit='%', actual=96.5, actual_text='96.5%')
    """
    try:
        cmp = parse_comparator(comparator)
    except InputError:
        raise CellError("comparator", "≥、≤、= 或 定性", normalize_text(comparator)) from None
    text = normalize_text(actual)
    if cmp == "定性":
        try:
            tgt = parse_value(target)
        except InputError:
            tgt = ParsedValue(math.nan)
        return IndicatorCells(cmp, tgt.value, normalize_text(unit) or tgt.unit, math.nan, text)
    try:
        tgt = parse_value(target)
    except InputError:
        raise CellError("target", "数值目标，如 95%、≥90、1,200", normalize_text(target)) from None
    if cmp and tgt.comparator and cmp != tgt.comparator:
        raise CellError("target", f"与指标方向 {cmp} 一致的目标值", normalize_text(target))
    cmp = cmp or tgt.comparator
    if cmp is None:
        raise CellError("comparator", "≥、≤、= 或 定性（指标方向或目标值中注明）", "空白")
    if math.isnan(tgt.value):
        raise CellError("target", "数值目标", "空白")
    if is_not_applicable(actual):
        value = math.nan
    else:
        try:
            act = parse_value(actual)
        except InputError:
            raise CellError("actual", "数值、空白或“不适用”", text) from None
        unit_text = normalize_text(unit) or tgt.unit
        if act.unit and unit_text and act.unit != unit_text:
            raise CellError("actual", f"以 {unit_text} 计的数值（与目标值同一计量单位）", text)
        value = act.value
    return IndicatorCells(cmp, tgt.value, normalize_text(unit) or tgt.unit, value, text)


# --- values as typed on the official forms (项目支出绩效自评表, 绩效目标申报表; DOMAIN.md §10) ---

#: ``元`` amounts in a ``万元`` context (and back): the factor to multiply by.
_YUAN_FACTORS = {("元", "万元"): 1e-4, ("万元", "元"): 1e4}

_DATE_RE = re.compile(
    r"^(?:(?P<y>\d{4})\s*年)?\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?"
    r"\s*(?:底|末|份)?\s*(?:之前|以前|前|完成|内|止)*$")


def parse_form_date(text: object, year: int | None) -> tuple[int, int, int] | None:
    """A date as typed on a form, as (year, month, day); a month without a day means its end.

    ``year`` fills in a date typed without one (``12月31日前`` on a 2020 form). None when the
    text is not such a date.

    >>> parse_form_date("2020年12月底前", None), parse_form_date("12月31日前", 2021)
    ((2020, 12, 31), (2021, 12, 31))
    >>> parse_form_date("2021年6月完成", None), parse_form_date("有效", 2020)
    ((2021, 6, 30), None)
    """
    import calendar

    m = _DATE_RE.match(normalize_text(text).replace(" ", ""))
    if m is None:
        return None
    y = int(m.group("y")) if m.group("y") else year
    month = int(m.group("m"))
    if y is None or not 1 <= month <= 12:
        return None
    last = calendar.monthrange(y, month)[1]
    day = int(m.group("d")) if m.group("d") else last
    return (y, month, day) if 1 <= day <= last else None


@dataclass(frozen=True)
class FormCells:
    """One indicator row of a form, read into the canonical indicator cells.

    ``comparator``, ``target``, ``unit`` and ``actual`` are what the dataset's indicators table
    holds (a qualitative row's actual is a tier name); ``notes`` say what was inferred or
    converted (warnings, never silent); ``confirm`` is set when only the indicator's meaning
    could tell its direction.
    """

    comparator: str
    target: object
    unit: str
    actual: object
    notes: tuple[str, ...] = ()
    confirm: bool = False


def read_form_cells(name: str, comparator: object, target: object, unit: object,
                    actual: object, *, year: int | None, options: dict) -> FormCells:
    """Read one form row's direction, target, unit and actual as people type them.

    Parameters
    ----------
    name : str
        The indicator (三级指标) name, whose wording may carry the direction.
    comparator, target, unit, actual : object
        The cells as read (指标性质/符号, 年度指标值, 度量单位, 实际完成值).
    year : int or None
        The form's year, for dates typed without one.
    options : dict
        The rule set's ``recheck`` section (``text_tiers``: text → tier, ``completion_words``,
        ``met_tier``, ``unmet_tier``, ``default_comparator``, ``reverse_words``, ``ge_words``,
        ``le_words``) and ``tiers``: each tier name and alias of the rule set → its tier.

    Returns
    -------
    FormCells

    Raises
    ------
    CellError
        Naming the column (``comparator``, ``target`` or ``actual``) that cannot be read.

    Notes
    -----
    In this order (DOMAIN.md §10):

    1. A number target (``≥90%``, ``═100``, ``20万元``): the comparator cell, else the one typed
       into the target, else the name's wording (``不少于``, ``以上`` → ≥; ``不超过``, ``以内`` →
       ≤), else — when the name has a word of ``reverse_words`` (成本, 费用, 投诉率) — ≤ *for
       confirmation*, else ``default_comparator``; every inference is a note. An actual in 元
       against a target in 万元 (or back) is converted, with a note. A text actual on a number
       target (``完成``) is read as a tier (rule 3) and the row becomes qualitative.
    2. A date target (``2020年12月底前``, ``12月31日前``): a timeliness indicator. The actual
       date is compared with the deadline (on or before → 达成, after → 未达成); a completion
       word (``按时完成``) means 达成.
    3. A text target (``有效``, ``显著提升``): qualitative; the actual is a tier of the rule set,
       a text of ``text_tiers`` (``达成预期指标`` → 达成) or the target's own words (→ 达成). A
       target with a number that is neither (``约50万``, ``50-60``) is a problem, not a text.
    """
    notes: list[str] = []
    tiers = {normalize_text(k): v for k, v in options["text_tiers"].items()}
    completion = {normalize_text(w) for w in options["completion_words"]}
    actual_text = normalize_text(actual)
    try:
        cmp = parse_comparator(comparator)
    except InputError:
        raise CellError("comparator", "≥、≤、=、定性、正向 或 反向", normalize_text(comparator)) from None

    def tier_of(text: str, target_text: str) -> str:
        if not text:
            return ""
        if is_not_applicable(text):
            return text
        if text in options["tiers"]:
            return options["tiers"][text]
        if text in tiers:
            return tiers[text]
        if text == target_text or text in completion:
            return tiers.get(text, options["met_tier"])
        raise CellError("actual", f"定性等级或 {'、'.join(list(tiers)[:6])} 等", text)

    target_text = normalize_text(target)
    if cmp == "定性":
        return FormCells("定性", target_text, normalize_text(unit), tier_of(actual_text, target_text))
    try:
        tgt = parse_value(target)
    except InputError:
        tgt = None
    if tgt is not None and not tgt.is_blank:
        unit_text = normalize_text(unit) or tgt.unit
        direction = cmp or tgt.comparator
        confirm = False
        if direction is None:
            direction, why, confirm = _direction_from_name(name, options)
            notes.append(why)
        try:
            act = parse_value(actual)
        except InputError:
            act = None
        if act is None:  # a text actual on a number target (完成, 达成预期指标)
            tier = tier_of(actual_text, target_text)
            notes.append(f"数值目标的实际完成值为文字 {actual_text!r}，按定性等级 {tier} 计分")
            return FormCells("定性", target_text, unit_text, tier, tuple(notes), confirm)
        value = act.value
        if act.unit and unit_text and act.unit != unit_text:
            factor = _YUAN_FACTORS.get((act.unit, unit_text))
            if factor is None:
                raise CellError("actual", f"以 {unit_text} 计的数值（与目标值同一计量单位）",
                                actual_text)
            value = act.value * factor
            notes.append(f"实际完成值 {actual_text} 按 {unit_text} 换算为 {value:.10g}")
        return FormCells(direction, tgt.value, unit_text, value, tuple(notes), confirm)
    if not target_text:
        raise CellError("target", "年度指标值（数值、日期或文字目标）", "空白")
    deadline = parse_form_date(target_text, year)
    if deadline is not None:
        done = parse_form_date(actual_text, year)
        if done is not None:
            tier = options["met_tier"] if done <= deadline else options["unmet_tier"]
            how = "按期" if done <= deadline else "逾期"
        else:
            tier, how = tier_of(actual_text, target_text), "按完成情况"
        notes.append(f"时效指标：期限 {deadline[0]}-{deadline[1]:02d}-{deadline[2]:02d}，实际 "
                     f"{actual_text or '空白'}，{how}（{tier or '缺少实际值'}）")
        return FormCells("定性", target_text, "", tier, tuple(notes))
    if re.search(r"\d", target_text):  # 约50万, 50-60: a number that cannot be scored as typed
        raise CellError("target", "数值目标（如 ≥5000亩）、日期（如 2020年12月底前）或文字目标",
                        target_text)
    return FormCells("定性", target_text, normalize_text(unit), tier_of(actual_text, target_text),
                     tuple(notes))


def _direction_from_name(name: str, options: dict) -> tuple[str, str, bool]:
    """The comparator a name's wording gives, why, and whether it needs confirmation."""
    text = normalize_text(name)
    for words, cmp in ((options["ge_words"], "≥"), (options["le_words"], "≤")):
        hit = next((w for w in words if w in text), None)
        if hit:
            return cmp, f"未注明指标方向，按名称中的“{hit}”推断为 {cmp}", False
    hit = next((w for w in options["reverse_words"] if w in text), None)
    if hit:
        return "≤", f"未注明指标方向，“{hit}”类指标按 ≤ 计分，需确认", True
    default = options["default_comparator"]
    return default, f"未注明指标方向，按规则集默认 {default} 计分", False
