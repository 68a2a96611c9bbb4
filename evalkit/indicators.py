"""Three-level indicator trees (一级 / 二级 / 三级 指标) with weights in points.

A tree comes from YAML (a framework such as the key-project reference tree) or from an indicators
table (a project's indicator sheet). Codes must be unique and, where a parent states its points,
its children must add up to them; :meth:`IndicatorTree.flatten` gives the tidy table that scoring
and reports use.

YAML form::

    indicators:
      - {code: A, name: 决策, weight: 20, children: [
          {code: A1, name: 项目立项, weight: 6, children: [
            {code: A11, name: 立项依据充分性, weight: 3},
            {code: A12, name: 立项程序规范性, weight: 3}]}]}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from evalkit.errors import IndicatorTreeError

_TOL = 1e-9


@dataclass(frozen=True)
class Indicator:
    """One node of an indicator tree: its code, name, points and children."""

    code: str
    name: str
    weight: float
    children: tuple[Indicator, ...] = ()
    attrs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IndicatorTree:
    """A validated three-level indicator tree.

    Build it with :meth:`from_yaml`, :meth:`from_records` or :meth:`from_table`.

    Examples
    --------
    >>> tree = IndicatorTree.from_records([
    ...     {"code": "A", "name": "产出指标", "weight": 60, "children": [
    ...         {"code": "A1", "name": "数量指标", "weight": 60, "children": [
    ...             {"code": "A11", "name": "新建安居房", "weight": 40},
    ...             {"code": "A12", "name": "改造户数", "weight": 20}]}]},
    ...     {"code": "B", "name": "效益指标", "weight": 40, "children": [
    ...         {"code": "B1", "name": "社会效益指标", "weight": 40, "children": [
    ...             {"code": "B11", "name": "住房安全保障率", "weight": 40}]}]}])
    >>> tree.total
    100.0
    >>> tree.flatten()[["level1", "level2", "name", "weight"]]
      level1  level2     name  weight
    0   产出指标    数量指标    新建安居房    40.0
    1   产出指标    数量指标     改造户数    20.0
    2   效益指标  社会效益指标  住房安全保障率    40.0
    """

    roots: tuple[Indicator, ...]

    @property
    def total(self) -> float:
        """Sum of the level-1 points."""
        return float(sum(r.weight for r in self.roots))

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, Any]]) -> IndicatorTree:
        """Build from nested mappings with ``code``, ``name``, ``weight`` and ``children``."""
        roots = tuple(_node(r, f"indicators[{i}]", 1) for i, r in enumerate(records))
        tree = cls(roots)
        tree.validate()
        return tree

    @classmethod
    def from_yaml(cls, source: str | Path) -> IndicatorTree:
        """Build from a YAML file (a Path, or a str ending .yaml/.yml) or YAML text holding an
        ``indicators`` list."""
        is_file = isinstance(source, Path) or str(source).strip().endswith((".yaml", ".yml"))
        text = Path(source).read_text(encoding="utf-8") if is_file else str(source)
        data = yaml.safe_load(text)
        if not isinstance(data, dict) or "indicators" not in data:
            raise IndicatorTreeError("indicator tree YAML: expected a mapping with an "
                                     "'indicators' list, found none")
        return cls.from_records(data["indicators"])

    @classmethod
    def from_table(cls, table: pd.DataFrame) -> IndicatorTree:
        """Build one project's tree from its indicators table (level-1/2 points are the sums).

        Codes: level-1 and level-2 nodes are coded by their names; level 3 by ``indicator_id``.
        """
        roots = []
        for l1, g1 in table.groupby("level1", sort=False):
            children = []
            for l2, g2 in g1.groupby("level2", sort=False):
                leaves = tuple(Indicator(str(r.indicator_id), str(r.name), float(r.weight))
                               for r in g2.itertuples(index=False))
                children.append(Indicator(f"{l1}/{l2}", str(l2),
                                          sum(x.weight for x in leaves), leaves))
            roots.append(Indicator(str(l1), str(l1), sum(c.weight for c in children),
                                   tuple(children)))
        tree = cls(tuple(roots))
        tree.validate()
        return tree

    def validate(self) -> None:
        """Check unique codes, three levels, and that children add up to their parent.

        Raises
        ------
        IndicatorTreeError
            Naming the node (code and name), the expected sum and the sum found.
        """
        seen: dict[str, str] = {}
        for level, node in self._walk():
            if node.code in seen:
                raise IndicatorTreeError(f"indicator {node.code} ({node.name}): expected a unique "
                                         f"code, found it also on {seen[node.code]}")
            seen[node.code] = node.name
            if level < 3 and not node.children:
                raise IndicatorTreeError(f"indicator {node.code} ({node.name}): expected "
                                         f"level-{level + 1} children, found none")
            if level == 3 and node.children:
                raise IndicatorTreeError(f"indicator {node.code} ({node.name}): expected a "
                                         f"level-3 leaf, found children")
            if node.children:
                total = sum(c.weight for c in node.children)
                if not math.isclose(total, node.weight, abs_tol=1e-6):
                    raise IndicatorTreeError(
                        f"indicator {node.code} ({node.name}): expected children summing to "
                        f"{node.weight:g} points, found {total:g}")

    def _walk(self):
        stack = [(1, r) for r in reversed(self.roots)]
        while stack:
            level, node = stack.pop()
            yield level, node
            stack.extend((level + 1, c) for c in reversed(node.children))

    def flatten(self) -> pd.DataFrame:
        """One row per level-3 indicator: codes and names of all three levels, points, attrs."""
        rows = []
        for l1 in self.roots:
            for l2 in l1.children:
                for l3 in l2.children:
                    rows.append({"level1_code": l1.code, "level1": l1.name,
                                 "level1_weight": l1.weight, "level2_code": l2.code,
                                 "level2": l2.name, "level2_weight": l2.weight,
                                 "indicator_id": l3.code, "name": l3.name, "weight": l3.weight,
                                 **l3.attrs})
        return pd.DataFrame(rows)


def _node(record: Mapping[str, Any], where: str, level: int) -> Indicator:
    if not isinstance(record, Mapping):
        raise IndicatorTreeError(f"{where}: expected a mapping with code, name and weight, "
                                 f"found {record!r}")
    missing = [k for k in ("code", "name", "weight") if k not in record]
    if missing:
        raise IndicatorTreeError(f"{where}: expected keys code, name and weight, missing "
                                 f"{missing}")
    weight = record["weight"]
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight >= 0:
        raise IndicatorTreeError(f"indicator {record['code']} ({record['name']}): expected "
                                 f"points ≥ 0, found {weight!r}")
    if level > 3:
        raise IndicatorTreeError(f"indicator {record['code']} ({record['name']}): expected at "
                                 f"most three levels, found a level-{level} node")
    children = tuple(_node(c, f"{where}.children[{j}]", level + 1)
                     for j, c in enumerate(record.get("children") or ()))
    attrs = {k: v for k, v in record.items() if k not in ("code", "name", "weight", "children")}
    return Indicator(str(record["code"]), str(record["name"]), float(weight), children, attrs)
