"""The phrasebook: the wording of generated report sentences, editable by the agency.

The defaults are ``evalkit/rulesets/phrasebook.yaml`` (read it for every entry and its slots); a
rule set's optional ``prose`` section overrides any entry with the same keys, so an agency changes
a sentence, a materiality threshold or a suggestion trigger in its own rule set (and the rule
set's sha256 records the change). No network and no language model: every sentence is a format
string filled with figures of the results.

>>> pb = phrasebook("national")
>>> pb.text("rules.ge")
'正向指标，按实际值与目标值之比计分'
>>> pb.is_material(lost=0.1, weight=2.0), pb.is_material(lost=0.6, weight=10.0)
(False, True)
"""

from __future__ import annotations

import copy
import functools
import string
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from evalkit.errors import RuleSetError
from evalkit.rules import RuleSet, load_ruleset

__all__ = ["Phrasebook", "phrasebook"]

#: Float noise tolerated at a materiality threshold (rescaled points are thirds, ninths …).
_EPSILON = 1e-9


@functools.cache
def _defaults() -> Mapping[str, Any]:
    ref = resources.files("evalkit.rulesets").joinpath("phrasebook.yaml")
    return yaml.safe_load(ref.read_text(encoding="utf-8"))


def _merge(base: Mapping[str, Any], over: Mapping[str, Any], path: str, source: str) -> dict:
    """``over`` laid on ``base`` key by key; a key ``base`` does not have is a RuleSetError."""
    out = dict(base)
    for key, value in over.items():
        where = f"{path}.{key}"
        if key not in base:
            raise RuleSetError(f"rule set {source}: 用语库条目 {where} 不存在（expected one of "
                               f"{sorted(base)} under {path}, found {key!r}）")
        if isinstance(base[key], Mapping):
            if not isinstance(value, Mapping):
                raise RuleSetError(f"rule set {source}: {where} 应为映射（expected a mapping, "
                                   f"found {value!r}）")
            out[key] = _merge(base[key], value, where, source)
        elif isinstance(base[key], str) != isinstance(value, str):
            raise RuleSetError(f"rule set {source}: {where} 的类型应与默认值 {base[key]!r} 相同"
                               f"（found {value!r}）")
        else:
            out[key] = value
    return out


class Phrasebook:
    """One rule set's phrasebook: the defaults with the rule set's ``prose`` section laid over.

    Parameters
    ----------
    data : mapping
        The merged entries (see ``evalkit/rulesets/phrasebook.yaml``).
    source : str
        The rule set's label, named in errors.
    """

    def __init__(self, data: Mapping[str, Any], source: str):
        self.data = data
        self.source = source

    def get(self, key: str) -> Any:
        """The entry at a dotted key (``suggestions.low_execution.below``)."""
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise RuleSetError(f"rule set {self.source}: 用语库缺少条目 {key}"
                                   f"（missing phrasebook entry {key}）")
            node = node[part]
        return node

    def text(self, key: str, **slots: Any) -> str:
        """The sentence at ``key`` with its ``{slots}`` filled.

        Raises
        ------
        RuleSetError
            The entry names a slot that is not given (an agency's edited text), naming both.
        """
        template = str(self.get(key))
        wanted = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        missing = sorted(wanted - set(slots))
        if missing:
            raise RuleSetError(f"rule set {self.source}: 用语库条目 {key} 使用了不可用的占位符 "
                               f"{missing}（available: {sorted(slots)}）")
        return template.format(**slots)

    @property
    def min_lost_points(self) -> float:
        return float(self.get("materiality.min_lost_points"))

    @property
    def min_lost_share(self) -> float:
        return float(self.get("materiality.min_lost_share"))

    def is_material(self, lost: float, weight: float) -> bool:
        """Whether a deduction is material: ``lost ≥ min_lost_points`` or
        ``lost / weight ≥ min_lost_share`` (unrounded; ``weight`` is the indicator's effective
        points), within :data:`_EPSILON` of float noise (1/3 of 10/3 points is 10 %)."""
        share = lost / weight if weight > 0 else 0.0
        return bool(lost >= self.min_lost_points - _EPSILON
                    or share >= self.min_lost_share - _EPSILON)


#: Phrasebooks built so far, by rule-set sha256.
_BUILT: dict[str, Phrasebook] = {}


def _plain(node: Any) -> Any:
    """A read-only rule-set node as plain dicts and lists."""
    if isinstance(node, Mapping):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_plain(v) for v in node]
    return node


def phrasebook(ruleset: str | Path | RuleSet = "national") -> Phrasebook:
    """The phrasebook of a rule set (cached per rule-set content).

    Parameters
    ----------
    ruleset : str, Path or RuleSet

    Returns
    -------
    Phrasebook

    Raises
    ------
    RuleSetError
        The ``prose`` section names an entry the phrasebook does not have, or gives a text where
        a mapping is expected (or the reverse).
    """
    rs = load_ruleset(ruleset)
    if rs.sha256 not in _BUILT:
        over = _plain(rs.data.get("prose") or {})
        if not isinstance(over, Mapping):
            raise RuleSetError(f"rule set {rs.label}: prose 应为映射（expected a mapping, found "
                               f"{over!r}）")
        _BUILT[rs.sha256] = Phrasebook(_merge(copy.deepcopy(_plain(_defaults())), over, "prose",
                                              rs.label), rs.label)
    return _BUILT[rs.sha256]
