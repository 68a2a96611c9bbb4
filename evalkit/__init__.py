"""evalkit — 预算绩效管理评价工具包: scoring, weighting and report templates for budget
performance evaluation (事前绩效评估, 重点项目绩效评价, 绩效自评).

The public API is the names in ``__all__``; everything else is internal. The stages' own
functions live in their modules (:mod:`evalkit.stages`: ``from evalkit.stages import exante``,
then ``exante.evaluate(dataset, project_id)``); the top level exports their result types. Names are imported
from their modules on first use (PEP 562), so ``import evalkit`` — and every command and batch
worker — does not pay for scipy, pandera or matplotlib until it needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name → the module that defines it.
_EXPORTS: dict[str, str] = {
    "DatasetError": "evalkit.errors",
    "EvalkitError": "evalkit.errors",
    "EvalkitWarning": "evalkit.errors",
    "InconsistentMatrixError": "evalkit.errors",
    "IndicatorTreeError": "evalkit.errors",
    "InputError": "evalkit.errors",
    "Problem": "evalkit.errors",
    "RuleSetError": "evalkit.errors",
    "fuzzy_evaluate": "evalkit.fuzzy",
    "fuzzy_score": "evalkit.fuzzy",
    "membership_from_votes": "evalkit.fuzzy",
    "IndicatorTree": "evalkit.indicators",
    "Dataset": "evalkit.io",
    "load_dataset": "evalkit.io",
    "read_dataset": "evalkit.io",
    "write_excel": "evalkit.io",
    "GroupAHPResult": "evalkit.pairwise",
    "group_ahp": "evalkit.pairwise",
    "read_ahp_workbooks": "evalkit.pairwise",
    "write_ahp_template": "evalkit.pairwise",
    "write_weighted_ruleset": "evalkit.pairwise",
    "KendallW": "evalkit.panel",
    "PanelResult": "evalkit.panel",
    "aggregate_panel": "evalkit.panel",
    "kendall_w": "evalkit.panel",
    "kendall_w_from_rank_sums": "evalkit.panel",
    "RuleSet": "evalkit.rules",
    "available_rulesets": "evalkit.rules",
    "grade": "evalkit.rules",
    "load_ruleset": "evalkit.rules",
    "ScoreResult": "evalkit.scoring",
    "prepare_indicators": "evalkit.scoring",
    "score_indicators": "evalkit.scoring",
    "StageResult": "evalkit.stages.base",
    "ExAnteResult": "evalkit.stages.exante",
    "KeyProjectResult": "evalkit.stages.keyproject",
    "SelfEvalResult": "evalkit.stages.selfeval",
    "UnitEvalResult": "evalkit.stages.unitwide",
    "county_figures": "evalkit.summary",
    "summarize_projects": "evalkit.summary",
    "SurveyResult": "evalkit.survey",
    "analyze_survey": "evalkit.survey",
    "wilson_interval": "evalkit.survey",
    "parse_value": "evalkit.values",
    "AHPResult": "evalkit.weights",
    "HierarchyResult": "evalkit.weights",
    "ahp": "evalkit.weights",
    "ahp_hierarchy": "evalkit.weights",
    "combine_weights": "evalkit.weights",
    "critic_weights": "evalkit.weights",
    "entropy_weights": "evalkit.weights",
}

__all__ = ["__version__", *sorted(_EXPORTS)]

if TYPE_CHECKING:  # static analysers see ordinary imports
    from evalkit.errors import (  # noqa: F401
        DatasetError,
        EvalkitError,
        EvalkitWarning,
        InconsistentMatrixError,
        IndicatorTreeError,
        InputError,
        Problem,
        RuleSetError,
    )
    from evalkit.fuzzy import fuzzy_evaluate, fuzzy_score, membership_from_votes  # noqa: F401
    from evalkit.indicators import IndicatorTree  # noqa: F401
    from evalkit.io import Dataset, load_dataset, read_dataset, write_excel  # noqa: F401
    from evalkit.pairwise import (  # noqa: F401
        GroupAHPResult,
        group_ahp,
        read_ahp_workbooks,
        write_ahp_template,
        write_weighted_ruleset,
    )
    from evalkit.panel import (  # noqa: F401
        KendallW,
        PanelResult,
        aggregate_panel,
        kendall_w,
        kendall_w_from_rank_sums,
    )
    from evalkit.rules import RuleSet, available_rulesets, grade, load_ruleset  # noqa: F401
    from evalkit.scoring import ScoreResult, prepare_indicators, score_indicators  # noqa: F401
    from evalkit.stages.base import StageResult  # noqa: F401
    from evalkit.stages.exante import ExAnteResult  # noqa: F401
    from evalkit.stages.keyproject import KeyProjectResult  # noqa: F401
    from evalkit.stages.selfeval import SelfEvalResult  # noqa: F401
    from evalkit.stages.unitwide import UnitEvalResult  # noqa: F401
    from evalkit.summary import county_figures, summarize_projects  # noqa: F401
    from evalkit.survey import SurveyResult, analyze_survey, wilson_interval  # noqa: F401
    from evalkit.values import parse_value  # noqa: F401
    from evalkit.weights import (  # noqa: F401
        AHPResult,
        HierarchyResult,
        ahp,
        ahp_hierarchy,
        combine_weights,
        critic_weights,
        entropy_weights,
    )


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is used."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'evalkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
