"""Clip-level identification: fuse per-cycle probabilities, rank suspects, decide open-set.

Fusion: the clip's score for each suspect is the softmax of the mean per-cycle
log-probability (a product of per-cycle likelihoods, tempered by the number of cycles), so a
clip with many consistent cycles is more decisive than a single cycle.

Open-set decision: the top-ranked suspect is named ("match") only when the clip's *open-set
score* reaches a threshold calibrated on the enrolment data, where models are trained with some
suspects held out entirely; their clips are impostors, and held-out clips of the others are
genuine. The fused ranking scores are relative (they sum to 1 over the suspects), so an
impostor who resembles one suspect more than the others gets a fused score near 1 as well as
a true match does. The open-set score is therefore absolute: the cosine similarity between the
clip and the top suspect's template in the network's whitened hidden space
(:mod:`gait.identification.verification`, score kind ``"whitened_cosine"``). Models saved before
that used the mean per-cycle log-odds of the top suspect (``"mean_log_odds"``), which still
works.
The threshold is set for a target false-positive identification rate (FPIR, the share of
impostor clips that would be wrongly named), and a logistic (Platt) map turns the open-set
score into a calibrated probability that the named suspect is the person in the clip.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gait.identification.model import GaitModel
from gait.identification.settings import ModelSettings
from gait.identification.training import train_network
from gait.identification.verification import similarities
from gait.walk.features import FeatureTable

MATCH = "match"
NO_MATCH = "none of these suspects"
INSUFFICIENT = "insufficient gait"

DEFAULT_TARGET_FPIR = 0.05
LOG_ODDS = "mean_log_odds"
COSINE = "whitened_cosine"
_TINY = 1e-30


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
        Probability that the top-ranked suspect is the person (open-set calibrated).
    cycle_votes : list of str
        The top suspect of each gait cycle.
    cycle_probabilities : ndarray, shape (n_cycles, n_suspects)
    reason : str
        One sentence explaining the verdict.
    open_set_score : float or None
        The score that met the threshold (weighted).
    evidence_weight : float
        Weight of the clip's evidence (see :func:`decide`).
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "verdict": self.verdict,
            "suspect": self.suspect,
            "calibrated_probability": self.calibrated_probability,
            "ranking": [{"suspect": s, "score": round(p, 6)} for s, p in self.ranking],
            "cycle_votes": self.cycle_votes,
            "n_cycles": len(self.cycle_votes),
            "open_set_score": self.open_set_score,
            "evidence_weight": self.evidence_weight,
            "reason": self.reason,
        }


def fuse(cycle_probabilities: np.ndarray) -> np.ndarray:
    """Clip scores from per-cycle probabilities.

    Parameters
    ----------
    cycle_probabilities : ndarray, shape (n_cycles, n_suspects)

    Returns
    -------
    ndarray, shape (n_suspects,)
        Softmax of the mean log-probability; sums to 1.
    """
    log_p = np.log(np.clip(cycle_probabilities, 1e-12, 1.0)).mean(axis=0)
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
    log_odds = np.log(np.maximum(p[:, top], _TINY)) - np.log(np.maximum(others, _TINY))
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
           similarity: np.ndarray | None = None, weight: float = 1.0) -> Identification:
    """Rank the suspects for one clip and take the open-set decision.

    Parameters
    ----------
    model : GaitModel
    cycle_probabilities : ndarray, shape (n_cycles, n_suspects)
    insufficient_reason : str, optional
        Why there is no cycle (used when ``cycle_probabilities`` is empty).
    similarity : ndarray, shape (n_suspects,), optional
        The clip's similarity to every suspect's template (needed by models calibrated on
        ``"whitened_cosine"``; see :func:`clip_similarity`).
    weight : float
        Weight of the clip's evidence in (0, 1]: the mean weight of its cycles (below 1 for a
        walk of steps only, :data:`gait.walk.cycles.HALF_CYCLE_WEIGHT`). The open-set score
        is multiplied by it before it meets the threshold (a score of 0 says nothing), so a
        short walk names a suspect only on a correspondingly closer fit.
    """
    if not 0.0 < weight <= 1.0:
        raise ValueError(f"the weight of a clip's evidence must lie in (0, 1], got {weight}")
    if cycle_probabilities.shape[0] == 0:
        return Identification(INSUFFICIENT, None, [], None, [], cycle_probabilities,
                              insufficient_reason or "no complete gait cycle was found")
    scores = fuse(cycle_probabilities)
    order = np.argsort(-scores)
    ranking = [(model.suspects[i], float(scores[i])) for i in order]
    votes = [model.suspects[i] for i in np.argmax(cycle_probabilities, axis=1)]
    calibration = open_set_calibration(model)
    top = ranking[0][0]
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


def clip_similarity(model: GaitModel, whitened: np.ndarray | None) -> np.ndarray | None:
    """A clip's similarity to every suspect, shape (n_suspects,), from its whitened cycle
    descriptions (:meth:`GaitModel.predict_outputs`); None for a model without templates."""
    templates = model.templates
    if whitened is None or templates is None:
        return None
    return similarities(whitened, templates)


def identify_table(model: GaitModel, table: FeatureTable,
                   insufficient_reason: str | None = None) -> Identification:
    """Identify the person of a one-clip feature table."""
    probabilities, whitened = model.predict_outputs(model.features_from(table))
    weights = table.frame["cycle_weight"].to_numpy(dtype=float)
    return decide(model, probabilities, insufficient_reason, clip_similarity(model, whitened),
                  float(weights.mean()) if weights.size else 1.0)


def open_set_calibration(model: GaitModel) -> OpenSetCalibration | None:
    """The calibration stored with ``model`` (``None`` for a closed-set model)."""
    data = model.metadata.get("open_set")
    return OpenSetCalibration(**data) if data else None


def clip_outputs(model: GaitModel, table: FeatureTable
                 ) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
    """Every clip of ``table``: clip_id -> (per-cycle probabilities, shape (n_cycles,
    n_suspects); similarity to every suspect, shape (n_suspects,), or None)."""
    probabilities, whitened = model.predict_outputs(model.features_from(table))
    return {
        str(clip_id): (probabilities[rows],
                       clip_similarity(model, None if whitened is None else whitened[rows]))
        for clip_id, rows in table.frame.groupby("clip_id", sort=False).indices.items()
    }


def clip_scores(model: GaitModel, table: FeatureTable) -> dict[str, np.ndarray]:
    """Fused scores of every clip in ``table``: clip_id -> (n_suspects,)."""
    return {clip_id: fuse(p) for clip_id, (p, _) in clip_outputs(model, table).items()}


def _require_score(probabilities: np.ndarray, similarity: np.ndarray | None) -> float:
    if similarity is None:  # every network trained by this version has templates
        raise ValueError("the network has no verification templates")
    return verification_score(probabilities, similarity)


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


def _platt(x: np.ndarray, correct: np.ndarray) -> tuple[float, float]:
    """Fit sigmoid(a * x + b) to 0/1 outcomes (logistic regression on log-odds scores)."""
    from sklearn.linear_model import LogisticRegression

    if correct.min() == correct.max():
        return 1.0, 0.0
    fit = LogisticRegression(C=10.0).fit(x.reshape(-1, 1), correct.astype(int))
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def calibrate(
    table: FeatureTable,
    settings: ModelSettings,
    target_fpir: float = DEFAULT_TARGET_FPIR,
    n_folds: int = 4,
    progress: Callable[[int, int], None] | None = None,
    epochs: int | None = None,
) -> OpenSetCalibration:
    """Calibrate the open-set threshold on enrolment data alone.

    In each of ``n_folds`` folds, a quarter of the suspects are held out entirely (their
    clips are impostor searches) and one clip of every other suspect is held out (genuine
    searches); a network is trained on the rest with the same settings (for ``epochs``
    epochs: pass the final network's, see :func:`gait.identification.model.train_network`).

    Parameters
    ----------
    table : FeatureTable
        The enrolment cycles.
    settings : ModelSettings
    target_fpir : float
        Wanted share of impostor clips named as a suspect.
    n_folds : int
    progress : callable, optional
        ``progress(folds_done, n_folds)``.
    epochs : int, optional
        Epochs of every fold's network (None: each chooses its own, as
        :func:`gait.identification.model.train_network` does).
    """
    rng = np.random.default_rng(settings.seed)
    suspects = np.array(table.subjects)
    rng.shuffle(suspects)
    groups = np.array_split(suspects, n_folds)
    genuine: list[tuple[float, bool]] = []
    impostor: list[float] = []
    for fold, held_out in enumerate(groups):
        is_impostor = table.frame["subject"].isin(held_out).to_numpy()
        enrolled = table.frame[~is_impostor]
        probe_clips = set()
        for _, clips in enrolled.groupby("subject")["clip_id"]:
            unique = sorted(clips.unique())
            if len(unique) >= 2:
                probe_clips.add(unique[fold % len(unique)])
        is_probe = table.frame["clip_id"].isin(probe_clips).to_numpy()
        model = train_network(table.select(~is_impostor & ~is_probe), settings, epochs=epochs)
        for clip_id, (probs, sim) in clip_outputs(model, table.select(is_probe)).items():
            truth = table.frame.loc[table.frame["clip_id"] == clip_id, "subject"].iloc[0]
            top = int(np.argmax(fuse(probs)))
            genuine.append((_require_score(probs, sim), model.suspects[top] == truth))
        impostor += [_require_score(probs, sim)
                     for probs, sim in clip_outputs(model, table.select(is_impostor)).values()]
        if progress is not None:
            progress(fold + 1, n_folds)
    gen_scores = np.array([s for s, _ in genuine])
    gen_correct = np.array([c for _, c in genuine])
    imp_scores = np.array(impostor)
    threshold = threshold_for_fpir(imp_scores, target_fpir)
    slope, intercept = _platt(np.concatenate([gen_scores, imp_scores]),
                              np.concatenate([gen_correct, np.zeros(imp_scores.size, bool)]))
    accepted_right = (gen_scores >= threshold) & gen_correct
    return OpenSetCalibration(
        threshold=threshold,
        target_fpir=target_fpir,
        platt_slope=slope,
        platt_intercept=intercept,
        n_genuine=int(gen_scores.size),
        n_impostor=int(imp_scores.size),
        measured_fpir=float(np.mean(imp_scores >= threshold)) if imp_scores.size else 0.0,
        measured_fnir=float(1 - accepted_right.mean()) if gen_scores.size else 0.0,
        score=COSINE,
    )


def train_identifier(
    table: FeatureTable,
    settings: ModelSettings | None = None,
    target_fpir: float = DEFAULT_TARGET_FPIR,
    calibrate_open_set: bool = True,
    on_epoch: Callable[[int, Mapping[str, float]], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GaitModel:
    """Train the network on all of ``table`` and store the open-set calibration with it."""
    settings = settings or ModelSettings.for_view(table.view)
    model = train_network(table, settings, on_epoch=on_epoch)
    if calibrate_open_set and len(table.subjects) >= 4:
        model.metadata["open_set"] = calibrate(table, settings, target_fpir, progress=progress,
                                               epochs=model.metadata["epochs"]).to_dict()
    return model
