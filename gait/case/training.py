"""Training a case's model for one view: train, calibrate, evaluate and store it.

Training metrics are stored with the model (:attr:`gait.case.store.ModelRecord.metrics`,
keys ``METRIC_*``); models are loaded once per process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gait.case.clip_analysis import Memo
from gait.case.store import CaseStore, ModelRecord, StoreError, one_line
from gait.case.store.permissions import CHANGE_CASE
from gait.case.tables import case_table
from gait.walk.features import FeatureTable

if TYPE_CHECKING:
    from gait.identification.model import GaitModel
    from gait.identification.settings import ModelSettings

# Training metrics keys (ModelRecord.metrics).
METRIC_CLIP_RANK1 = "clip_rank1"
METRIC_PER_SUSPECT = "per_suspect_accuracy"
METRIC_CONFUSION = "confusion_matrix"
METRIC_THRESHOLD = "open_set_threshold"
METRIC_N_CYCLES = "n_cycles"
METRIC_TRAINING_S = "training_s"
METRIC_EVAL_SKIPPED = "evaluation_skipped_reason"

TrainingProgress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; stage is ``"calibration"`` or ``"evaluation"``."""

_MODELS: Memo[tuple[str, int], GaitModel] = Memo(8)


def _fold_evaluation(table: FeatureTable, settings: ModelSettings,
                     progress: TrainingProgress | None) -> dict[str, Any]:
    """Leave-one-clip-per-suspect-out evaluation (up to 6 folds) with per-clip results."""
    from gait.identification.evaluate import N_FOLDS
    from gait.identification.identify import clip_scores
    from gait.identification.training import train_network

    clips_per = table.frame.groupby("subject")["clip_id"].unique()
    eligible = sorted(s for s, ids in clips_per.items() if len(ids) >= 2)
    left_out = sorted(s for s, ids in clips_per.items() if len(ids) < 2)
    if len(eligible) < 2:
        return {METRIC_EVAL_SKIPPED: (
            "the evaluation needs at least two suspects with two or more usable clips "
            f"in this view (found {len(eligible)}); add clips to evaluate the model")}
    sub = table.select(table.frame["subject"].isin(eligible).to_numpy())
    n_folds = min(N_FOLDS, max(len(clips_per[s]) for s in eligible))
    fold_of = {}
    for subject in eligible:
        for i, clip_id in enumerate(sorted(clips_per[subject], key=_natural)):
            fold_of[clip_id] = i % n_folds
    rows = []
    for fold in range(n_folds):
        test_ids = {c for c, f in fold_of.items() if f == fold}
        is_test = sub.frame["clip_id"].isin(test_ids).to_numpy()
        model = train_network(sub.select(~is_test), settings)
        test = sub.select(is_test)
        for clip_id, scores in clip_scores(model, test).items():
            truth = test.frame.loc[test.frame["clip_id"] == clip_id, "subject"].iloc[0]
            order = np.argsort(-scores)
            ranked = [model.suspects[i] for i in order]
            rows.append({"clip_id": clip_id, "subject": truth, "predicted": ranked[0],
                         "score": float(scores[order[0]]),
                         "rank": ranked.index(truth) + 1 if truth in ranked else None})
        if progress is not None:
            progress("evaluation", fold + 1, n_folds)
    results = pd.DataFrame(rows)
    labels = eligible
    counts = np.zeros((len(labels), len(labels)), dtype=int)
    for row in results.itertuples(index=False):
        counts[labels.index(row.subject), labels.index(row.predicted)] += 1
    correct = results["subject"] == results["predicted"]
    per_suspect = {s: float(correct[results["subject"] == s].mean()) for s in labels}
    note = None
    if left_out:
        note = (f"left out of the evaluation (one usable clip only): {', '.join(left_out)}")
    return {
        METRIC_CLIP_RANK1: float(correct.mean()),
        "clip_rank5": float((results["rank"].fillna(np.inf) <= 5).mean()),
        "n_folds": n_folds,
        "n_evaluated_clips": len(results),
        METRIC_PER_SUSPECT: per_suspect,
        METRIC_CONFUSION: {"labels": labels, "counts": counts.tolist()},
        "evaluation_note": note,
        "evaluation_clips": results.to_dict(orient="records"),
        METRIC_EVAL_SKIPPED: None,
    }


def _natural(text: str) -> tuple[int, int, str]:
    return (0, int(text), "") if str(text).isdigit() else (1, 0, str(text))


def train_case_model(store: CaseStore, case_id: int, view: str, with_visibility: bool = True,
                     on_epoch: Callable[[int, Mapping[str, float]], None] | None = None,
                     progress: TrainingProgress | None = None, actor: str = "",
                     evaluate: bool = True, *, settings: ModelSettings | None = None,
                     name_at_lr: float | None = None) -> ModelRecord:
    """Train, evaluate and store a model for one view of a case.

    Parameters
    ----------
    store : CaseStore
    case_id : int
    view : {"side", "front"}
    with_visibility : bool
        Use the per-parameter visibility scores as inputs too.
    on_epoch : callable, optional
        ``on_epoch(epoch, logs)`` after every epoch of the case's network, in both training
        stages (see :func:`gait.identification.model.train_network`), for live curves.
    progress : callable, optional
        ``progress(stage, done, total)`` with stage ``"calibration"`` (likelihood-ratio
        calibration folds) or ``"evaluation"`` (evaluation folds).
    actor : str
    evaluate : bool
        Run the leave-one-clip-per-suspect-out evaluation (up to 6 folds).
    settings : ModelSettings, optional
        Network settings (``with_visibility`` overrides its field).
    name_at_lr : float, optional
        The naming rule: the LR (>= 1) at or above which the top-ranked suspect is named;
        default :data:`gait.identification.calibration.DEFAULT_NAME_AT_LR`.

    Returns
    -------
    ModelRecord
        ``metrics`` holds: ``clip_rank1``, ``clip_rank5``, ``per_suspect_accuracy`` (suspect ->
        share of clips named right), ``confusion_matrix`` (``labels``; ``counts`` with rows =
        true suspect, columns = named suspect), ``evaluation_skipped_reason`` (None when it
        ran), ``open_set_threshold`` (log10 of the naming LR; None with fewer than 4
        suspects), ``likelihood`` (the model's likelihood calibration and its validation,
        :class:`gait.identification.likelihood.LikelihoodCalibration`),
        ``n_cycles``, ``n_clips``, ``cycles_per_suspect``, ``clips_per_suspect``,
        ``training_s``, ``evaluation_s``, ``history`` (per-epoch curves) and ``settings``.

    Raises
    ------
    StoreError
        If fewer than two suspects have usable clips in that view, or ``name_at_lr`` is below
        1.
    """
    from gait.identification.calibration import DEFAULT_NAME_AT_LR, train_identifier
    from gait.identification.model import ModelError
    from gait.identification.settings import ModelSettings

    store.require(CHANGE_CASE, case_id)
    name_at_lr = DEFAULT_NAME_AT_LR if name_at_lr is None else float(name_at_lr)
    if not 1 <= name_at_lr < float("inf"):
        raise StoreError(f"the likelihood ratio that names a suspect must be at least 1, not "
                         f"{name_at_lr}")
    table = case_table(store, case_id, view)
    if len(table.subjects) < 2:
        raise StoreError(
            f"training needs usable {view}-view clips of at least two suspects; this case has "
            f"{len(table.subjects)}: enrol more clips on the Enrolment page")
    settings = replace(settings or ModelSettings.for_view(view),
                       with_visibility=bool(with_visibility))
    started = time.perf_counter()
    try:
        model = train_identifier(
            table, settings, name_at_lr, on_epoch=on_epoch,
            progress=None if progress is None else (lambda d, t: progress("calibration", d, t)))
    except ModelError as exc:
        raise StoreError(one_line(exc)) from exc
    training_s = time.perf_counter() - started
    likelihood = model.metadata.get("likelihood")
    frame = table.frame
    metrics: dict[str, Any] = {
        METRIC_N_CYCLES: len(frame),
        "n_clips": int(frame["clip_id"].nunique()),
        "n_suspects": len(model.suspects),
        "cycles_per_suspect": {str(k): int(v) for k, v in frame.groupby("subject").size().items()},
        "clips_per_suspect": {str(k): int(v) for k, v in
                              frame.groupby("subject")["clip_id"].nunique().items()},
        METRIC_TRAINING_S: round(training_s, 3),
        METRIC_THRESHOLD: (None if not likelihood else
                           float(np.log10(likelihood["name_at_lr"]))),
        "likelihood": likelihood,
        "open_set_note": None if likelihood else (
            "no likelihood-ratio calibration (it needs at least 4 suspects): the top suspect "
            "is always named"),
        "history": model.metadata.get("history", {}),
        "epochs": model.metadata.get("epochs"),
        "settings": settings.to_dict(),
        "training_data_sha256": model.metadata.get("training_data", {}).get(
            "fingerprint_sha256"),
        "clips_without_cycles": [f.clip_id for f in table.failures],
    }
    if evaluate:
        started = time.perf_counter()
        metrics.update(_fold_evaluation(table, settings, progress))
        metrics["evaluation_s"] = round(time.perf_counter() - started, 3)
    else:
        metrics[METRIC_EVAL_SKIPPED] = "evaluation not requested"
    return store.add_model(case_id, model, metrics, actor=actor)


def load_case_model(store: CaseStore, record: ModelRecord) -> GaitModel:
    """The stored model (hash-checked every time; loaded once per process)."""
    store.model_files(record)
    key = (str(store.data_dir.resolve()), record.model_id)
    model = _MODELS.get(key)
    if model is None:
        model = store.load_model(record)
        _MODELS.put(key, model)
    return model
