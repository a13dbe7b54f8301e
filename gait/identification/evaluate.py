"""Evaluation protocols and their figures.

* ``6-fold`` (no probe set): the seed paper's protocol done honestly. Fold *k* holds out
  the *k*-th clip (in clip-name order) of every subject; a network is trained on the other
  clips; every clip is tested exactly once.
* ``probe``: enrol on all of a data set, identify every clip of a probe data set. Probe clips
  of subjects who are not enrolled in the view are impostors for the open-set figures.

Clips without a gait cycle count as wrong and are listed in ``failed_clips``; ``clips`` gives
every clip's outcome (top suspect, rank of the true one, open-set score and, for a calibrated
model, whether the top suspect is named).

Likelihood-ratio figures (``lr``, :func:`gait.identification.likelihood.lr_metrics`) count
every comparison of a clip with a suspect: Hp is true where the clip's person is that suspect.
The probe protocol uses the LRs of the model's stored calibration; the 6-fold protocol, whose
fold networks have none, cross-validates a calibrator over the folds.
Open-set figures follow ISO/IEC 19795-1: FPIR is the share of impostor clips that name a
suspect, FNIR the share of genuine clips that do not name the right suspect, DIR = 1 - FNIR,
and EER the rate where FPIR equals FNIR as the threshold varies. ``fnir_at_fpir_10pct`` is
the FNIR at the threshold where the probe set's own impostors give an FPIR of at most 10 %
(the "FNIR at FPIR" of NIST's FRVT 1:N reports): what a threshold chosen with hindsight would
achieve, next to the FPIR and FNIR at the threshold calibrated on the enrolment data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from gait.identification.calibration import (
    DEFAULT_NAME_AT_LR,
    concatenate,
    cross_validated_comparison_lrs,
    model_comparisons,
    train_identifier,
)
from gait.identification.identify import (
    MATCH,
    ClipOutput,
    clip_outputs,
    decide,
    decision_score,
    fuse,
    likelihood_of,
    open_set_calibration,
    open_set_score,
    score_kind,
    verification_score,
)
from gait.identification.likelihood import lr_metrics
from gait.identification.model import GaitModel
from gait.identification.settings import ModelSettings
from gait.identification.training import train_network
from gait.walk.features import FeatureTable

N_FOLDS = 6
DET_FPIR = 0.1


SUPPORTING_LR = 10.0
"""An LR above which a suspect who is not named is still reported as supported (ENFSI's
"moderate support" begins there): the decision figures count both."""


def threshold_for_fpir(impostor_scores: np.ndarray, target_fpir: float) -> float:
    """Smallest threshold at which at most ``target_fpir`` of the impostor scores reach it.

    Parameters
    ----------
    impostor_scores : ndarray, shape (n,)
    target_fpir : float
        Wanted share in [0, 1] of impostor scores at or above the threshold.

    Returns
    -------
    float
        0.0 without impostor scores.
    """
    if impostor_scores.size == 0:
        return 0.0
    ordered = np.sort(impostor_scores)[::-1]
    allowed = int(np.floor(target_fpir * ordered.size))
    if allowed >= ordered.size:
        return float(ordered[-1])
    return float(np.nextafter(ordered[allowed], np.inf))


def _rank_of(scores: np.ndarray, suspects: list[str], truth: str) -> int | None:
    """1-based rank of ``truth`` in ``scores`` (None if not a suspect)."""
    if truth not in suspects:
        return None
    order = list(np.argsort(-scores))
    return order.index(suspects.index(truth)) + 1


def _clip_results(model: GaitModel, table: FeatureTable,
                  outputs: dict[str, ClipOutput]) -> pd.DataFrame:
    """One row per clip of ``table`` (failed clips included) with rank, top suspect, the score
    the verdict rests on, whether a suspect is named and, for a model with likelihood ratios,
    every suspect's log10 LR; ``outputs`` are :func:`_outputs`."""
    weights = table.frame.groupby("clip_id")["cycle_weight"].mean() if len(table.frame) else {}
    calibration = open_set_calibration(model)
    with_lr = likelihood_of(model) is not None

    def score_of(cycle_probabilities: np.ndarray, similarity: np.ndarray | None) -> float:
        if calibration is not None:
            return decision_score(calibration, cycle_probabilities, similarity)
        if similarity is not None:
            return verification_score(cycle_probabilities, similarity)
        return open_set_score(cycle_probabilities)

    rows = []
    for clip in table.clips.itertuples(index=False):
        output = outputs.get(clip.clip_id)
        s = (None if output is None
             else fuse(output.probabilities, model.settings.cycle_probability_floor))
        decision = (None if output is None or not with_lr else
                    decide(model, output.probabilities, None, output.similarity,
                           float(weights[clip.clip_id]), output.robust_similarity,
                           output.outline_changed, output.off_axis))
        rows.append({
            "clip_id": clip.clip_id,
            "subject": clip.subject,
            "condition": clip.condition or "normal",
            "enrolled": clip.subject in model.suspects,
            "top": None if s is None else model.suspects[int(np.argmax(s))],
            "top_score": np.nan if s is None else float(np.max(s)),
            "open_set_score": (np.nan if output is None else decision.open_set_score
                               if decision is not None
                               else score_of(output.probabilities, output.similarity)),
            "named": (decision.verdict == MATCH if decision is not None
                      else False if with_lr else None),
            "log10_lrs": None if decision is None else dict(decision.log10_lrs),
            "rank": None if s is None else _rank_of(s, model.suspects, clip.subject),
            "n_cycles": clip.n_cycles,
        })
    return pd.DataFrame(rows)


def probe_lr_figures(results: pd.DataFrame) -> dict[str, Any]:
    """:func:`gait.identification.likelihood.lr_metrics` of every comparison of a probe clip
    with a suspect (Hp true where the clip's person is that suspect); clips without a cycle
    make no comparison."""
    llrs, hp = [], []
    for r in results.itertuples(index=False):
        if r.log10_lrs:
            llrs += list(r.log10_lrs.values())
            hp += [int(s == r.subject) for s in r.log10_lrs]
    if not hp or min(hp) == max(hp):
        return {"note": "LR figures need comparisons under both propositions"}
    return lr_metrics(np.array(llrs), np.array(hp))


def _outputs(model: GaitModel, table: FeatureTable) -> dict[str, ClipOutput]:
    return clip_outputs(model, table) if len(table.frame) else {}


def _cycle_correct(model: GaitModel, table: FeatureTable,
                   outputs: dict[str, ClipOutput]) -> tuple[int, int]:
    """(right, all) cycles of enrolled people, each pooled as its clip is (its outline)."""
    subject_of = table.frame.groupby("clip_id", sort=False)["subject"].first()
    correct = total = 0
    for clip_id, output in outputs.items():
        if subject_of[clip_id] in model.suspects:
            predicted = np.argmax(output.probabilities, axis=1)
            correct += int(np.sum(predicted == model.suspects.index(subject_of[clip_id])))
            total += predicted.size
    return correct, total


def _rank_rates(results: pd.DataFrame) -> dict[str, Any]:
    genuine = results[results["enrolled"]]
    ranks = genuine["rank"].fillna(np.inf).to_numpy(dtype=float)
    return {
        "n": len(genuine),
        "rank1": float(np.mean(ranks <= 1)) if len(genuine) else float("nan"),
        "rank5": float(np.mean(ranks <= 5)) if len(genuine) else float("nan"),
    }


def open_set_figures(results: pd.DataFrame, threshold: float,
                     score: str = "open_set_score") -> dict[str, Any]:
    """FPIR, FNIR, DIR at ``threshold``, the EER and the FNIR at an FPIR of
    :data:`DET_FPIR` on these impostors (see the module docstring), from per-clip results.

    ``score`` is the results column the threshold applies to (the model's own open-set score,
    :func:`gait.identification.identify.decision_score`).
    """
    genuine = results[results["enrolled"]]
    impostor = results[~results["enrolled"]]
    imp_scores = impostor[score].fillna(-np.inf).to_numpy()
    gen_scores = genuine[score].fillna(-np.inf).to_numpy()
    gen_right = (genuine["rank"] == 1).to_numpy()

    def rates(t: float) -> tuple[float, float]:
        fpir = float(np.mean(imp_scores >= t)) if imp_scores.size else 0.0
        fnir = float(1 - np.mean(gen_right & (gen_scores >= t))) if gen_scores.size else 0.0
        return fpir, fnir

    fpir, fnir = rates(threshold)
    candidates = np.unique(np.concatenate([imp_scores, gen_scores, [np.inf]]))
    pairs = [rates(t) for t in candidates if np.isfinite(t) or t == np.inf]
    eer_pair = min(pairs, key=lambda p: (abs(p[0] - p[1]), p[0] + p[1]))
    det_threshold = threshold_for_fpir(imp_scores, DET_FPIR) if imp_scores.size else -np.inf
    return {
        "threshold": threshold,
        "fpir": fpir,
        "fnir": fnir,
        "dir": 1 - fnir,
        "eer": (eer_pair[0] + eer_pair[1]) / 2,
        "fnir_at_fpir_10pct": rates(det_threshold)[1],
        "n_impostor_clips": len(impostor),
        "n_genuine_clips": len(genuine),
    }


def clip_decisions(results: pd.DataFrame, supporting_lr: float = SUPPORTING_LR
                   ) -> dict[str, Any]:
    """What the calibrated decision did with every probe clip, counted per clip.

    Parameters
    ----------
    results : DataFrame
        :func:`_clip_results` rows of a model with likelihood ratios.
    supporting_lr : float
        The LR above which the right suspect counts as supported though not named.

    Returns
    -------
    dict
        ``genuine_clips`` (clips of enrolled people, those without a cycle included),
        ``named_right``, ``right_lr_above`` (the clip's own person given an LR above
        ``supporting_lr``, whatever their rank), ``named_or_supported`` (either),
        ``named_wrong`` (a genuine clip naming another suspect), ``impostor_clips`` and
        ``impostors_named``.
    """
    genuine = results[results["enrolled"]]
    impostors = results[~results["enrolled"]]
    named = genuine["named"].fillna(False).astype(bool)
    right = genuine["top"] == genuine["subject"]
    above = np.array([bool(lrs) and lrs.get(subject, -np.inf) > np.log10(supporting_lr)
                      for lrs, subject in zip(genuine["log10_lrs"], genuine["subject"],
                                              strict=True)], dtype=bool)
    return {
        "supporting_lr": supporting_lr,
        "genuine_clips": len(genuine),
        "named_right": int((named & right).sum()),
        "right_lr_above": int(above.sum()),
        "named_or_supported": int(((named & right) | above).sum()),
        "named_wrong": int((named & ~right).sum()),
        "impostor_clips": len(impostors),
        "impostors_named": int(impostors["named"].fillna(False).astype(bool).sum()),
    }


def _summary(results: pd.DataFrame, correct: int, total: int) -> dict[str, Any]:
    overall = _rank_rates(results)
    by_condition = {
        str(cond): _rank_rates(group) for cond, group in results.groupby("condition")
    }
    failed = results[results["top"].isna()]
    return {
        "n_probe_clips": len(results),
        "clip_rank1": overall["rank1"],
        "clip_rank5": overall["rank5"],
        "cycle_accuracy": correct / total if total else float("nan"),
        "by_condition": by_condition,
        "failed_clips": [
            {"clip_id": r.clip_id, "reason": r.reason} for r in failed.itertuples(index=False)
        ],
        "clips": _clip_records(results),
    }


def _clip_records(results: pd.DataFrame) -> list[dict[str, Any]]:
    """Per-clip outcomes for the JSON report (None where a clip has no cycle)."""
    records = []
    for r in results.itertuples(index=False):
        records.append({
            "clip_id": r.clip_id,
            "subject": r.subject,
            "condition": r.condition,
            "enrolled": bool(r.enrolled),
            "n_cycles": int(r.n_cycles),
            "top": None if pd.isna(r.top) else str(r.top),
            "rank": None if pd.isna(r.rank) else int(r.rank),
            "open_set_score": None if pd.isna(r.open_set_score) else float(r.open_set_score),
            **({} if r.named is None else {"named": bool(r.named)}),
            **({"log10_lr_true": float(r.log10_lrs[r.subject])}
               if r.log10_lrs and r.subject in r.log10_lrs else {}),
        })
    return records


def _with_reasons(results: pd.DataFrame, table: FeatureTable) -> pd.DataFrame:
    reasons = {f.clip_id: f.reason for f in table.failures}
    results = results.copy()
    results["reason"] = results["clip_id"].map(reasons).fillna("no gait cycle found")
    return results


def evaluate_folds(
    table: FeatureTable,
    settings: ModelSettings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The 6-fold protocol on one data set (see the module docstring)."""
    started = time.perf_counter()
    settings = settings or ModelSettings.for_view(table.view)
    clips = table.clips.sort_values("clip_id")
    fold_of = {
        clip_id: i
        for _, group in clips.groupby("subject")
        for i, clip_id in enumerate(group["clip_id"])
    }
    all_results, comparisons, correct, total = [], [], 0, 0
    kind = score_kind(settings.score_normalisation, len(table.subjects))
    for fold in range(N_FOLDS):
        test_ids = {c for c, f in fold_of.items() if f == fold}
        if not test_ids:
            continue
        is_test = table.frame["clip_id"].isin(test_ids).to_numpy()
        model = train_network(table.select(~is_test), settings)
        test = replace(table.select(is_test),
                       clips=table.clips[table.clips["clip_id"].isin(test_ids)])
        outputs = _outputs(model, test)
        all_results.append(_clip_results(model, test, outputs))
        comparisons.append(model_comparisons(model, test, fold, kind))
        c, t = _cycle_correct(model, test, outputs)
        correct, total = correct + c, total + t
        if progress is not None:
            progress(fold + 1, N_FOLDS)
    results = _with_reasons(pd.concat(all_results, ignore_index=True), table)
    return {
        "protocol": "6-fold leave-one-clip-per-subject-out",
        "view": table.view,
        "features": "values+visibility" if settings.with_visibility else "values",
        "n_subjects": len(table.clips["subject"].unique()),
        **_summary(results, correct, total),
        "lr": _fold_lr_figures(concatenate(comparisons), kind),
        "seconds": time.perf_counter() - started,
    }


def _fold_lr_figures(comparisons: Any, kind: str) -> dict[str, Any]:
    """LR figures of the 6-fold protocol: the fold networks carry no likelihood calibration,
    so every fold's comparisons are turned into LRs by a calibrator fitted on the other
    folds' comparisons (no clip is scored by a calibrator that saw it)."""
    if comparisons.hp.size == 0 or comparisons.hp.min() == comparisons.hp.max():
        return {"note": "LR figures need comparisons under both propositions"}
    llrs = cross_validated_comparison_lrs(comparisons, kind)
    return {**lr_metrics(llrs, comparisons.hp),
            "calibration": "cross-validated over the 6 folds"}


def evaluate_probe(
    enrol: FeatureTable,
    probe: FeatureTable,
    settings: ModelSettings | None = None,
    model: GaitModel | None = None,
    name_at_lr: float = DEFAULT_NAME_AT_LR,
) -> dict[str, Any]:
    """Enrol on ``enrol`` (or use ``model``, else train one with likelihood ratios and the
    naming rule ``name_at_lr``), identify every clip of ``probe``."""
    started = time.perf_counter()
    settings = settings or ModelSettings.for_view(enrol.view)
    model = model or train_identifier(enrol, settings, name_at_lr)
    outputs = _outputs(model, probe)
    results = _with_reasons(_clip_results(model, probe, outputs), probe)
    c, t = _cycle_correct(model, probe, outputs)
    report: dict[str, Any] = {
        "protocol": "enrol-then-probe",
        "view": enrol.view,
        "features": "values+visibility" if model.settings.with_visibility else "values",
        "n_subjects": len(model.suspects),
        **_summary(results, c, t),
    }
    likelihood = likelihood_of(model)
    calibration = open_set_calibration(model)
    if likelihood is not None:
        report["lr"] = {**probe_lr_figures(results),
                        "decisions": clip_decisions(results),
                        "calibration": "stored with the model (enrolment data)",
                        "name_at_lr": likelihood.name_at_lr}
        threshold, score = likelihood.log10_name_at, "log10_lr"
    elif calibration is not None:
        for record in report["clips"]:
            value = record["open_set_score"]
            record["named"] = value is not None and value >= calibration.threshold
        threshold, score = calibration.threshold, calibration.score
    if (likelihood or calibration) is not None and (~results["enrolled"]).any():
        report["open_set"] = {**open_set_figures(results, threshold), "score": score}
    report["seconds"] = time.perf_counter() - started
    return report
