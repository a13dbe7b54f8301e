"""Figures of one evaluation protocol over several training seeds.

A network's figures move by several points from one training seed to another (one clip of 30
is 3.3 points), so methods are compared over seeds. :func:`summarise_seeds` pools the reports
of :func:`gait.identification.evaluate.evaluate_probe` or
:func:`~gait.identification.evaluate.evaluate_folds` made with different seeds: rank rates
from the clips counted over every seed (a clip without a gait cycle counts as a miss, so a
seed that lost a clip weighs as it should, and nothing is averaged after rounding), the
decisions' counts summed, and the per-seed values of what cannot be pooled by counting (Cllr,
the open-set rates) with their mean.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np

#: Counts of :func:`gait.identification.evaluate.clip_decisions` summed over seeds.
_DECISION_COUNTS = ("genuine_clips", "named_right", "right_lr_above", "named_or_supported",
                    "named_wrong", "impostor_clips", "impostors_named")


def _rank_counts(clips: list[Mapping[str, Any]]) -> dict[str, int]:
    """Clips of enrolled people, and those ranked first and within the first five."""
    ranks = [np.inf if c.get("rank") is None else c["rank"] for c in clips if c["enrolled"]]
    return {"n_clips": len(ranks), "rank1": sum(r <= 1 for r in ranks),
            "rank5": sum(r <= 5 for r in ranks)}


def _rates(counts: Mapping[str, int]) -> dict[str, Any]:
    n = counts["n_clips"]
    return {"n_clips": n,
            "rank1": counts["rank1"] / n if n else float("nan"),
            "rank5": counts["rank5"] / n if n else float("nan")}


def _per_seed(values: list[float]) -> dict[str, Any]:
    return {"mean": float(np.mean(values)), "per_seed": values}


def summarise_seeds(reports: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """Pool reports of one protocol made with different training seeds.

    Parameters
    ----------
    reports : mapping of int to dict
        Seed -> the report of one evaluation with that seed (each with ``protocol``,
        ``view`` and per-clip ``clips`` records; ``lr`` and ``open_set`` when the models
        had them).

    Returns
    -------
    dict
        ``seeds``; ``clip_rank1``, ``clip_rank5`` and ``n_clip_results`` over every
        seed's clips of enrolled people; ``clip_rank1_per_seed``; ``by_condition`` (condition
        of enrolled people's clips -> ``n_clips``, ``rank1``, ``rank5``, over the seeds);
        with likelihood ratios,
        ``lr``: ``cllr`` (``mean``, ``per_seed``), ``max_log10_lr_hd`` (the strongest
        impostor comparison of any seed) and ``decisions`` (the counts of
        :func:`gait.identification.evaluate.clip_decisions` summed over the seeds); with
        an open-set decision, ``open_set``: ``fpir`` and ``fnir`` (``mean``, ``per_seed``).

    Raises
    ------
    ValueError
        Without a report, or for reports of different protocols or views.
    """
    if not reports:
        raise ValueError("a summary over seeds needs at least one report")
    kinds = {(r.get("protocol"), r.get("view")) for r in reports.values()}
    if len(kinds) > 1:
        raise ValueError(f"the reports are of different protocols or views: {sorted(kinds)}")
    seeds = list(reports)
    total: Counter[str] = Counter()
    by_condition: dict[str, Counter[str]] = {}
    per_seed_rank1 = []
    for seed in seeds:
        clips = reports[seed]["clips"]
        counts = _rank_counts(clips)
        total.update(counts)
        per_seed_rank1.append(_rates(counts)["rank1"])
        for condition in sorted({c["condition"] for c in clips if c["enrolled"]}):
            by_condition.setdefault(condition, Counter()).update(
                _rank_counts([c for c in clips if c["condition"] == condition]))
    overall = _rates(total)
    summary: dict[str, Any] = {
        "protocol": reports[seeds[0]].get("protocol"),
        "view": reports[seeds[0]].get("view"),
        "seeds": seeds,
        "n_clip_results": overall["n_clips"],
        "clip_rank1": overall["rank1"],
        "clip_rank5": overall["rank5"],
        "clip_rank1_per_seed": per_seed_rank1,
        "by_condition": {c: _rates(n) for c, n in by_condition.items()},
    }
    lrs = [reports[s].get("lr") or {} for s in seeds]
    if all("cllr" in lr for lr in lrs):
        summary["lr"] = {"cllr": _per_seed([float(lr["cllr"]) for lr in lrs]),
                         "max_log10_lr_hd": max(float(lr["max_log10_lr_hd"]) for lr in lrs)}
        if all("decisions" in lr for lr in lrs):
            summary["lr"]["decisions"] = {
                "supporting_lr": lrs[0]["decisions"]["supporting_lr"],
                **{k: sum(int(lr["decisions"][k]) for lr in lrs) for k in _DECISION_COUNTS}}
    open_sets = [reports[s].get("open_set") for s in seeds]
    if all(open_sets):
        summary["open_set"] = {k: _per_seed([float(o[k]) for o in open_sets if o])
                               for k in ("fpir", "fnir")}
    return summary
