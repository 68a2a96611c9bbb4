"""Beneficiary satisfaction surveys (服务对象满意度调查): Likert answers → satisfaction rate.

A survey table holds one row per answer: ``respondent_id`` (问卷编号), ``question`` (题目) and
``response`` (选项) kept as typed, on a 1–5 Likert scale (1 很不满意 … 5 很满意). Answers that are
not an integer from 1 to 5, or that repeat a respondent's answer to the same question, are counted
and excluded with a reason; the rest give the satisfaction rate of DOMAIN.md §5 (服务对象满意度 =
满意人数 / 有效样本), per-question rates and means, a Wilson confidence interval and whether the
sample meets the rule set's minimum. The key-project evaluation (:mod:`evalkit.stages.keyproject`) scores
its satisfaction indicator with it.
"""

from __future__ import annotations

import html
import math
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from evalkit.errors import EvalkitWarning, InputError, RuleSetError
from evalkit.rules import RuleSet, load_ruleset
from evalkit.values import normalize_text

__all__ = ["SurveyResult", "analyze_survey", "wilson_interval"]

#: The Likert scale of the survey instrument (issue 4: "Likert 1–5 per question").
LIKERT = (1, 5)
#: Columns the survey table must hold (``project_id`` is optional).
_REQUIRED = ["respondent_id", "question", "response"]
#: A response typed as text must look like a plain decimal number to be read as one.
_NUMERIC = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
#: Reason given to the second and later answers of a respondent to the same question.
_DUPLICATE = "重复作答(保留首次作答)"
#: Ids listed at most in an "unknown project" error.
_KNOWN_LISTED = 8


# --------------------------------------------------------------------------------------------
# Numpy core
# --------------------------------------------------------------------------------------------


def wilson_interval(successes: float, n: float, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes : float
        Number of successes (satisfied respondents), ``0 ≤ successes ≤ n``.
    n : float
        Sample size; ``n = 0`` gives ``(nan, nan)``.
    confidence : float, default 0.95
        Two-sided confidence level, in (0, 1).

    Returns
    -------
    (low, high) : tuple of float

    Raises
    ------
    InputError
        ``confidence`` outside (0, 1), or counts that are negative or with ``successes > n``.

    Notes
    -----
    With ``p = successes / n`` and ``z`` the standard normal quantile at ``(1 + confidence) / 2``:

    .. math::

        \\text{centre} = \\frac{p + z^2 / 2n}{1 + z^2 / n}, \\qquad
        \\text{half} = \\frac{z \\sqrt{p (1 - p) / n + z^2 / 4n^2}}{1 + z^2 / n}.

    The interval always contains ``p`` and lies in [0, 1]; the bounds are clipped to
    ``[0, p]`` and ``[p, 1]`` only to remove floating-point noise at p = 0 or 1. Unlike the
    normal (Wald) interval it stays informative near 100 % satisfaction, where most surveys sit.

    References
    ----------
    .. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
       inference. *Journal of the American Statistical Association* 22(158), 209–212.
    .. [2] Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion:
       comparison of seven methods. *Statistics in Medicine* 17(8), 857–872.

    Examples
    --------
    >>> low, high = wilson_interval(57, 60)
    >>> round(low, 4), round(high, 4)
    (0.863, 0.9829)
    """
    if not 0 < confidence < 1:
        raise InputError(f"expected confidence in (0, 1), found {confidence!r}")
    if not (0 <= successes <= n):
        raise InputError(f"expected 0 ≤ successes ≤ n, found successes {successes!r}, n {n!r}")
    if n == 0:
        return math.nan, math.nan
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, min(centre - half, p)), min(1.0, max(centre + half, p))


def parse_response(cell: object) -> tuple[float, str]:
    """A response as a Likert level (NaN when invalid) and the reason it is invalid (or ``""``).

    >>> parse_response("４"), parse_response(7)
    ((4.0, ''), (nan, '超出 1–5 范围: 7'))
    """
    if isinstance(cell, (bool, np.bool_)):
        return math.nan, f"非数字: {cell}"
    if isinstance(cell, (int, float, np.integer, np.floating)):
        value = float(cell)
        if math.isnan(value):
            return math.nan, "空白"
        shown = f"{value:g}"
    else:
        shown = normalize_text(cell)  # folds full-width digits: "４" → "4"
        if not shown:
            return math.nan, "空白"
        if not _NUMERIC.match(shown):
            return math.nan, f"非数字: {shown}"
        value = float(shown)
    if not math.isfinite(value):
        return math.nan, f"非数字: {shown}"
    if value != int(value):
        return math.nan, f"非整数: {shown}"
    if not LIKERT[0] <= value <= LIKERT[1]:
        return math.nan, f"超出 {LIKERT[0]}–{LIKERT[1]} 范围: {shown}"
    return value, ""


def _respondent_satisfaction(levels: np.ndarray, respondent: np.ndarray, n_respondents: int,
                             threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per respondent: number of valid answers, their mean, and whether the mean ≥ threshold.

    ``levels`` holds NaN for invalid answers; ``respondent`` the respondent code of each answer.
    The comparison is made on sums (``Σ ≥ threshold × n``) so no division can round a mean of
    exactly 4 below 4.
    """
    valid = ~np.isnan(levels)
    counts = np.bincount(respondent[valid], minlength=n_respondents)
    sums = np.bincount(respondent[valid], weights=levels[valid], minlength=n_respondents)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(counts > 0, sums / counts, np.nan)
    satisfied = (counts > 0) & (sums >= threshold * counts)
    return counts, means, satisfied


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyResult:
    """One project's satisfaction survey, unrounded.

    Attributes
    ----------
    project_id : object
        The project surveyed (None when the table has no ``project_id`` column and none was given).
    n_respondents : int
        Respondents in the table (any answer, valid or not).
    n_valid_respondents : int
        Respondents with at least one valid answer: the valid sample (有效样本).
    n_satisfied : int
        Valid respondents whose mean valid answer is at least ``min(satisfied_levels)``.
    n_answers, n_valid_answers, n_invalid : int
        Answer rows; those used; those excluded (``n_answers = n_valid_answers + n_invalid``).
    invalid : pandas.DataFrame
        The excluded answers: ``row_index`` (the answer's row label in the table passed in, so
        :meth:`evalkit.io.Dataset.locate` names its file and Excel row), ``respondent_id``,
        ``question``, ``response`` (as typed), ``reason`` (Chinese: ``超出 1–5 范围: 7``,
        ``空白``, ``非数字: 很好``, ``非整数: 3.5``, ``重复作答(保留首次作答)``).
    rate : float
        Satisfaction rate ``n_satisfied / n_valid_respondents`` (NaN without a valid sample).
    ci_low, ci_high : float
        Wilson interval of the rate at ``confidence``.
    confidence : float
        From the rule set (``survey.confidence``).
    mean_score : float
        Mean of all valid answers.
    meets_min_sample : bool
        ``n_valid_respondents ≥ min_sample``.
    min_sample : int
        From the rule set (``survey.min_sample``).
    satisfied_levels : tuple of int
        From the rule set (``survey.satisfied_levels``, e.g. (4, 5)).
    questions : pandas.DataFrame
        One row per question in order of first appearance: ``question``, ``n`` (valid answers),
        ``n_satisfied`` (answers in ``satisfied_levels``), ``rate``, ``mean``, ``n_invalid`` and
        the distribution ``n_1`` … ``n_5``.
    respondents : pandas.DataFrame
        One row per respondent: ``respondent_id``, ``n`` (valid answers), ``mean``, ``satisfied``.
    warnings : tuple of str
        Chinese messages (invalid answers by reason, too small a sample), also emitted as
        :class:`~evalkit.errors.EvalkitWarning`.
    ruleset : dict
        ``ruleset_id``, ``ruleset_version``, ``ruleset_sha256``.
    """

    project_id: Any
    n_respondents: int
    n_valid_respondents: int
    n_satisfied: int
    n_answers: int
    n_valid_answers: int
    n_invalid: int
    invalid: pd.DataFrame
    rate: float
    ci_low: float
    ci_high: float
    confidence: float
    mean_score: float
    meets_min_sample: bool
    min_sample: int
    satisfied_levels: tuple[int, ...]
    questions: pd.DataFrame
    respondents: pd.DataFrame
    warnings: tuple[str, ...]
    ruleset: dict

    def to_frame(self) -> pd.DataFrame:
        """The per-question table."""
        return self.questions

    def invalid_by_reason(self) -> dict[str, int]:
        """Excluded answers counted by kind of reason (``超出 1–5 范围``, ``空白`` …)."""
        return dict(Counter(_reason_kind(r) for r in self.invalid["reason"]))

    def summary(self) -> dict[str, Any]:
        """A JSON-serialisable record (floats unrounded, NaN as None).

        Keys: ``project_id``, ``n_respondents``, ``n_valid_respondents``, ``n_satisfied``,
        ``n_answers``, ``n_valid_answers``, ``n_invalid``, ``invalid_by_reason``, ``rate``,
        ``ci_low``, ``ci_high``, ``confidence``, ``mean_score``, ``meets_min_sample``,
        ``min_sample``, ``satisfied_levels``, ``questions`` (list of {question, n, rate, mean}),
        ``warnings``, ``ruleset_id``, ``ruleset_version``, ``ruleset_sha256``.
        """
        return {
            "project_id": _plain(self.project_id),
            "n_respondents": self.n_respondents,
            "n_valid_respondents": self.n_valid_respondents,
            "n_satisfied": self.n_satisfied,
            "n_answers": self.n_answers,
            "n_valid_answers": self.n_valid_answers,
            "n_invalid": self.n_invalid,
            "invalid_by_reason": self.invalid_by_reason(),
            "rate": _json_float(self.rate),
            "ci_low": _json_float(self.ci_low),
            "ci_high": _json_float(self.ci_high),
            "confidence": self.confidence,
            "mean_score": _json_float(self.mean_score),
            "meets_min_sample": self.meets_min_sample,
            "min_sample": self.min_sample,
            "satisfied_levels": list(self.satisfied_levels),
            "questions": [{"question": _plain(q), "n": int(n), "rate": _json_float(r),
                           "mean": _json_float(m)}
                          for q, n, r, m in self.questions[["question", "n", "rate", "mean"]]
                          .itertuples(index=False)],
            "warnings": list(self.warnings),
            **self.ruleset,
        }

    def _repr_html_(self) -> str:
        def pct(x: float) -> str:
            return "—" if math.isnan(x) else f"{x:.1%}"

        lines = [
            f"<b>项目</b>: {html.escape(str(self.project_id))}",
            f"<b>满意度</b>: {pct(self.rate)} ({self.confidence:.0%} 置信区间 "
            f"{pct(self.ci_low)}–{pct(self.ci_high)})",
            f"<b>有效样本</b>: {self.n_valid_respondents} / {self.n_respondents} 人"
            f"（最低 {self.min_sample} 人，{'达到' if self.meets_min_sample else '未达到'}）",
            f"<b>无效答案</b>: {self.n_invalid} / {self.n_answers} 条",
        ]
        lines += [f"<b>提示</b>: {html.escape(m)}" for m in self.warnings]
        return ("<p>" + "<br>".join(lines) + "</p>"
                + self.questions.to_html(index=False, float_format=lambda x: f"{x:.4f}"))


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python scalar it holds (JSON cannot serialise numpy types)."""
    return value.item() if isinstance(value, np.generic) else value


def _json_float(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _reason_kind(reason: str) -> str:
    """``超出 1–5 范围: 7`` → ``超出 1–5 范围``."""
    return reason.split(": ", 1)[0]


# --------------------------------------------------------------------------------------------
# Public wrapper
# --------------------------------------------------------------------------------------------


def _rules(rs: RuleSet) -> tuple[tuple[int, ...], float, int]:
    """The survey section, checked: satisfied levels on the scale, confidence, minimum sample."""
    section = rs.section("survey")
    levels = tuple(int(v) for v in section["satisfied_levels"])
    if not levels or not all(LIKERT[0] <= v <= LIKERT[1] for v in levels):
        raise RuleSetError(f"rule set {rs.source}: key 'survey.satisfied_levels': expected levels "
                           f"on the {LIKERT[0]}–{LIKERT[1]} scale, found {list(levels)}")
    confidence = float(section["confidence"])
    if not 0 < confidence < 1:
        raise RuleSetError(f"rule set {rs.source}: key 'survey.confidence': expected a number in "
                           f"(0, 1), found {section['confidence']!r}")
    return levels, confidence, int(section["min_sample"])


def _select(responses: pd.DataFrame, project_id: Any) -> tuple[Any, pd.DataFrame]:
    """Check the table's columns and ids; return the project id and its rows."""
    if not isinstance(responses, pd.DataFrame):
        raise InputError(f"survey: expected a DataFrame of answers, found "
                         f"{type(responses).__name__}")
    missing = [c for c in _REQUIRED if c not in responses.columns]
    if missing:
        raise InputError(f"survey: expected columns {_REQUIRED}, missing {missing}; found "
                         f"{list(responses.columns)}")
    rows = responses
    if "project_id" in responses.columns:
        projects = [_plain(p) for p in pd.unique(responses["project_id"].astype(object))]
        if project_id is None and len(projects) > 1:
            listed = ", ".join(repr(p) for p in projects[:_KNOWN_LISTED])
            raise InputError(f"survey: expected the answers of one project (or pass project_id), "
                             f"found {len(projects)} projects: {listed}")
        if project_id is None and projects:
            project_id = projects[0]
        rows = responses[responses["project_id"] == project_id]
        if rows.empty and not responses.empty:
            listed = ", ".join(repr(p) for p in projects[:_KNOWN_LISTED])
            raise InputError(f"survey: expected answers for project {project_id!r}, found none; "
                             f"projects in the table: {listed}")
    if rows.empty:
        raise InputError(f"survey of project {project_id!r}: expected at least one answer, "
                         f"found an empty table")
    problems = [f"survey of project {project_id!r}, row {idx!r}: expected a {col}, found a blank"
                for col in ("respondent_id", "question")
                for idx in rows.index[[normalize_text(v) == "" for v in rows[col]]]]
    if problems:
        raise InputError("\n".join(problems))
    return project_id, rows


def analyze_survey(
    responses: pd.DataFrame,
    *,
    project_id: Any = None,
    ruleset: str | Path | RuleSet = "national",
) -> SurveyResult:
    """Satisfaction rate, per-question rates and means, Wilson interval and sample check.

    Parameters
    ----------
    responses : pandas.DataFrame
        One row per answer: ``respondent_id``, ``question``, ``response`` (as typed: ``4``,
        ``"4"``, ``4.0``, full-width ``"４"`` are all the level 4) and optionally ``project_id``.
        Not modified.
    project_id : optional
        The project whose answers to use. Without it the table must hold one project (or have no
        ``project_id`` column).
    ruleset : str, Path or RuleSet, default "national"
        Supplies ``survey.satisfied_levels``, ``survey.confidence`` and ``survey.min_sample``.

    Returns
    -------
    SurveyResult

    Raises
    ------
    InputError
        Missing columns; several projects and no ``project_id``; an unknown project (the message
        lists the projects found); no answer at all; blank respondent ids or questions (each
        row named).

    Warns
    -----
    EvalkitWarning
        Once per call when answers were excluded, with counts by reason; when the valid sample is
        below ``min_sample``.

    Notes
    -----
    DOMAIN.md §5 defines 服务对象满意度 = 满意人数 / 有效样本. Here:

    - an answer is **valid** when it is an integer from 1 to 5 and is the respondent's first
      answer to that question (later duplicates are excluded, whatever they say);
    - the **valid sample** ``n`` is the number of respondents with at least one valid answer;
    - a respondent is **satisfied** (满意) when the mean of their valid answers is at least
      ``min(satisfied_levels)`` (4 under the shipped rule sets: on average 比较满意 or better);
    - the **satisfaction rate** is ``p = satisfied / n``;
    - a question's rate is the share of its valid answers in ``satisfied_levels``; its mean and
      the overall ``mean_score`` are plain means of valid answers;
    - the interval is Wilson's at ``confidence`` with ``z = Φ⁻¹((1 + confidence) / 2)``
      (:func:`wilson_interval`);
    - the sample meets the rule when ``n ≥ min_sample``.

    References
    ----------
    .. [1] DOMAIN.md §5: satisfaction comes from beneficiary surveys; report the rate, sample size
       and a confidence interval. 财预〔2020〕10号 reference framework: 服务对象满意度.
    .. [2] Wilson, E. B. (1927). *JASA* 22(158), 209–212.

    Examples
    --------
    Four respondents, two questions; respondent R4 typed a 7, which is excluded.

    >>> import pandas as pd
    >>> answers = pd.DataFrame({"respondent_id": ["R1", "R1", "R2", "R2", "R3", "R3", "R4", "R4"],
    ...                         "question": ["Q1", "Q2"] * 4,
    ...                         "response": [5, 4, "4", "3", 3, 3, "５", 7]})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # too small a sample, one invalid answer
    ...     result = analyze_survey(answers)
    >>> result.n_valid_respondents, result.n_satisfied, result.rate, result.n_invalid
    (4, 2, 0.5, 1)
    >>> result.invalid["reason"].tolist()
    ['超出 1–5 范围: 7']
    >>> result.questions[["question", "n", "rate", "mean"]].round(4)
      question  n    rate    mean
    0       Q1  4  0.7500  4.2500
    1       Q2  3  0.3333  3.3333
    """
    rs = load_ruleset(ruleset)
    levels_ok, confidence, min_sample = _rules(rs)
    project_id, rows = _select(responses, project_id)

    respondent, respondent_ids = pd.factorize(rows["respondent_id"].astype(object), sort=False)
    question, question_ids = pd.factorize(rows["question"].astype(object), sort=False)
    duplicate = pd.Series(list(zip(respondent, question, strict=True))).duplicated().to_numpy()
    parsed = [(math.nan, _DUPLICATE) if dup else parse_response(cell)
              for dup, cell in zip(duplicate, rows["response"], strict=True)]
    levels = np.array([p[0] for p in parsed], dtype=float)
    reasons = np.array([p[1] for p in parsed], dtype=object)
    valid = ~np.isnan(levels)

    counts, means, satisfied = _respondent_satisfaction(levels, respondent, len(respondent_ids),
                                                        float(min(levels_ok)))
    n_valid = int((counts > 0).sum())
    n_satisfied = int(satisfied.sum())
    rate = n_satisfied / n_valid if n_valid else math.nan
    ci_low, ci_high = wilson_interval(n_satisfied, n_valid, confidence=confidence)

    questions = _questions(levels, question, question_ids, levels_ok)
    invalid = pd.DataFrame({
        "row_index": rows.index.to_numpy()[~valid],
        "respondent_id": rows["respondent_id"].to_numpy()[~valid],
        "question": rows["question"].to_numpy()[~valid],
        "response": rows["response"].to_numpy()[~valid],
        "reason": reasons[~valid],
    })
    respondents = pd.DataFrame({"respondent_id": respondent_ids.to_numpy(), "n": counts,
                                "mean": means, "satisfied": satisfied})
    messages = []
    if len(invalid):
        by_kind = Counter(_reason_kind(r) for r in invalid["reason"])
        detail = "，".join(f"{kind} {n} 条" for kind, n in by_kind.items())
        messages.append(f"满意度调查有 {len(invalid)} 条无效答案已剔除（{detail}）。")
    if n_valid < min_sample:
        messages.append(f"满意度调查有效样本 {n_valid} 人，少于规则集要求的 {min_sample} 人，"
                        f"样本量不足，满意度估计的精度有限。")
    for message in messages:
        warnings.warn(f"项目 {project_id}：{message}", EvalkitWarning, stacklevel=2)

    return SurveyResult(
        project_id=_plain(project_id),
        n_respondents=len(respondent_ids),
        n_valid_respondents=n_valid,
        n_satisfied=n_satisfied,
        n_answers=len(rows),
        n_valid_answers=int(valid.sum()),
        n_invalid=int((~valid).sum()),
        invalid=invalid,
        rate=rate,
        ci_low=ci_low,
        ci_high=ci_high,
        confidence=confidence,
        mean_score=float(levels[valid].mean()) if valid.any() else math.nan,
        meets_min_sample=n_valid >= min_sample,
        min_sample=min_sample,
        satisfied_levels=levels_ok,
        questions=questions,
        respondents=respondents,
        warnings=tuple(messages),
        ruleset=rs.to_record(),
    )


def _questions(levels: np.ndarray, question: np.ndarray, question_ids: pd.Index,
               satisfied_levels: tuple[int, ...]) -> pd.DataFrame:
    """Per question: valid n, satisfied n, rate, mean, invalid n and the 1…5 distribution."""
    k, low, high = len(question_ids), LIKERT[0], LIKERT[1]
    valid = ~np.isnan(levels)
    q, x = question[valid], levels[valid].astype(int)
    width = high - low + 1
    distribution = np.bincount(q * width + (x - low), minlength=k * width).reshape(k, width)
    n = distribution.sum(axis=1)
    in_levels = np.isin(np.arange(low, high + 1), satisfied_levels)
    n_satisfied = distribution[:, in_levels].sum(axis=1)
    total = np.bincount(q, weights=x, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, n_satisfied / n, np.nan)
        mean = np.where(n > 0, total / n, np.nan)
    frame = pd.DataFrame({"question": question_ids.to_numpy(), "n": n, "n_satisfied": n_satisfied,
                          "rate": rate, "mean": mean,
                          "n_invalid": np.bincount(question[~valid], minlength=k)})
    for j, level in enumerate(range(low, high + 1)):
        frame[f"n_{level}"] = distribution[:, j]
    return frame
