"""evalkit — 预算绩效管理评价工具包: scoring, weighting and report templates for budget
performance evaluation (事前绩效评估, 重点项目绩效评价, 绩效自评).

The public API is the names in ``__all__``; everything else is internal.
"""

from evalkit.errors import (
    DatasetError,
    EvalkitError,
    EvalkitWarning,
    InconsistentMatrixError,
    IndicatorTreeError,
    InputError,
    Problem,
    RuleSetError,
)
from evalkit.exante import ExAnteResult, assess, assess_many, framework
from evalkit.fuzzy import fuzzy_evaluate, fuzzy_score, membership_from_votes
from evalkit.indicators import IndicatorTree
from evalkit.io import Dataset, read_dataset, write_excel
from evalkit.keyproject import KeyProjectResult
from evalkit.panel import (
    KendallW,
    PanelResult,
    aggregate_panel,
    kendall_w,
    kendall_w_from_rank_sums,
)
from evalkit.rules import RuleSet, available_rulesets, grade, load_ruleset
from evalkit.scoring import ScoreResult, prepare_indicators, score_indicators
from evalkit.selfeval import SelfEvalResult
from evalkit.summary import county_figures, summarize_projects
from evalkit.survey import SurveyResult, analyze_survey, wilson_interval
from evalkit.values import parse_value
from evalkit.weights import (
    AHPResult,
    HierarchyResult,
    ahp,
    ahp_hierarchy,
    combine_weights,
    critic_weights,
    entropy_weights,
)

__version__ = "0.1.0"

__all__ = [
    "AHPResult",
    "HierarchyResult",
    "ExAnteResult",
    "KeyProjectResult",
    "SelfEvalResult",
    "SurveyResult",
    "analyze_survey",
    "wilson_interval",
    "assess",
    "assess_many",
    "framework",
    "KendallW",
    "PanelResult",
    "aggregate_panel",
    "fuzzy_evaluate",
    "fuzzy_score",
    "kendall_w",
    "kendall_w_from_rank_sums",
    "membership_from_votes",
    "ahp",
    "ahp_hierarchy",
    "combine_weights",
    "critic_weights",
    "entropy_weights",
    "Dataset",
    "DatasetError",
    "EvalkitError",
    "EvalkitWarning",
    "InconsistentMatrixError",
    "IndicatorTree",
    "IndicatorTreeError",
    "InputError",
    "Problem",
    "RuleSet",
    "RuleSetError",
    "ScoreResult",
    "__version__",
    "available_rulesets",
    "county_figures",
    "grade",
    "load_ruleset",
    "parse_value",
    "prepare_indicators",
    "read_dataset",
    "score_indicators",
    "summarize_projects",
    "write_excel",
]
