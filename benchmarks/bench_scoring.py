"""Benchmark: score 1,000,000 indicator rows (100,000 projects × 10 indicators) in one call.

    .venv/bin/python benchmarks/bench_scoring.py [--projects 100000]

The table is in the parsed form :func:`evalkit.read_dataset` returns (numbers already parsed), so
the figure measures scoring itself: rules, not-applicable rescaling, flags, roll-ups and grades.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from evalkit import score_indicators

LEVELS = [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("产出指标", "时效指标"),
          ("产出指标", "成本指标"), ("效益指标", "社会效益指标"), ("效益指标", "经济效益指标"),
          ("效益指标", "可持续影响指标"), ("满意度指标", "服务对象满意度指标"),
          ("产出指标", "数量指标"), ("效益指标", "生态效益指标")]
COMPARATORS = ["≥", "≥", "≥", "≤", "≥", "≥", "定性", "≥", "=", "≤"]


def synthetic_indicators(n_projects: int, seed: int = 1) -> pd.DataFrame:
    """A parsed indicators table with every comparator, N/A rows and missing actuals."""
    rng = np.random.default_rng(seed)
    k = len(LEVELS)
    n = n_projects * k
    target = rng.uniform(10, 1000, n).round(1)
    actual = target * rng.normal(1.0, 0.15, n)
    actual[rng.random(n) < 0.01] = np.nan
    cmp = np.tile(COMPARATORS, n_projects)
    text = np.where(cmp == "定性", rng.choice(["达成", "部分达成", "未达成"], n), "")
    text = np.where((cmp != "定性") & (rng.random(n) < 0.005), "不适用", text)
    return pd.DataFrame({
        "project_id": np.repeat([f"P{i:06d}" for i in range(n_projects)], k),
        "indicator_id": np.tile([f"I{j:02d}" for j in range(k)], n_projects),
        "level1": np.tile([a for a, _ in LEVELS], n_projects),
        "level2": np.tile([b for _, b in LEVELS], n_projects),
        "name": np.tile([f"指标{j}" for j in range(k)], n_projects),
        "comparator": cmp, "target": target, "unit": "", "weight": 9.0,
        "actual": np.where(cmp == "定性", np.nan, actual), "actual_text": text, "evidence": "",
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    table = synthetic_indicators(args.projects)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = score_indicators(table, ruleset="national")
        times.append(time.perf_counter() - start)
    print(f"rows: {len(table):,}  projects: {args.projects:,}")
    print(f"score_indicators: best {min(times):.2f} s, median {sorted(times)[len(times) // 2]:.2f} s "
          f"over {args.repeat} runs  ({len(table) / min(times):,.0f} rows/s)")
    print(f"grades: {result.totals['grade'].value_counts().to_dict()}")


if __name__ == "__main__":
    main()
