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
