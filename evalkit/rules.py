"""Rule sets: every convention that varies by jurisdiction, loaded from YAML and validated.

A rule set names its grade bands, ex-ante conclusion tiers and veto items, self-evaluation weights,
qualitative tiers, the reverse-indicator convention, the over-achievement ratio, the AHP RI table and
CR limit, and the expert-trimming rule. Two ship with evalkit (``national`` and ``provincial``);
any other YAML file with the same keys can be loaded by path. Every result records the rule set's
``id`` and ``sha256`` so a report can say exactly which rules produced it.

**By section.** This module checks the parts every report type shares (:data:`REQUIRED_KEYS`:
grade bands, scoring conventions, panel, AHP, survey, monitoring). Each report type's own section
(``exante``, ``keyproject``, ``selfeval`` …) is checked by the type's validator, registered with
the type (:mod:`evalkit.registry`), whenever the section is present; a custom rule set without the
section of a report it never runs still loads, and running that report fails with an error that
names the missing section (:meth:`RuleSet.section`).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn

import numpy as np
import yaml

from evalkit.errors import RuleSetError

_BUILTIN = {"national": "national.yaml", "provincial": "provincial.yaml"}

#: Keys every rule set must hold, as dotted paths: the parts shared by every report type (grade
#: bands, scoring conventions, panels, AHP, surveys, monitoring). A report type's own section
#: (``exante``, ``selfeval``, ``keyproject`` …) is validated by that type's checker when present
#: (:func:`evalkit.registry.section_checks`) and required only when that report runs.
REQUIRED_KEYS = (
    "id", "version", "description", "grades",
    "scoring.reverse_convention", "scoring.over_achievement_ratio", "scoring.equality_tolerance",
    "scoring.equality_unmet", "scoring.qualitative_tiers",
    "panel.method", "panel.trim_when_more_than", "panel.trim", "panel.min_experts",
    "panel.outlier_z", "panel.kendall_w_min", "panel.alpha",
    "ahp.ri", "ahp.cr_limit",
    "monitoring.gap_points", "monitoring.min_score",
    "survey.satisfied_levels", "survey.confidence", "survey.min_sample",
)


@dataclass(frozen=True)
class Band:
    """One half-open band ``[low, high)`` of a banded table (grades, conclusion tiers)."""

    label: str
    low: float
    high: float  # math.inf for the top band


@dataclass(frozen=True)
class QualitativeTier:
    """A qualitative tier: the score is a share in ``[low, high]`` of the indicator's weight.

    The tier an evaluator names is the rule-set-independent fact; a judged score refines it
    within the tier and carries to another rule set only as far as that set's range for the
    tier admits it (see :meth:`carry`).
    """

    tier: str
    low: float
    high: float
    default: float
    aliases: tuple[str, ...] = ()

    def carry(self, share: float) -> float:
        """The share this tier scores for a judged share (score / weight), or its default.

        Notes
        -----
        ``carry(s) = min(max(s, low), high)``; a NaN share (only the tier was named) gives
        ``default``. A fixed-value tier (``low = high``, e.g. the 100/80/50 variant of
        DOMAIN.md §3) therefore scores its value whatever share was judged under another
        convention; a ranged tier keeps a judged share that lies in its range. Callers flag
        every share that moved, so nothing is changed silently.

        Examples
        --------
        >>> t = QualitativeTier("达成", 1.0, 1.0, 1.0)
        >>> t.carry(0.8), t.carry(float("nan"))
        (1.0, 1.0)
        >>> QualitativeTier("部分达成", 0.6, 0.8, 0.7).carry(0.65)
        0.65
        """
        if math.isnan(share):
            return self.default
        return min(max(share, self.low), self.high)


@dataclass(frozen=True)
class RuleSet:
    """A validated rule set. Build one with :func:`load_ruleset`.

    Attributes
    ----------
    id, version, description : str
        As written in the YAML file.
    sha256 : str
        Hash of the rule set's content (canonical JSON of the parsed YAML, so comments and layout
        do not change it); recorded in every result.
    source : str
        The file it was read from.
    grades : tuple of Band
        Half-open grade bands, highest first.
    conclusion_tiers : tuple of Band
        The ex-ante conclusion tiers (section ``exante``), highest first; empty when the rule
        set has no ``exante`` section.
    qualitative_tiers : tuple of QualitativeTier
    data : Mapping
        The whole parsed content, read-only, for stage modules that need their own section.
    """

    id: str
    version: str
    description: str
    sha256: str
    source: str
    grades: tuple[Band, ...]
    conclusion_tiers: tuple[Band, ...]
    qualitative_tiers: tuple[QualitativeTier, ...]
    data: Mapping[str, Any] = field(repr=False)

    def section(self, name: str, *, needed_by: str = "") -> Mapping[str, Any]:
        """Return one top-level section (``scoring``, ``selfeval``, ``panel`` …) read-only.

        Raises
        ------
        RuleSetError
            When the rule set has no such section, naming it (and ``needed_by``, the report
            that needs it).
        """
        if name not in self.data:
            who = f"（{needed_by}需要）" if needed_by else ""
            raise RuleSetError(f"规则集 {self.source}：缺少 {name} 部分{who} "
                               f"(rule set {self.id}: missing section '{name}'"
                               f"{f' needed by {needed_by}' if needed_by else ''})")
        return MappingProxyType(self.data[name])

    @property
    def reverse_convention(self) -> str:
        """``"A"`` (target/actual) or ``"B"`` (linear to zero at twice the target)."""
        return self.data["scoring"]["reverse_convention"]

    @property
    def over_achievement_ratio(self) -> float:
        """Actual/target ratio from which a ≥ indicator is flagged as over-achieved."""
        return float(self.data["scoring"]["over_achievement_ratio"])

    @property
    def label(self) -> str:
        """``id@version (sha256 prefix)`` for report footers."""
        return f"{self.id}@{self.version} ({self.sha256[:12]})"

    def to_record(self) -> dict[str, str]:
        """The fields every result records about the rule set used."""
        return {"ruleset_id": self.id, "ruleset_version": self.version,
                "ruleset_sha256": self.sha256}


def available_rulesets() -> list[str]:
    """Names of the rule sets shipped with evalkit.

    >>> available_rulesets()
    ['national', 'provincial']
    """
    return sorted(_BUILTIN)


def load_ruleset(name_or_path: str | Path | RuleSet = "national") -> RuleSet:
    """Load and validate a rule set.

    Parameters
    ----------
    name_or_path : str, Path or RuleSet
        A shipped rule set's name (``"national"``, ``"provincial"``), or the path of a YAML file.
        A RuleSet passes through unchanged.

    Returns
    -------
    RuleSet

    Raises
    ------
    RuleSetError
        Naming the file and the offending key: a missing key, bands that overlap or leave a gap,
        weights or points that do not add up, an unknown convention.

    Examples
    --------
    >>> rs = load_ruleset("national")
    >>> rs.id, rs.reverse_convention, [b.label for b in rs.grades]
    ('cn-national', 'A', ['优', '良', '中', '差'])
    """
    if isinstance(name_or_path, RuleSet):
        return name_or_path
    key = str(name_or_path)
    if key in _BUILTIN:
        return _load_builtin(key)
    path = Path(name_or_path)
    if not path.is_file():
        raise RuleSetError(
            f"rule set {key!r}: expected a shipped name ({', '.join(available_rulesets())}) "
            f"or an existing YAML file, found neither")
    return _parse(path.read_text(encoding="utf-8"), str(path))


def _load_builtin(name: str) -> RuleSet:
    """Shipped rule sets: the YAML is parsed once per process; each call validates a fresh copy,
    so a caller changing its RuleSet's data cannot change anyone else's."""
    return _build(copy.deepcopy(_builtin_data(name)), f"evalkit/rulesets/{_BUILTIN[name]}")


@functools.cache
def _builtin_data(name: str) -> Any:
    ref = resources.files("evalkit.rulesets").joinpath(_BUILTIN[name])
    return yaml.safe_load(ref.read_text(encoding="utf-8"))


def _parse(text: str, source: str) -> RuleSet:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleSetError(f"rule set {source}: not valid YAML ({exc})") from exc
    return _build(data, source)


def _build(data: Any, source: str) -> RuleSet:
    if not isinstance(data, dict):
        raise RuleSetError(f"rule set {source}: expected a mapping at the top, found "
                           f"{type(data).__name__}")
    for dotted in REQUIRED_KEYS:
        node: Any = data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                raise RuleSetError(f"rule set {source}: missing key '{dotted}'")
            node = node[part]
    fail = failer(source)
    scoring = data["scoring"]
    if scoring["reverse_convention"] not in ("A", "B"):
        fail("scoring.reverse_convention", "A or B", scoring["reverse_convention"])
    if scoring["equality_unmet"] not in ("zero", "proportional"):
        fail("scoring.equality_unmet", "zero or proportional", scoring["equality_unmet"])
    if not is_number(scoring["over_achievement_ratio"]) or scoring["over_achievement_ratio"] <= 1:
        fail("scoring.over_achievement_ratio", "a number > 1", scoring["over_achievement_ratio"])
    if data["ahp"]["ri"] not in ("saaty", "textbook") and not isinstance(data["ahp"]["ri"], dict):
        fail("ahp.ri", "saaty, textbook or a mapping n → RI", data["ahp"]["ri"])
    grades = bands(data["grades"], "grades", "grade", fail)
    qual = _qualitative(scoring["qualitative_tiers"], fail)
    from evalkit.registry import section_checks  # the registry's types import this module

    for name, checks in section_checks().items():
        if name in data:
            if not isinstance(data[name], dict):
                fail(name, "a mapping", data[name])
            for check in checks:
                check(data[name], fail)
    _check_validation(data.get("validation", {}), fail)
    tiers = (bands(data["exante"]["conclusion_tiers"], "exante.conclusion_tiers", "conclusion",
                   fail) if "exante" in data else ())
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return RuleSet(
        id=str(data["id"]), version=str(data["version"]),
        description=str(data["description"]).strip(),
        sha256=hashlib.sha256(canonical.encode("utf-8")).hexdigest(), source=source,
        grades=grades, conclusion_tiers=tiers, qualitative_tiers=qual,
        data=MappingProxyType(data),
    )


#: The ``validation`` section's defaults, used for any key a custom rule set leaves out (so a
#: rule set written before the section existed still loads and checks data the same way).
VALIDATION_DEFAULTS: Mapping[str, Any] = MappingProxyType({
    "amount_warn_ratio": 1.2, "amount_error_ratio": 10, "indicator_weight_total": 90,
    "weight_sum_tolerance": 0.01, "weight_sum_policy": "error",
})


def validation_options(rs: RuleSet) -> dict[str, Any]:
    """The dataset checks' options: the rule set's ``validation`` section over
    :data:`VALIDATION_DEFAULTS`.

    ``amount_warn_ratio`` / ``amount_error_ratio``: received or spent above this many times the
    budget is a located warning / an error. ``indicator_weight_total``: what a project's indicator
    weights must add to (100 points less the 10 of 预算执行率, DOMAIN.md §3), within
    ``weight_sum_tolerance`` points; ``weight_sum_policy``: ``error``, or ``rescale`` (a located
    warning, the scoring rescales the weights to the total).

    >>> validation_options(load_ruleset("national"))["weight_sum_policy"]
    'error'
    """
    return {**VALIDATION_DEFAULTS, **dict(rs.data.get("validation", {}))}


def _check_validation(section: Any, fail: Callable[[str, str, Any], NoReturn]) -> None:
    if not isinstance(section, dict):
        fail("validation", "a mapping", section)
    opts = {**VALIDATION_DEFAULTS, **section}
    unknown = sorted(set(section) - set(VALIDATION_DEFAULTS))
    if unknown:
        fail("validation", f"keys among {sorted(VALIDATION_DEFAULTS)}", unknown)
    for key in ("amount_warn_ratio", "amount_error_ratio", "indicator_weight_total"):
        if not is_number(opts[key]) or opts[key] <= 0:
            fail(f"validation.{key}", "a number > 0", opts[key])
    if opts["amount_error_ratio"] < opts["amount_warn_ratio"]:
        fail("validation.amount_error_ratio", f"at least amount_warn_ratio "
             f"{opts['amount_warn_ratio']}", opts["amount_error_ratio"])
    if not is_number(opts["weight_sum_tolerance"]) or opts["weight_sum_tolerance"] < 0:
        fail("validation.weight_sum_tolerance", "a number ≥ 0", opts["weight_sum_tolerance"])
    if opts["weight_sum_policy"] not in ("error", "rescale"):
        fail("validation.weight_sum_policy", "error or rescale", opts["weight_sum_policy"])


def failer(source: str) -> Callable[[str, str, Any], NoReturn]:
    """``fail(key, expected, found)``: raise a RuleSetError naming ``source`` and the dotted key.

    Section checkers of report types receive one (see :mod:`evalkit.registry`).
    """
    def fail(key: str, expected: str, found: Any) -> None:
        raise RuleSetError(f"rule set {source}: key '{key}': expected {expected}, found {found!r}")
    return fail


def is_number(x: Any) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def check_sum(values: Any, total: float, key: str, fail) -> None:
    """Fail unless ``values`` are non-negative numbers summing to ``total``."""
    values = list(values)
    if not all(is_number(v) and v >= 0 for v in values):
        fail(key, "non-negative numbers", values)
    if not math.isclose(sum(values), total, abs_tol=1e-9):
        fail(key, f"values summing to {total}", f"{values} (sum {sum(values)})")


def bands(rows: Any, key: str, label_key: str, fail) -> tuple[Band, ...]:
    """Validate a banded table: contiguous half-open bands covering [0, ∞) with no overlap.

    ``rows`` are mappings with ``label_key``, ``min`` and ``max`` (null for the top band);
    ``fail(key, expected, found)`` raises (see :func:`failer`). Returns the bands, highest first.
    """
    if not isinstance(rows, list) or not rows:
        fail(key, "a non-empty list of bands", rows)
    found = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or label_key not in row or "min" not in row:
            fail(f"{key}[{i}]", f"a mapping with {label_key}, min and max", row)
        low, high = row["min"], row.get("max")
        high = math.inf if high is None else high
        if not (is_number(low) and (high == math.inf or is_number(high)) and low < high):
            fail(f"{key}[{i}]", "numbers with min < max", row)
        found.append(Band(str(row[label_key]), float(low), float(high)))
    found.sort(key=lambda b: b.low, reverse=True)
    if found[0].high != math.inf:
        fail(key, "a top band with max: null (unbounded)", f"top band {found[0]}")
    if found[-1].low > 0:
        fail(key, "a lowest band starting at 0 or below", f"lowest band starts at {found[-1].low}")
    for upper, lower in zip(found, found[1:], strict=False):
        if lower.high > upper.low:
            fail(key, "bands that do not overlap",
                 f"{lower.label} [{lower.low}, {lower.high}) overlaps {upper.label} "
                 f"[{upper.low}, {upper.high})")
        if lower.high < upper.low:
            fail(key, "bands with no gap",
                 f"gap [{lower.high}, {upper.low}) between {lower.label} and {upper.label}")
    return tuple(found)


def _qualitative(rows: Any, fail) -> tuple[QualitativeTier, ...]:
    key = "scoring.qualitative_tiers"
    if not isinstance(rows, list) or not rows:
        fail(key, "a non-empty list of tiers", rows)
    tiers, seen = [], set()
    for i, row in enumerate(rows):
        try:
            tier = QualitativeTier(str(row["tier"]), float(row["min"]), float(row["max"]),
                                   float(row["default"]), tuple(row.get("aliases") or ()))
        except (KeyError, TypeError, ValueError):
            fail(f"{key}[{i}]", "tier, min, max and default", row)
        if not 0 <= tier.low <= tier.default <= tier.high <= 1:
            fail(f"{key}[{i}]", "0 ≤ min ≤ default ≤ max ≤ 1", row)
        names = {tier.tier, *tier.aliases}
        if names & seen:
            fail(f"{key}[{i}]", "tier names and aliases used once", sorted(names & seen))
        seen |= names
        tiers.append(tier)
    return tuple(tiers)


def band_of(values: Sequence[float] | np.ndarray | float, bands: Sequence[Band]) -> np.ndarray:
    """Vectorised lookup of the band each value falls in (half-open ``[low, high)``).

    NaN gets an empty label. Values below the lowest band's ``low`` fall in the lowest band.
    Values are rounded to 9 decimals first, so floating-point noise in a sum (89.99999999999999
    for an exact 90) does not drop a score into the band below; no real score is that precise.

    >>> rs = load_ruleset("national")
    >>> band_of([95, 90, 89.999, 80, 60, 59.99, 0], rs.grades).tolist()
    ['优', '优', '良', '良', '中', '差', '差']
    """
    labels = np.array([b.label for b in sorted(bands, key=lambda b: b.low)], dtype=object)
    x = np.asarray(values, dtype=float)
    out = labels[band_index(x, bands)]
    out = np.where(np.isnan(x), "", out)
    return out.astype(object)


def band_index(values: np.ndarray, bands: Sequence[Band]) -> np.ndarray:
    """The position of each value's band among ``bands`` sorted by ``low`` (0 = lowest band).

    The integer form of :func:`band_of` (same rounding to 9 decimals, same half-open bands), for
    arrays of any shape: Monte Carlo draws compare band positions, not labels. NaN maps to the
    top band's position; callers mask NaN themselves.

    >>> band_index(np.array([[95.0, 89.999], [60.0, 10.0]]), load_ruleset("national").grades)
    array([[3, 2],
           [1, 0]])
    """
    lows = np.array(sorted(b.low for b in bands)[1:])
    return np.searchsorted(lows, np.round(np.asarray(values, dtype=float), 9), side="right")


def derive_ruleset(base: str | Path | RuleSet, changes: Mapping[str, Any], *,
                   label: str = "") -> RuleSet:
    """A rule set equal to ``base`` except for the dotted keys in ``changes``, validated anew.

    Parameters
    ----------
    base : str, Path or RuleSet
    changes : mapping
        Dotted key (``"grades"``, ``"scoring.reverse_convention"``, ``"panel.trim"``) → the new
        value, as it would be written in the YAML file. A key may name a new entry of an
        existing section.
    label : str, optional
        Appended to the source so outputs say what was changed (default: the keys).

    Returns
    -------
    RuleSet
        Its own ``sha256`` (content changed), the base's id and version, and a source naming the
        base and the changed keys. ``base`` is not modified.

    Raises
    ------
    RuleSetError
        A key whose section does not exist, or a result the rule-set checks reject (for example
        sub-item points that no longer add up to their dimension's points).

    Examples
    --------
    >>> rs = derive_ruleset("national", {"scoring.reverse_convention": "B"})
    >>> rs.reverse_convention, rs.sha256 != load_ruleset("national").sha256
    ('B', True)
    """
    rs = load_ruleset(base)
    data = copy.deepcopy(dict(rs.data))
    for key, value in changes.items():
        *path, last = str(key).split(".")
        node = data
        for part in path:
            if not isinstance(node.get(part), dict):
                raise RuleSetError(f"规则集 {rs.source}：没有 {'.'.join(path)} 部分，无法修改 {key}"
                                   f"(rule set {rs.id}: no section '{'.'.join(path)}' to change "
                                   f"'{key}' in)")
            node = node[part]
        node[last] = copy.deepcopy(value)
    what = label or "、".join(map(str, changes))
    return _build(data, f"{rs.source}（修改：{what}）")


def grade(total: float | Sequence[float] | np.ndarray, ruleset: RuleSet | str = "national"):
    """The grade (优/良/中/差 by default) of a total score under a rule set's half-open bands.

    Parameters
    ----------
    total : float or array-like
        Unrounded total score(s).
    ruleset : RuleSet or str

    Returns
    -------
    str for a scalar, numpy object array otherwise.

    Notes
    -----
    Bands are half-open, ``[min, max)``: 89.999 is 良 and 90 is 优 under the national rule set.
    Source: DOMAIN.md §3 (a production system with closed integer ranges left 89.5 in no band).

    >>> grade(89.5), grade(90), grade(89.5, "provincial")
    ('良', '优', '优')
    """
    rs = load_ruleset(ruleset)
    out = band_of(np.atleast_1d(total), rs.grades)
    return str(out[0]) if np.ndim(total) == 0 else out
