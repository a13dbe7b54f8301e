"""Clip-level identification: fuse per-cycle probabilities, rank suspects, weigh the evidence.

Fusion: the clip's score for each suspect is the softmax of the mean per-cycle
log-probability (a product of per-cycle likelihoods, tempered by the number of cycles), so a
clip with many consistent cycles is more decisive than a single cycle. The fused scores rank
the suspects; they are relative (they sum to 1 over the suspects), so an impostor who
resembles one suspect more than the others gets a fused score near 1 as well as a true match
does.

The weight of the evidence is therefore absolute: for every suspect, the clip's whitened
cosine with the suspect's template (:mod:`gait.identification.verification`) is turned into a
likelihood ratio of "this suspect is the person" against "someone else is"
(:mod:`gait.identification.likelihood`, calibrated on the enrolment data by
:mod:`gait.identification.calibration`). A side-view network also has clothing-robust towers:
for a suspect whose enrolment outline the clip does not share (a coat, a bag), the ranking
leans on them (:meth:`GaitModel.pool`) and the LR comes from their own similarity and
calibration (:class:`ClipOutput`). The verdict follows from the top-ranked suspect's LR
by a documented rule: that suspect is named ("match") when the LR reaches the model's
``name_at_lr`` (default 100, "moderately strong support"), otherwise the answer is "none of
these suspects", always with the LRs beside it; no gait cycle is "insufficient gait". A walk of
steps only (no complete gait cycle) has its log10 LRs multiplied by its evidence weight, so
it speaks less strongly either way.

Models saved before likelihood ratios carry an :class:`OpenSetCalibration` instead (a
threshold on the cosine, or on the mean per-cycle log-odds of older models still, and a
Platt-calibrated probability); they still identify as they did.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from gait.identification.likelihood import LikelihoodCalibration, propositions, verbal
from gait.identification.model import PROBABILITY_FLOOR, GaitModel, TowerOutputs
from gait.identification.verification import cohort_normalised, similarities
from gait.walk.features import FeatureTable

MATCH = "match"
NO_MATCH = "none of these suspects"
INSUFFICIENT = "insufficient gait"

LOG_ODDS = "mean_log_odds"
COSINE = "whitened_cosine"
COHORT_COSINE = "cohort_normalised_cosine"
MIN_SUSPECTS_FOR_COHORT = 16
"""Fewest suspects with which a model's LRs rest on the cohort-normalised cosine (its
calibration networks, trained on three quarters of them, then keep a cohort of 10 or more)."""


@dataclass(frozen=True)
class OpenSetCalibration:
    """How fused scores become decisions and calibrated probabilities.

    Attributes
    ----------
    threshold : float
        Open-set score at or above which the top suspect is named.
    target_fpir : float
        The false-positive identification rate the threshold was set for.
    platt_slope, platt_intercept : float
        Calibrated probability = sigmoid(slope * x + intercept), x the score's log-odds.
    score : str
        The clip score the threshold applies to: ``"whitened_cosine"`` (see
        :func:`verification_score`); older models: ``"mean_log_odds"`` (see
        :func:`open_set_score`), ``"geometric_mean_probability"`` or ``"fused"`` (the top
        fused score), both probabilities.
    n_genuine, n_impostor : int
        Calibration clips of enrolled / held-out suspects.
    measured_fpir, measured_fnir : float
        Rates at the threshold on the calibration clips.
    """

    threshold: float
    target_fpir: float
    platt_slope: float
    platt_intercept: float
    n_genuine: int
    n_impostor: int
    measured_fpir: float
    measured_fnir: float
    score: str = "geometric_mean_probability"

    def probability(self, score: float) -> float:
        """Calibrated probability that the named suspect is the person in the clip."""
        z = self.platt_slope * _platt_input(self.score, score) + self.platt_intercept
        return float(1.0 / (1.0 + np.exp(-z)))

    def to_dict(self) -> dict[str, float | int]:
        """JSON-ready form (stored in the model's metadata)."""
        return dict(self.__dict__)


def _platt_input(kind: str, score: float) -> float:
    """The Platt input of a score: itself for cosines and log-odds, logit(p) for
    probabilities."""
    if kind in (COSINE, LOG_ODDS):
        return float(score)
    p = min(max(score, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


@dataclass(frozen=True)
class Identification:
    """The answer for one evidence clip.

    Attributes
    ----------
    verdict : str
        ``"match"``, ``"none of these suspects"`` or ``"insufficient gait"``.
    suspect : str or None
        The named suspect (only for a match).
    ranking : list of (str, float)
        Every suspect with its fused score (sums to 1), best first.
    calibrated_probability : float or None
        Probability that the top-ranked suspect is the person (models calibrated before
        likelihood ratios only).
    cycle_votes : list of str
        The top suspect of each gait cycle.
    cycle_probabilities : ndarray, shape (n_cycles, n_suspects)
    reason : str
        One sentence explaining the verdict.
    open_set_score : float or None
        The score the verdict rests on: the top-ranked suspect's log10 LR (weighted), or the
        old open-set score.
    evidence_weight : float
        Weight of the clip's evidence (see :func:`decide`).
    log10_lrs : tuple of (str, float)
        Every suspect's log10 LR, in the order of ``ranking`` (empty without a likelihood
        calibration or without a cycle).
    name_at_lr : float or None
        The LR at or above which the top-ranked suspect is named.
    outline_changed : tuple of str
        Suspects whose enrolment outline the clip does not share (as a coat or a bag changes
        it; :mod:`gait.identification.outline`), in the model's suspect order; empty for a
        model saved without outline statistics.
    robust_lrs : tuple of str
        Suspects whose LR came from the clothing-robust towers' own calibration (those of
        ``outline_changed``, for a model with clothing-robust towers and likelihood ratios).
    off_axis : bool
        Whether the walk was off the camera's axis, so that the ranking compared every suspect
        as if the outline had changed (:meth:`GaitModel.off_axis`; the LRs do not follow it).
    """

    verdict: str
    suspect: str | None
    ranking: list[tuple[str, float]]
    calibrated_probability: float | None
    cycle_votes: list[str]
    cycle_probabilities: np.ndarray = field(repr=False)
    reason: str = ""
    open_set_score: float | None = None
    evidence_weight: float = 1.0
    log10_lrs: tuple[tuple[str, float], ...] = ()
    name_at_lr: float | None = None
    outline_changed: tuple[str, ...] = ()
    robust_lrs: tuple[str, ...] = ()
    off_axis: bool = False

    def log10_lr_of(self, suspect: str) -> float | None:
        """The log10 LR of one suspect (None without likelihood ratios)."""
        return dict(self.log10_lrs).get(suspect)

    def likelihood(self) -> dict[str, Any] | None:
        """The likelihood ratios in words and numbers (None without them): the top-ranked
        suspect's propositions, LR and verbal equivalent, and every suspect's."""
        if not self.log10_lrs:
            return None
        top, top_llr = self.log10_lrs[0]
        return {
            "propositions": propositions(top),
            "top": _lr_entry(top, top_llr),
            "suspects": [_lr_entry(s, v) for s, v in self.log10_lrs],
            "name_at_lr": self.name_at_lr,
            "rule": (f"the top-ranked suspect is named when its LR is at least "
                     f"{self.name_at_lr:g}; otherwise none of these suspects is named"),
            "scale": "ENFSI guideline for evaluative reporting (2015)",
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        llrs = dict(self.log10_lrs)
        return {
            "verdict": self.verdict,
            "suspect": self.suspect,
            "calibrated_probability": self.calibrated_probability,
            "ranking": [{"suspect": s, "score": round(p, 6),
                         **({"log10_lr": round(llrs[s], 4),
                             "lr_calibration": ("clothing-robust" if s in self.robust_lrs
                                                else "whole-body")} if s in llrs else {})}
                        for s, p in self.ranking],
            "outline_changed": list(self.outline_changed),
            "off_axis": self.off_axis,
            "likelihood": self.likelihood(),
            "cycle_votes": self.cycle_votes,
            "n_cycles": len(self.cycle_votes),
            "open_set_score": self.open_set_score,
            "evidence_weight": self.evidence_weight,
            "reason": self.reason,
        }


def _lr_entry(suspect: str, log10_lr: float) -> dict[str, Any]:
    return {"suspect": suspect, "log10_lr": round(float(log10_lr), 4),
            "lr": float(f"{10.0 ** log10_lr:.3g}"), "verbal": verbal(log10_lr)}


def lr_text(log10_lr: float) -> str:
    """An LR for people: ``"LR 320 (moderately strong support for Hp)"``."""
    value = 10.0 ** log10_lr
    number = f"{value:.2g}" if value < 10 else f"{value:,.0f}"
    return f"LR {number} ({verbal(log10_lr)})"


def fuse(cycle_probabilities: np.ndarray, floor: float = 1e-12) -> np.ndarray:
    """Clip scores from per-cycle probabilities.

    Parameters
    ----------
    cycle_probabilities : ndarray, shape (n_cycles, n_suspects)
    floor : float
        Each probability is raised to at least this before its logarithm is taken (the
        model's :attr:`~gait.identification.settings.ModelSettings.cycle_probability_floor`;
        the default is that of models made before it).

    Returns
    -------
    ndarray, shape (n_suspects,)
        Softmax of the mean log-probability; sums to 1.
    """
    log_p = np.log(np.clip(cycle_probabilities, floor, 1.0)).mean(axis=0)
    log_p -= log_p.max()
    scores = np.exp(log_p)
    return np.asarray(scores / scores.sum())


def open_set_score(cycle_probabilities: np.ndarray) -> float:
    """Absolute fit of a clip's top suspect, for the open-set decision.

    Parameters
    ----------
    cycle_probabilities : ndarray, shape (n_cycles, n_suspects)

    Returns
    -------
    float
        Mean over the cycles of log p_top - log(1 - p_top) (natural log-odds, unbounded), with
        1 - p_top summed from the other suspects' probabilities, for the suspect ranked first
        by :func:`fuse`; NaN without a cycle.
    """
    if cycle_probabilities.shape[0] == 0:
        return float("nan")
    p = np.asarray(cycle_probabilities, dtype=np.float64)
    top = int(np.argmax(fuse(p)))
    others = np.delete(p, top, axis=1).sum(axis=1)
    floor = PROBABILITY_FLOOR
    log_odds = np.log(np.maximum(p[:, top], floor)) - np.log(np.maximum(others, floor))
    return float(log_odds.mean())


def verification_score(cycle_probabilities: np.ndarray, similarity: np.ndarray) -> float:
    """Whitened cosine similarity of a clip to its top-ranked suspect.

    Parameters
    ----------
    cycle_probabilities : ndarray, shape (n_cycles, n_suspects)
    similarity : ndarray, shape (n_suspects,)
        The clip's similarity to every suspect
        (:func:`gait.identification.verification.similarities`).

    Returns
    -------
    float
        In [-1, 1]; NaN without a cycle.
    """
    if cycle_probabilities.shape[0] == 0:
        return float("nan")
    return float(similarity[int(np.argmax(fuse(cycle_probabilities)))])


def decision_score(calibration: OpenSetCalibration, cycle_probabilities: np.ndarray,
                   similarity: np.ndarray | None = None) -> float:
    """The clip score ``calibration``'s threshold applies to.

    ``similarity`` (shape (n_suspects,)) is needed for the ``"whitened_cosine"`` kind.
    """
    if calibration.score == COSINE:
        if similarity is None:
            raise ValueError("this calibration needs the clip's similarities to the suspects")
        return verification_score(cycle_probabilities, similarity)
    if calibration.score == LOG_ODDS:
        return open_set_score(cycle_probabilities)
    if calibration.score == "fused":
        return float(fuse(cycle_probabilities).max())
    log_p = np.log(np.clip(cycle_probabilities, 1e-12, 1.0)).mean(axis=0)
    return float(np.exp(log_p.max()))


def decide(model: GaitModel, cycle_probabilities: np.ndarray,
           insufficient_reason: str | None = None,
           similarity: np.ndarray | None = None, weight: float = 1.0,
           robust_similarity: np.ndarray | None = None,
           outline_changed: np.ndarray | None = None,
           off_axis: bool = False) -> Identification:
    """Rank the suspects for one clip, weigh the evidence and take the decision.

    Parameters
    ----------
    model : GaitModel
    cycle_probabilities : ndarray, shape (n_cycles, n_suspects)
    insufficient_reason : str, optional
        Why there is no cycle (used when ``cycle_probabilities`` is empty).
    similarity : ndarray, shape (n_suspects,), optional
        The clip's similarity to every suspect's template (needed by models with likelihood
        ratios or calibrated on ``"whitened_cosine"``; see :func:`clip_similarity`).
    weight : float
        Weight of the clip's evidence in (0, 1]: the mean weight of its cycles (below 1 for a
        walk of steps only, :data:`gait.walk.cycles.HALF_CYCLE_WEIGHT`). The log10 LRs (or
        the old open-set score) are multiplied by it (a log10 LR of 0 says nothing), so a short
        walk speaks less strongly either way and names a suspect only on a closer fit.
    robust_similarity, outline_changed : ndarray, shape (n_suspects,), optional
        See :class:`ClipOutput`: where the outline changed, a suspect's LR comes from the
        clothing-robust towers' similarity and its own calibration
        (:meth:`LikelihoodCalibration.log10_lrs_of`); both are recorded in the answer.
    off_axis : bool
        Whether the walk is off the camera's axis (:meth:`GaitModel.off_axis`; its ranking
        then leaned on the robust towers, see :func:`clip_output`), recorded in the answer.
        The LRs do not follow it: the robust towers' calibration named an impostor walking at
        an angle (S13 taken for S14, who walk alike below the knees).
    """
    answer = _decide(model, cycle_probabilities, insufficient_reason, similarity, weight,
                     robust_similarity, outline_changed)
    answer = replace(answer, off_axis=off_axis)
    if outline_changed is None:
        return answer
    changed = tuple(s for s, flag in zip(model.suspects, outline_changed, strict=True) if flag)
    likelihood = likelihood_of(model)
    robust_lrs = (changed if answer.log10_lrs and robust_similarity is not None
                  and likelihood is not None and likelihood.robust_calibration is not None
                  else ())
    return replace(answer, outline_changed=changed, robust_lrs=robust_lrs)


def _decide(model: GaitModel, cycle_probabilities: np.ndarray, insufficient_reason: str | None,
            similarity: np.ndarray | None, weight: float,
            robust_similarity: np.ndarray | None,
            outline_changed: np.ndarray | None) -> Identification:
    if not 0.0 < weight <= 1.0:
        raise ValueError(f"the weight of a clip's evidence must lie in (0, 1], got {weight}")
    if cycle_probabilities.shape[0] == 0:
        return Identification(INSUFFICIENT, None, [], None, [], cycle_probabilities,
                              insufficient_reason or "no complete gait cycle was found")
    scores = fuse(cycle_probabilities, model.settings.cycle_probability_floor)
    order = np.argsort(-scores)
    ranking = [(model.suspects[i], float(scores[i])) for i in order]
    votes = [model.suspects[i] for i in np.argmax(cycle_probabilities, axis=1)]
    top = ranking[0][0]
    likelihood = likelihood_of(model)
    if likelihood is not None:
        if similarity is None:
            raise ValueError("likelihood ratios need the clip's similarities to the suspects")
        kind = likelihood.calibration.score
        log10_lrs = weight * likelihood.log10_lrs_of(
            comparison_scores(similarity, kind),
            None if robust_similarity is None else comparison_scores(robust_similarity, kind),
            outline_changed)
        return _weigh(ranking, [(s, float(log10_lrs[i])) for s, i in
                                ((name, model.suspects.index(name)) for name, _ in ranking)],
                      likelihood, votes, cycle_probabilities, weight)
    calibration = open_set_calibration(model)
    if calibration is None:
        return Identification(MATCH, top, ranking, None, votes, cycle_probabilities,
                              "closed-set model (no open-set calibration): top suspect named",
                              None, weight)
    score = weight * decision_score(calibration, cycle_probabilities, similarity)
    probability = calibration.probability(score)
    measure = "similarity" if calibration.score == COSINE else "open-set score"
    if weight < 1.0:
        measure = f"{measure} (at weight {weight:.2g}: steps only, no complete gait cycle)"
    if score >= calibration.threshold:
        verdict, suspect = MATCH, top
        reason = (f"{top} fits with {measure} {score:.2f}, at or above the threshold "
                  f"{calibration.threshold:.2f} (set for {calibration.target_fpir:.0%} false "
                  "matches)")
    else:
        verdict, suspect = NO_MATCH, None
        reason = (f"The best suspect ({top}) fits with {measure} {score:.2f}, below the "
                  f"threshold {calibration.threshold:.2f}: the walk matches none of the "
                  "suspects well enough")
    return Identification(verdict, suspect, ranking, probability, votes, cycle_probabilities,
                          reason, score, weight)


def _weigh(ranking: list[tuple[str, float]], log10_lrs: list[tuple[str, float]],
           likelihood: LikelihoodCalibration, votes: list[str],
           cycle_probabilities: np.ndarray, weight: float) -> Identification:
    """The verdict of the naming rule on the top-ranked suspect's LR."""
    top, top_llr = log10_lrs[0]
    short = f" (at weight {weight:.2g}: steps only, no complete gait cycle)" \
        if weight < 1.0 else ""
    rule = f"an LR of at least {likelihood.name_at_lr:g} names a suspect"
    if top_llr >= likelihood.log10_name_at:
        verdict, suspect = MATCH, top
        reason = f"{top}, ranked first, has {lr_text(top_llr)}{short}: {rule}"
    else:
        verdict, suspect = NO_MATCH, None
        reason = (f"The top-ranked suspect ({top}) has {lr_text(top_llr)}{short}, below what "
                  f"names a suspect ({rule}): none of these suspects is named")
    return Identification(verdict, suspect, ranking, None, votes, cycle_probabilities, reason,
                          top_llr, weight, tuple(log10_lrs), likelihood.name_at_lr)


def comparison_scores(similarity: np.ndarray, kind: str) -> np.ndarray:
    """The scores an LR calibration of score ``kind`` applies to, from a clip's similarity
    to every suspect, shape (n_suspects,): the cosine itself (``"whitened_cosine"``) or its
    cohort normalisation (``"cohort_normalised_cosine"``,
    :func:`gait.identification.verification.cohort_normalised`)."""
    if kind == COHORT_COSINE:
        return cohort_normalised(similarity)
    if kind != COSINE:
        raise ValueError(f"unknown comparison score {kind!r}")
    return np.asarray(similarity, dtype=np.float64)


def score_kind(normalisation: str, n_suspects: int) -> str:
    """The comparison score of a model's LRs: the cohort-normalised cosine when the settings
    ask for it (``"cohort"``) and there are :data:`MIN_SUSPECTS_FOR_COHORT` suspects or
    more, else the whitened cosine."""
    if normalisation == "cohort" and n_suspects >= MIN_SUSPECTS_FOR_COHORT:
        return COHORT_COSINE
    return COSINE


def likelihood_of(model: GaitModel) -> LikelihoodCalibration | None:
    """The likelihood calibration stored with ``model`` (None for models without one)."""
    data = model.metadata.get("likelihood")
    return LikelihoodCalibration.from_dict(data) if data else None


def clip_similarity(model: GaitModel, whitened: np.ndarray | None) -> np.ndarray | None:
    """A clip's similarity to every suspect, shape (n_suspects,), from its whole-body towers'
    whitened cycle descriptions (:class:`gait.identification.model.TowerOutputs`); None for a
    model without templates."""
    templates = model.templates
    if whitened is None or templates is None:
        return None
    return similarities(whitened, templates)


@dataclass(frozen=True)
class ClipOutput:
    """What the ranking and the likelihood ratios of one clip rest on.

    Attributes
    ----------
    probabilities : ndarray, shape (n_cycles, n_suspects)
        Per-cycle suspect probabilities, pooled for the clip's outline
        (:meth:`GaitModel.pool`).
    similarity : ndarray, shape (n_suspects,), or None
        Whitened cosine with every suspect's template, from the whole-body towers (None for
        a model without templates).
    robust_similarity : ndarray, shape (n_suspects,), or None
        The same from the clothing-robust towers (None without them).
    outline_changed : ndarray of bool, shape (n_suspects,), or None
        Where the clip's outline differs from the suspect's enrolment
        (:mod:`gait.identification.outline`; None for a model saved without outline
        statistics).
    off_axis : bool
        Whether the walk is off the camera's axis (:meth:`GaitModel.off_axis`): the pooling
        then treats every suspect as one whose outline changed.
    """

    probabilities: np.ndarray
    similarity: np.ndarray | None = None
    robust_similarity: np.ndarray | None = None
    outline_changed: np.ndarray | None = None
    off_axis: bool = False


def clip_output(model: GaitModel, towers: TowerOutputs, frame: pd.DataFrame) -> ClipOutput:
    """One clip's :class:`ClipOutput` from its towers' outputs and its cycles' rows (whose
    outline decides the robust towers' part)."""
    changed = model.outline_changed(frame)
    if towers.robust is None:
        return ClipOutput(towers.whole, clip_similarity(model, towers.whitened),
                          outline_changed=changed)
    robust_templates = model.robust_templates
    off_axis = model.off_axis(frame)
    basis = np.ones(len(model.suspects), bool) if off_axis else changed
    return ClipOutput(model.pool(towers.whole, towers.robust, basis),
                      clip_similarity(model, towers.whitened),
                      None if towers.whitened_robust is None or robust_templates is None
                      else similarities(towers.whitened_robust, robust_templates),
                      changed, off_axis)


def identify_table(model: GaitModel, table: FeatureTable,
                   insufficient_reason: str | None = None) -> Identification:
    """Identify the person of a one-clip feature table."""
    output = clip_output(model, model.predict_towers(model.features_from(table)), table.frame)
    weights = table.frame["cycle_weight"].to_numpy(dtype=float)
    return decide(model, output.probabilities, insufficient_reason, output.similarity,
                  float(weights.mean()) if weights.size else 1.0,
                  output.robust_similarity, output.outline_changed, output.off_axis)


def open_set_calibration(model: GaitModel) -> OpenSetCalibration | None:
    """The calibration stored with ``model`` (``None`` for a closed-set model)."""
    data = model.metadata.get("open_set")
    return OpenSetCalibration(**data) if data else None


def clip_outputs(model: GaitModel, table: FeatureTable) -> dict[str, ClipOutput]:
    """Every clip of ``table``: clip_id -> its :class:`ClipOutput`."""
    towers = model.predict_towers(model.features_from(table))
    return {str(clip_id): clip_output(model, towers.rows(rows), table.frame.iloc[rows])
            for clip_id, rows in table.frame.groupby("clip_id", sort=False).indices.items()}


def clip_scores(model: GaitModel, table: FeatureTable) -> dict[str, np.ndarray]:
    """Fused scores of every clip in ``table``: clip_id -> (n_suspects,)."""
    return {clip_id: fuse(output.probabilities, model.settings.cycle_probability_floor)
            for clip_id, output in clip_outputs(model, table).items()}
