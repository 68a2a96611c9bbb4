"""Benchmark: grade stability of 100 projects × 10,000 Dirichlet weight draws.

    .venv/bin/python benchmarks/bench_sensitivity.py [--projects 100] [--draws 10000]

The portfolio is the sample county's self-evaluations (77 projects, their real level-1 and
level-2 weights and scores) cycled to ``--projects`` rows, so the figure measures
:func:`evalkit.sensitivity.grade_stability` itself: the draws, the rescoring of every project
under every draw, band lookups, acceptability and quantiles. Building the weight model (one
stage evaluation per project) is timed separately.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np

from evalkit.errors import EvalkitWarning
from evalkit.sensitivity import WeightModel, grade_stability, weight_model, weight_tornado


def portfolio(n_projects: int) -> tuple[WeightModel, float]:
    """The sample's self-evaluation weight model cycled to ``n_projects``; and its build time."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        base = weight_model("sample", report_type="self_evaluation")
    built = time.perf_counter() - start
    rows = np.arange(n_projects) % len(base.project_ids)
    model = WeightModel(
        project_ids=tuple(f"BM-{i:04d}" for i in range(n_projects)), level1=base.level1,
        level1_weights=base.level1_weights, components=base.components,
        weights=base.weights[rows], scores=base.scores[rows], totals=base.totals[rows],
        verdicts=tuple(base.verdicts[r] for r in rows), fixed=tuple(base.fixed[r] for r in rows),
        bands=base.bands, report_type=base.report_type, ruleset=base.ruleset)
    return model, built


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    model, built = portfolio(args.projects)
    print(f"weight model of the 77 sample self-evaluations built in {built:.2f} s")
    cases = {
        "level 1 (Dirichlet c = 100)": lambda: grade_stability(model, draws=args.draws, seed=0),
        "levels 1 and 2": lambda: grade_stability(model, draws=args.draws, seed=0, level2=True),
        "tornado (±20 %, every weight)": lambda: weight_tornado(model),
    }
    for label, fn in cases.items():
        times = timed(fn, args.repeat)
        size = (f"{args.projects} projects" if label.startswith("tornado") else
                f"{args.projects} projects × {args.draws} draws")
        print(f"{label}: {size} — best {min(times):.3f} s, "
              f"median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
