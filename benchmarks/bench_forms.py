"""Import of filled self-evaluation forms (issue 11): 200 forms, 10 workbooks of 20 forms (two per
sheet), the official layout, read by :func:`evalkit.forms.read_forms` into canonical tables.

Run: ``python benchmarks/bench_forms.py [n_forms]``; prints the seconds taken and forms per second.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from evalkit.forms import read_forms, write_forms


def _form(i: int) -> dict:
    rows = [{"level1": "产出指标(50分)", "level2": "数量指标", "name": f"完成任务{k}",
             "target": f"≥{100 + k}个", "actual": f"{95 + k}个", "weight": 10, "score": 9.5,
             "explanation": "进度滞后"} for k in range(5)]
    rows += [{"level1": "效益指标(30分)", "level2": "社会效益指标", "name": "群众受益", "target": "有效",
              "actual": "达成预期指标", "weight": 30, "score": 30, "explanation": ""},
             {"level1": "满意度指标(10分)", "level2": "服务对象满意度指标", "name": "满意度",
              "target": "≥90%", "actual": "95%", "weight": 10, "score": 10, "explanation": ""}]
    return {"year": 2020, "code": f"XM-{i:04d}", "project_name": f"示例项目{i}",
            "department": f"{i % 12 + 1:03d}-示例部门{i % 12 + 1}", "implementer": "示例单位",
            "funds": {"budget": 100, "budget_annual": 100, "spent": 92.5, "points": 10,
                      "rate": "92.5%", "score": 9.25},
            "indicators": rows, "total": {"points": 100, "score": 96.75}}


def main(n: int = 200) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        paths = [write_forms([_form(i) for i in range(k, min(k + 20, n))],
                             Path(tmp) / f"forms_{k // 20:02d}.xlsx", per_sheet=2)
                 for k in range(0, n, 20)]
        start = time.perf_counter()
        imported = read_forms(paths)
        seconds = time.perf_counter() - start
    assert len(imported.forms) == n
    print(f"{n} 张自评表（{len(paths)} 个工作簿）导入用时 {seconds:.2f} 秒，"
          f"每秒 {n / seconds:.0f} 张；三级指标 {len(imported.tables['indicators'])} 条")
    return seconds


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
