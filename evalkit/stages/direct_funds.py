"""The direct-funds ledger (直达资金台账): allocation → issue to a unit and project → payment →
monitoring → disclosure, per fund and allocation, with the three flags of the annual review.

Payment progress = 已支付金额 ÷ 下达金额; time progress = 截至月份 ÷ 12 (DOMAIN.md §6). An allocation
is flagged

- **未分配到具体单位和项目** when its 单位编码 or 项目名称 is blank (the money still sits at the
  county level) [C: 财政部直达资金管理 "资金分配到具体单位具体项目"; seed];
- **未公开** when 是否公开 is 否 [C, seed: "在政府网站公开"];
- **支付进度滞后** when payment progress < ``annual_summary.direct_funds_behind_ratio`` × time
  progress [P: the ratio is a rule-set parameter, 1.0 = behind time progress at all].

Amounts are 万元 and stay unrounded.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evalkit.errors import InputError
from evalkit.io import Dataset
from evalkit.rules import RuleSet, load_ruleset
from evalkit.schemas import DIRECT_FUNDS

#: The flags, in the ledger's column order.
FLAG_UNALLOCATED, FLAG_UNDISCLOSED, FLAG_BEHIND = "未分配到具体单位和项目", "未公开", "支付进度滞后"

#: Ledger column → Chinese header (the workbook and the report tables).
LEDGER_HEADERS = {
    "fund_id": "资金编码", "fund_name": "资金名称", "bond": "特别国债", "allocation_id": "明细编码",
    "unit_id": "单位编码", "unit_name": "预算单位", "project_name": "项目名称",
    "amount": "下达金额（万元）", "targets_issued": "绩效目标随文下达", "paid": "已支付（万元）",
    "payment_progress": "支付进度", "time_progress": "时间进度", "monitored": "已监控",
    "disclosed": "已公开", "flags": "问题标记",
}
#: Per-fund totals column → Chinese header.
FUND_HEADERS = {
    "fund_id": "资金编码", "fund_name": "资金名称", "bond": "特别国债", "n_allocations": "分配笔数",
    "amount": "下达金额（万元）", "allocated": "已分配到单位项目（万元）", "paid": "已支付（万元）",
    "payment_progress": "支付进度", "n_flagged": "有问题标记（笔）",
}


def ledger(dataset: Dataset, *, ruleset: str | Path | RuleSet = "national") -> pd.DataFrame:
    """One row per allocation of the 直达资金 table with progress and flags.

    Parameters
    ----------
    dataset : Dataset
        With a ``direct_funds`` table (直达资金); the units table names the units.
    ruleset : RuleSet or str
        Its ``annual_summary.direct_funds_behind_ratio`` decides 支付进度滞后.

    Returns
    -------
    DataFrame
        The columns of :data:`LEDGER_HEADERS` plus one boolean column per flag
        (``unallocated``, ``undisclosed``, ``behind``); ``flags`` joins the flags' names with 、.

    Raises
    ------
    InputError
        When the dataset has no 直达资金 table.

    Examples
    --------
    >>> import evalkit as ek
    >>> book = ledger(ek.load_dataset("sample"))
    >>> round(float(book["amount"].sum()), 2), round(float(book.loc[book["bond"], "amount"].sum()), 2)
    (28784.55, 10000.0)
    """
    rs = load_ruleset(ruleset)
    ratio = float(rs.section("annual_summary", needed_by="直达资金台账")["direct_funds_behind_ratio"])
    if DIRECT_FUNDS.name not in dataset.tables:
        raise InputError(f"数据集 {dataset.source}：应有 {DIRECT_FUNDS.chinese} 表 "
                         f"({DIRECT_FUNDS.name})，实际没有 (expected a direct_funds table)")
    funds = dataset.table(DIRECT_FUNDS.name)
    names = dict(zip(dataset.units["unit_id"], dataset.units["unit_name"], strict=True))
    out = funds.copy()
    out["unit_name"] = out["unit_id"].map(names).fillna("")
    out["payment_progress"] = out["paid"] / out["amount"]
    out["time_progress"] = out["month"] / 12.0
    out["unallocated"] = (out["unit_id"].fillna("") == "") | (out["project_name"].fillna("") == "")
    out["undisclosed"] = ~out["disclosed"].astype(bool)
    out["behind"] = out["payment_progress"] < ratio * out["time_progress"]
    flags = {"unallocated": FLAG_UNALLOCATED, "undisclosed": FLAG_UNDISCLOSED,
             "behind": FLAG_BEHIND}
    out["flags"] = [("、".join(label for key, label in flags.items() if row[key]))
                    for _, row in out[list(flags)].iterrows()]
    return out[[*LEDGER_HEADERS, *flags]].reset_index(drop=True)


def fund_totals(book: pd.DataFrame) -> pd.DataFrame:
    """Per fund: allocations, amount, the part issued to a unit and project, paid, progress and
    the number of flagged allocations (the ledger of :func:`ledger`)."""
    book = book.assign(allocated=book["amount"].where(~book["unallocated"], 0.0),
                       flagged=book["flags"] != "")
    out = book.groupby(["fund_id", "fund_name", "bond"], sort=False).agg(
        n_allocations=("allocation_id", "size"), amount=("amount", "sum"),
        allocated=("allocated", "sum"), paid=("paid", "sum"),
        n_flagged=("flagged", "sum")).reset_index()
    out["payment_progress"] = out["paid"] / out["amount"]
    return out[list(FUND_HEADERS)]


def figures(book: pd.DataFrame) -> dict[str, float | int]:
    """The county's direct-fund figures: received, of which special treasury bonds, issued to a
    unit and project, paid, payment progress, and the count and amount of each flag."""
    amount = float(book["amount"].sum())
    out: dict[str, float | int] = {
        "amount": amount, "bond": float(book.loc[book["bond"], "amount"].sum()),
        "allocated": float(book.loc[~book["unallocated"], "amount"].sum()),
        "paid": float(book["paid"].sum()), "n_allocations": int(len(book)),
        "n_funds": int(book["fund_id"].nunique()),
        "time_progress": float(book["time_progress"].max()) if len(book) else 0.0,
    }
    out["payment_progress"] = out["paid"] / amount if amount else 0.0
    for key in ("unallocated", "undisclosed", "behind"):
        out[f"n_{key}"] = int(book[key].sum())
        out[f"{key}_amount"] = float(book.loc[book[key], "amount"].sum())
    return out


def workbook_sheets(book: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The 直达资金台账 workbook: 资金汇总 (per fund) and 分配明细 (per allocation), Chinese
    headers, progress as fractions (unrounded), booleans as 是/否."""
    def shown(frame: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
        frame = frame[list(headers)].copy()
        for column in frame.columns:
            if frame[column].dtype == bool:
                frame[column] = frame[column].map({True: "是", False: "否"})
        return frame.rename(columns=headers)

    return {"资金汇总": shown(fund_totals(book), FUND_HEADERS),
            "分配明细": shown(book, LEDGER_HEADERS)}
