"""Clip-level identification: fuse per-cycle probabilities, rank suspects, decide open-set.

Fusion: the clip's score for each suspect is the softmax of the mean per-cycle
log-probability (a product of per-cycle likelihoods, tempered by the number of cycles), so a
clip with many consistent cycles is more decisive than a single cycle.

Open-set decision: the top suspect is named ("match") only when the clip's *open-set score*
reaches a threshold calibrated on the enrolment data, where models are trained with some
suspects held out entirely; their clips are impostors, and held-out clips of the others are
genuine. The open-set score is the mean over the clip's cycles of the top suspect's per-cycle
log-odds, log p_top - log(sum of the other suspects' p): an absolute measure of fit that,
unlike a probability, does not saturate at 1 in float32 when a network is very confident
(the others' small probabilities keep their precision). The fused ranking scores are relative
(they sum to 1 over the suspects and sharpen with every cycle), so an impostor who resembles
one suspect more than the others gets a fused score near 1 as well as a true match does.
The threshold is set for a target false-positive identification rate (FPIR, the share of
impostor clips that would be wrongly named), and a logistic (Platt) map turns the open-set
score into a calibrated probability that the named suspect is the person in the clip.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gait.features import FeatureTable
from gait.model import GaitModel, ModelSettings, train_network, with_settings

MATCH = "match"
NO_MATCH = "none of these suspects"
INSUFFICIENT = "insufficient gait"

DEFAULT_TARGET_FPIR = 0.05
LOG_ODDS = "mean_log_odds"
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
        The clip score the threshold applies to: ``"mean_log_odds"`` (see
        :func:`open_set_score`); older models: ``"geometric_mean_probability"`` or
        ``"fused"`` (the top fused score), both probabilities.
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
        z = self.platt_slope * _log_odds_of(self.score, score) + self.platt_intercept
        return float(1.0 / (1.0 + np.exp(-z)))

    def to_dict(self) -> dict[str, float | int]:
        """JSON-ready form (stored in the model's metadata)."""
        return dict(self.__dict__)


def _log_odds_of(kind: str, score: float) -> float:
    """The Platt input of a score: itself for log-odds scores, logit(p) for probabilities."""
    if kind == LOG_ODDS:
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
    """

    verdict: str
    suspect: str | None
    ranking: list[tuple[str, float]]
    calibrated_probability: float | None
    cycle_votes: list[str]
    cycle_probabilities: np.ndarray = field(repr=False)
    reason: str = ""
    open_set_score: float | None = None

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


def decision_score(calibration: OpenSetCalibration, cycle_probabilities: np.ndarray) -> float:
    """The clip score ``calibration``'s threshold applies to (older models: probabilities)."""
    if calibration.score == LOG_ODDS:
        return open_set_score(cycle_probabilities)
    if calibration.score == "fused":
        return float(fuse(cycle_probabilities).max())
    log_p = np.log(np.clip(cycle_probabilities, 1e-12, 1.0)).mean(axis=0)
    return float(np.exp(log_p.max()))


def decide(model: GaitModel, cycle_probabilities: np.ndarray,
           insufficient_reason: str | None = None) -> Identification:
    """Rank the suspects for one clip and take the open-set decision."""
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
                              "closed-set model (no open-set calibration): top suspect named")
    score = decision_score(calibration, cycle_probabilities)
    probability = calibration.probability(score)
    if score >= calibration.threshold:
        verdict, suspect = MATCH, top
        reason = (f"{top} fits with open-set score {score:.2f}, at or above the threshold "
                  f"{calibration.threshold:.2f} (set for {calibration.target_fpir:.0%} false "
                  "matches)")
    else:
        verdict, suspect = NO_MATCH, None
        reason = (f"the best suspect ({top}) fits with open-set score {score:.2f}, below the "
                  f"threshold {calibration.threshold:.2f}: the walk matches none of the "
                  "suspects well enough")
    return Identification(verdict, suspect, ranking, probability, votes, cycle_probabilities,
                          reason, score)


def identify_table(model: GaitModel, table: FeatureTable,
                   insufficient_reason: str | None = None) -> Identification:
    """Identify the person of a one-clip feature table."""
    return decide(model, model.predict_cycles(model.features_from(table)), insufficient_reason)


def open_set_calibration(model: GaitModel) -> OpenSetCalibration | None:
    """The calibration stored with ``model`` (``None`` for a closed-set model)."""
    data = model.metadata.get("open_set")
    return OpenSetCalibration(**data) if data else None


def clip_scores(model: GaitModel, table: FeatureTable) -> dict[str, np.ndarray]:
    """Fused scores of every clip in ``table``: clip_id -> (n_suspects,)."""
    return {clip_id: fuse(p) for clip_id, p in clip_cycle_probabilities(model, table).items()}


def clip_cycle_probabilities(model: GaitModel, table: FeatureTable) -> dict[str, np.ndarray]:
    """Per-cycle probabilities of every clip in ``table``: clip_id -> (n_cycles, n_suspects)."""
    probabilities = model.predict_cycles(model.features_from(table))
    return {str(clip_id): probabilities[rows]
            for clip_id, rows in table.frame.groupby("clip_id", sort=False).indices.items()}


def clip_open_set_scores(model: GaitModel, table: FeatureTable) -> dict[str, float]:
    """The open-set score (:func:`open_set_score`) of every clip in ``table``."""
    return {c: open_set_score(p) for c, p in clip_cycle_probabilities(model, table).items()}


def _threshold_for_fpir(impostor_scores: np.ndarray, target_fpir: float) -> float:
    """Smallest threshold at which at most ``target_fpir`` of impostor scores reach it."""
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
) -> OpenSetCalibration:
    """Calibrate the open-set threshold on enrolment data alone.

    In each of ``n_folds`` folds, a quarter of the suspects are held out entirely (their
    clips are impostor searches) and one clip of every other suspect is held out (genuine
    searches); a network is trained on the rest with the same settings.

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
    """
    rng = np.random.default_rng(settings.seed)
    suspects = np.array(table.subjects)
    rng.shuffle(suspects)
    groups = np.array_split(suspects, n_folds)
    genuine: list[tuple[float, bool]] = []
    impostor: list[float] = []
    quick = with_settings(settings, max_epochs=min(settings.max_epochs, 200))
    for fold, held_out in enumerate(groups):
        is_impostor = table.frame["subject"].isin(held_out).to_numpy()
        enrolled = table.frame[~is_impostor]
        probe_clips = set()
        for _, clips in enrolled.groupby("subject")["clip_id"]:
            unique = sorted(clips.unique())
            if len(unique) >= 2:
                probe_clips.add(unique[fold % len(unique)])
        is_probe = table.frame["clip_id"].isin(probe_clips).to_numpy()
        model = train_network(table.select(~is_impostor & ~is_probe), quick)
        for clip_id, probs in clip_cycle_probabilities(model, table.select(is_probe)).items():
            truth = table.frame.loc[table.frame["clip_id"] == clip_id, "subject"].iloc[0]
            top = int(np.argmax(fuse(probs)))
            genuine.append((open_set_score(probs), model.suspects[top] == truth))
        impostor += list(clip_open_set_scores(model, table.select(is_impostor)).values())
        if progress is not None:
            progress(fold + 1, n_folds)
    gen_scores = np.array([s for s, _ in genuine])
    gen_correct = np.array([c for _, c in genuine])
    imp_scores = np.array(impostor)
    threshold = _threshold_for_fpir(imp_scores, target_fpir)
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
        score=LOG_ODDS,
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
    settings = settings or ModelSettings()
    model = train_network(table, settings, on_epoch=on_epoch)
    if calibrate_open_set and len(table.subjects) >= 4:
        model.metadata["open_set"] = calibrate(table, settings, target_fpir,
                                               progress=progress).to_dict()
    return model
