"""Located checks of the county-year tables (issue 15): 扶贫项目, 扶贫绩效目标, 以前年度自评, 直达资金.

Called by :func:`evalkit.io.read_dataset` after every table has been parsed; each problem names
the file, sheet, Excel row, column, what was expected and what was found, like every other check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from evalkit.errors import Problem
from evalkit.schemas import (
    DIRECT_FUNDS,
    POVERTY_INDICATORS,
    POVERTY_PROJECTS,
    PRIOR_EVALUATIONS,
    PRIOR_KINDS,
)


def county_year_checks(tables: Mapping[str, pd.DataFrame], locs: Mapping[str, Any]
                       ) -> list[Problem]:
    """Every problem of the county-year tables.

    - 扶贫项目: the unit is in the units table; a 关联项目编码, when filled, is in the projects
      table.
    - 扶贫绩效目标: the 扶贫项目编码 is in 扶贫项目.
    - 以前年度自评: 评价对象 is 部门整体 or 项目; 涉及金额 ≥ 0; a 本年项目编码, when filled, is
      in the projects table.
    - 直达资金: 下达金额 > 0; 已支付金额 between 0 and 下达金额; 截至月份 1–12; a filled
      单位编码 is in the units table; 是否特别国债 and 资金名称 the same on every row of a 资金编码.
    """
    problems: list[Problem] = []

    def bad(table: str, i: int, column: str, expected: str, found: str) -> None:
        loc = locs[table]
        problems.append(Problem(loc.file, loc.sheet, int(loc.rows[i]),
                                loc.headers.get(column, column), expected, found))

    def refs(table: str, column: str, target: str, target_column: str, label: str,
             *, blank_ok: bool = False) -> None:
        if table not in tables or target not in tables:
            return
        values = tables[table][column].fillna("").astype(str)
        known = set(tables[target][target_column].astype(str))
        missing = ~values.isin(known) & ~((values == "") & blank_ok)
        for i in np.flatnonzero(missing.to_numpy()):
            bad(table, int(i), column, label, repr(values.iat[i]))

    units_label = "预算单位表中已有的单位编码"
    projects_label = "项目表中已有的项目编码（或空白）"
    refs(POVERTY_PROJECTS.name, "unit_id", "units", "unit_id", units_label)
    refs(POVERTY_PROJECTS.name, "project_id", "projects", "project_id", projects_label,
         blank_ok=True)
    refs(POVERTY_INDICATORS.name, "poverty_id", POVERTY_PROJECTS.name, "poverty_id",
         "扶贫项目表中已有的扶贫项目编码")
    refs(PRIOR_EVALUATIONS.name, "project_id", "projects", "project_id", projects_label,
         blank_ok=True)
    refs(DIRECT_FUNDS.name, "unit_id", "units", "unit_id", units_label + "（未分配时空白）",
         blank_ok=True)
    if PRIOR_EVALUATIONS.name in tables:
        prior = tables[PRIOR_EVALUATIONS.name]
        for i in np.flatnonzero(~prior["kind"].isin(PRIOR_KINDS).to_numpy()):
            bad(PRIOR_EVALUATIONS.name, int(i), "kind", " 或 ".join(PRIOR_KINDS),
                repr(prior["kind"].iat[i]))
        for i in np.flatnonzero((prior["amount"] < 0).to_numpy()):
            bad(PRIOR_EVALUATIONS.name, int(i), "amount", "不小于 0 的数字",
                f"{prior['amount'].iat[i]:g}")
    if DIRECT_FUNDS.name in tables:
        _direct_fund_checks(tables[DIRECT_FUNDS.name], bad)
    return problems


def _direct_fund_checks(funds: pd.DataFrame, bad) -> None:
    """Amounts, month and per-fund consistency of the 直达资金 table (see county_year_checks)."""
    name = DIRECT_FUNDS.name
    for i, row in enumerate(funds.itertuples(index=False)):
        if not row.amount > 0:
            bad(name, i, "amount", "大于 0 的下达金额（万元）", f"{row.amount:g}")
        if row.paid < 0 or row.paid > row.amount:
            bad(name, i, "paid", f"0 至下达金额 {row.amount:g} 万元之间的已支付金额",
                f"{row.paid:g}")
        if not 1 <= row.month <= 12:
            bad(name, i, "month", "1–12 之间的月份", f"{row.month:g}")
    for column in ("bond", "fund_name"):
        first = funds.groupby("fund_id", sort=False)[column].transform("first")
        for i in np.flatnonzero((funds[column] != first).to_numpy()):
            shown = "是" if funds[column].iat[i] is True else (
                "否" if funds[column].iat[i] is False else repr(funds[column].iat[i]))
            bad(name, int(i), column, f"资金 {funds['fund_id'].iat[i]} 各行相同的值", shown)
