"""Calibration on the enrolment data alone: comparison scores of known truth, turned into a
likelihood-ratio calibration stored with the model.

Protocol (:func:`calibrate`): in each of ``n_folds`` folds a quarter of the suspects are held
out of training entirely (their clips stand for people who are not suspects) and one clip of
every other suspect is held out (a genuine search); a network is trained on the rest with the
final network's settings and epochs. Every held-out clip is compared with every suspect of
that fold's network (the whitened cosine of :mod:`gait.identification.verification`): Hp is
true for a clip against its own suspect, Hd for every other comparison. The score-to-LR map
(:func:`gait.identification.likelihood.fit_lr_calibration`) is fitted on all of them; its
validation figures come from LRs cross-validated over the folds, so that no clip is scored by a
calibrator that saw it. A network with clothing-robust towers gets a second map, of those
towers' cosine, fitted on the same comparisons: it gives the LR wherever a clip's outline
differs from the suspect's enrolment, in the validation as in casework.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from gait.identification.identify import (
    COSINE,
    clip_outputs,
    comparison_scores,
    fuse,
    score_kind,
)
from gait.identification.likelihood import (
    LikelihoodCalibration,
    cross_validated_log10_lrs,
    fit_lr_calibration,
    lr_metrics,
)
from gait.identification.model import GaitModel
from gait.identification.settings import ModelSettings
from gait.identification.training import train_network
from gait.walk.features import FeatureTable

DEFAULT_NAME_AT_LR = 100.0
"""The LR of the top-ranked suspect at or above which that suspect is named: "moderately
strong support" for Hp on the ENFSI scale."""
N_FOLDS = 4
_ROUND = 4  # decimals of the calibration comparisons kept with the model (for its plots)


@dataclass(frozen=True)
class Comparisons:
    """Comparison scores of known truth.

    Attributes
    ----------
    scores : ndarray, shape (n,)
        Comparison score of a clip with a suspect (the whitened cosine, or its cohort
        normalisation: :func:`gait.identification.identify.comparison_scores`).
    hp : ndarray of {0, 1}, shape (n,)
        1 where the clip's person is the compared suspect.
    clip : ndarray of str, shape (n,)
        The clip of each comparison.
    fold : ndarray of int, shape (n,)
        Its calibration fold.
    top : ndarray of bool, shape (n,)
        Whether the compared suspect is the clip's top-ranked one.
    robust_scores : ndarray, shape (n,)
        The same score from the clothing-robust towers (NaN for a network without them).
    outline_changed : ndarray of bool, shape (n,)
        Whether the clip's outline differs from the compared suspect's enrolment.
    """

    scores: np.ndarray
    hp: np.ndarray
    clip: np.ndarray
    fold: np.ndarray
    top: np.ndarray
    robust_scores: np.ndarray
    outline_changed: np.ndarray

    def __post_init__(self) -> None:
        n = self.scores.shape
        if any(getattr(self, f).shape != n for f in _FIELDS):
            raise ValueError("every comparison needs a score, a truth, a clip, a fold, a top "
                             "flag, a robust score and an outline flag")

    @property
    def robust(self) -> bool:
        """Whether the comparisons carry the clothing-robust towers' scores."""
        return bool(self.robust_scores.size) and bool(np.isfinite(self.robust_scores).all())


_FIELDS = ("scores", "hp", "clip", "fold", "top", "robust_scores", "outline_changed")


def model_comparisons(model: GaitModel, table: FeatureTable, fold: int = 0,
                      kind: str = COSINE) -> Comparisons:
    """Every clip of ``table`` against every suspect of ``model`` with comparison scores of
    ``kind`` (clips without a cycle are left out)."""
    rows: dict[str, list[np.ndarray]] = {f: [] for f in _FIELDS if f != "fold"}
    n = len(model.suspects)
    subject_of = table.frame.groupby("clip_id", sort=False)["subject"].first()
    for clip_id, output in clip_outputs(model, table).items():
        if output.similarity is None:  # every network trained by this version has templates
            raise ValueError("the network has no verification templates")
        best = int(np.argmax(fuse(output.probabilities, model.settings.cycle_probability_floor)))
        rows["scores"].append(comparison_scores(output.similarity, kind))
        rows["hp"].append(np.array([int(s == subject_of[clip_id]) for s in model.suspects]))
        rows["clip"].append(np.full(n, clip_id, dtype=object))
        rows["top"].append(np.arange(n) == best)
        rows["robust_scores"].append(
            np.full(n, np.nan) if output.robust_similarity is None
            else comparison_scores(output.robust_similarity, kind))
        rows["outline_changed"].append(
            np.zeros(n, bool) if output.outline_changed is None else output.outline_changed)
    types = {"scores": float, "hp": int, "clip": str, "top": bool, "robust_scores": float,
             "outline_changed": bool}
    values = {f: (np.concatenate(v).astype(types[f]) if v else np.empty(0, dtype=types[f]))
              for f, v in rows.items()}
    return Comparisons(fold=np.full(values["scores"].size, fold), **values)


def concatenate(parts: list[Comparisons]) -> Comparisons:
    """One set of comparisons from several."""
    return Comparisons(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS})


def cross_validated_comparison_lrs(comparisons: Comparisons, kind: str) -> np.ndarray:
    """Cross-validated log10 LRs of comparisons (:func:`cross_validated_log10_lrs`), each
    from the calibration its condition uses: the clothing-robust towers' where the clip's
    outline differs from the suspect's enrolment (see
    :meth:`gait.identification.likelihood.LikelihoodCalibration.log10_lrs_of`)."""
    cv = cross_validated_log10_lrs(comparisons.scores, comparisons.hp, comparisons.fold, kind)
    if not comparisons.robust:
        return cv
    robust = cross_validated_log10_lrs(comparisons.robust_scores, comparisons.hp,
                                       comparisons.fold, kind)
    return np.asarray(np.where(comparisons.outline_changed, robust, cv))


def naming_rates(log10_lrs: np.ndarray, comparisons: Comparisons, enrolled_clips: set[str],
                 log10_name_at: float) -> tuple[float, float]:
    """(FPIR, FNIR) of the naming rule on these clips: a clip names its top-ranked suspect
    when that comparison's log10 LR reaches ``log10_name_at``."""
    top = comparisons.top
    named = log10_lrs[top] >= log10_name_at
    right = comparisons.hp[top] == 1
    genuine = np.isin(comparisons.clip[top], list(enrolled_clips))
    fpir = float(named[~genuine].mean()) if (~genuine).any() else 0.0
    fnir = float(1 - (named & right)[genuine].mean()) if genuine.any() else 0.0
    return fpir, fnir


def calibrate(
    table: FeatureTable,
    settings: ModelSettings,
    name_at_lr: float = DEFAULT_NAME_AT_LR,
    n_folds: int = N_FOLDS,
    progress: Callable[[int, int], None] | None = None,
    epochs: int | None = None,
) -> LikelihoodCalibration:
    """The likelihood calibration of a model trained on ``table`` (see the module docstring).

    Parameters
    ----------
    table : FeatureTable
        The enrolment cycles (at least ``n_folds`` suspects).
    settings : ModelSettings
    name_at_lr : float
        The naming rule's LR (>= 1).
    n_folds : int
    progress : callable, optional
        ``progress(folds_done, n_folds)``.
    epochs : int, optional
        Epochs of every fold's network (None: each chooses its own).
    """
    rng = np.random.default_rng(settings.seed)
    suspects = np.array(table.subjects)
    kind = score_kind(settings.score_normalisation, len(suspects))
    rng.shuffle(suspects)
    parts, genuine_clips, impostor_clips = [], set(), set()
    for fold, held_out in enumerate(np.array_split(suspects, n_folds)):
        is_impostor = table.frame["subject"].isin(held_out).to_numpy()
        probe_clips = set()
        for _, clips in table.frame[~is_impostor].groupby("subject")["clip_id"]:
            unique = sorted(clips.unique())
            if len(unique) >= 2:
                probe_clips.add(unique[fold % len(unique)])
        is_probe = table.frame["clip_id"].isin(probe_clips).to_numpy()
        model = train_network(table.select(~is_impostor & ~is_probe), settings, epochs=epochs)
        parts.append(model_comparisons(model, table.select(is_probe | is_impostor), fold,
                                       kind))
        genuine_clips |= probe_clips
        impostor_clips |= set(table.frame.loc[is_impostor, "clip_id"])
        if progress is not None:
            progress(fold + 1, n_folds)
    comparisons = concatenate(parts)
    cv = cross_validated_comparison_lrs(comparisons, kind)
    fpir, fnir = naming_rates(cv, comparisons, genuine_clips, float(np.log10(name_at_lr)))
    return LikelihoodCalibration(
        calibration=fit_lr_calibration(comparisons.scores, comparisons.hp, kind),
        name_at_lr=float(name_at_lr),
        validation={**lr_metrics(cv, comparisons.hp), "fpir": fpir, "fnir": fnir},
        log10_lrs=tuple(np.round(cv, _ROUND).tolist()),
        hp=tuple(int(h) for h in comparisons.hp),
        n_genuine_clips=len(genuine_clips),
        n_impostor_clips=len(impostor_clips),
        robust_calibration=(fit_lr_calibration(comparisons.robust_scores, comparisons.hp, kind)
                            if comparisons.robust else None),
        protocol=(f"{n_folds} folds over the {len(suspects)} enrolled suspects: in each, a "
                  "quarter of them held out of training entirely (people who are not "
                  "suspects) and one clip of every other suspect held out; every held-out "
                  "clip compared with every suspect of that fold's network; validation LRs "
                  "cross-validated over the folds"),
    )


def train_identifier(
    table: FeatureTable,
    settings: ModelSettings | None = None,
    name_at_lr: float = DEFAULT_NAME_AT_LR,
    calibrate_lr: bool = True,
    on_epoch: Callable[[int, Mapping[str, float]], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GaitModel:
    """Train the network on all of ``table`` and store its likelihood calibration with it
    (with at least :data:`N_FOLDS` suspects; a model without one names its top suspect)."""
    settings = settings or ModelSettings.for_view(table.view)
    model = train_network(table, settings, on_epoch=on_epoch)
    if calibrate_lr and len(table.subjects) >= N_FOLDS:
        model.metadata["likelihood"] = calibrate(
            table, settings, name_at_lr, progress=progress,
            epochs=model.metadata["epochs"]).to_dict()
    return model
