"""Stages: one module per report type's evaluation, each with its prose beside it.

- 事前绩效评估 (ex-ante assessment): :mod:`evalkit.stages.exante`, prose in
  :mod:`evalkit.stages.exante_prose`;
- 重点项目绩效评价 (key-project evaluation): :mod:`evalkit.stages.keyproject`, prose in
  :mod:`evalkit.stages.keyproject_prose`;
- 项目支出绩效自评 (project self-evaluation): :mod:`evalkit.stages.selfeval`, prose in
  :mod:`evalkit.stages.selfeval_prose`;
- 部门整体支出绩效评价 (department-wide evaluation of a budget unit, self and third party):
  :mod:`evalkit.stages.unitwide`, prose in :mod:`evalkit.stages.unitwide_prose`; its subject is
  a unit (``unit_id``), and it offers ``evaluate`` (third party) and ``evaluate_self``.
- 绩效目标审核 (target-sheet review, over rounds): :mod:`evalkit.stages.target_review`, prose in
  :mod:`evalkit.stages.target_review_prose`.

:mod:`evalkit.stages.base` holds :class:`StageResult` and the helpers the stages share;
:mod:`evalkit.stages.prose` the sentence helpers their prose modules share (how a score, a
share, a threshold, a list of lost points or of suggestions is written).

The stage protocol
------------------
Every stage module offers the same verbs with the same signatures, so the report-type registry
(:mod:`evalkit.registry`), batch runs and the command line can treat them alike:

``framework(ruleset="national") -> DataFrame``
    The stage's scoring framework under a rule set (ex-ante: the sub-items and their points; key
    project: the indicator tree; self-evaluation: the level-1 points).
``evaluate(dataset, project_id, *, ruleset="national") -> StageResult``
    One subject of a loaded :class:`~evalkit.io.Dataset`; the second argument is the subject's id
    (a ``project_id`` for the three stages here) and is passed positionally by the registry.
``evaluate_many(dataset, *, ruleset="national") -> DataFrame``
    Every subject of the dataset the stage applies to, one row each, unrounded. The problems of
    every subject are reported together in one :class:`~evalkit.errors.InputError`, so one
    failing project does not hide the others'.
``check_ruleset(section, fail) -> None``
    Validates the stage's rule-set section (``RULESET_SECTION``, holding ``REQUIRED_KEYS``);
    ``fail(key, expected, found)`` raises with the dotted key (``"exante.items[3].points"``).
    :func:`evalkit.rules.load_ruleset` runs it through the registry when the section is present.

Beside the protocol each stage keeps a public **table-level** function, ``assess``, for callers
holding plain tables rather than a dataset (tests, notebooks of one's own, other tools):
``exante.assess(expert_scores, project_id=…)``, ``keyproject.assess(project, indicators,
judgements, survey)``, ``selfeval.assess(project, indicators)``; ``evaluate`` selects the
subject's rows of the dataset and calls it. :func:`evalkit.stages.exante.assess_many` does the
same for every project of an ``expert_scores`` table.

Results are frozen dataclasses derived from :class:`StageResult`: ``summary()`` (the JSON
summary of a report), ``to_frame()`` and ``_repr_html_()``.
"""

from evalkit.stages.base import StageResult

__all__ = ["StageResult"]
