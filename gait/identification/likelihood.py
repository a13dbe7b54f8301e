"""Likelihood ratios: how strongly a walk supports "this suspect is the person" over "someone
else is".

Forensic evaluative reporting (ENFSI, *Guideline for evaluative reporting in forensic
science*, 2015; the Royal Society's primer *Forensic gait analysis*, 2017) weighs the evidence
E (the walk in the footage) under two propositions for each suspect:

* Hp: the suspect is the person walking in the footage;
* Hd: someone else from the relevant population is.

The likelihood ratio LR = P(E | Hp) / P(E | Hd) is computed *score-based*: the comparison
score of the evidence with a suspect (the whitened cosine of
:mod:`gait.identification.verification`) is turned into an LR by a calibrator fitted on
comparisons whose truth is known: held-out clips of enrolled suspects against their own
template (Hp true) and clips of suspects held out of training entirely, and of the other
suspects, against every template (Hd true). The relevant population is therefore the people
enrolled in the case; the report says so.

The calibrator is logistic regression with balanced classes (``lir.LogitCalibrator``, of the
Netherlands Forensic Institute's ``lir``): a straight line in log10 LR against the score. It
needs two numbers, so a hundred genuine comparisons fit it stably, where kernel density and
isotonic calibration (also in ``lir``) follow the sampling noise of so few genuine scores; the
isotonic (PAV) fit is used, as is usual, only to measure how well calibrated the LRs are
(``cllr_min``). Its output is bounded by the empirical lower and upper bounds (ELUB, Vergeer
et al. 2016, ``lir.ELUBBounder``): no LR exceeds what the number of calibration comparisons
can support.

Validation (:func:`lr_metrics`) follows Brümmer & du Preez (2006) and Meuwly et al. (2017):
the log-likelihood-ratio cost Cllr (0 for a perfect system, 1 for one that always says LR 1),
its discrimination part Cllr_min (after PAV) and calibration loss Cllr_cal = Cllr - Cllr_min,
the rates of misleading evidence, and the equal error rate at LR thresholds.

Verbal equivalents follow the ENFSI guideline's scale (:data:`VERBAL_SCALE`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

#: Upper ends (log10 LR, exclusive) and words of the ENFSI guideline's verbal scale, for
#: support of the proposition the LR favours; an LR of exactly 1 supports neither.
VERBAL_SCALE: tuple[tuple[float, str], ...] = (
    (1.0, "weak support"),
    (2.0, "moderate support"),
    (3.0, "moderately strong support"),
    (4.0, "strong support"),
    (6.0, "very strong support"),
    (np.inf, "extremely strong support"),
)
NEUTRAL_LOG10 = 0.005  # |log10 LR| below this is reported as an LR of 1 (two decimals)
LOGISTIC = "logistic regression (lir LogitCalibrator), ELUB-bounded"
#: Inverse L2 penalty of the logistic fit: scikit-learn's default (1) would shrink the slope
#: towards LR 1 by a factor that depends on the score's units; the fit is effectively
#: unpenalised (two parameters, hundreds of comparisons).
UNREGULARISED = 1e6


def verbal(log10_lr: float) -> str:
    """The verbal equivalent of an LR on the ENFSI scale, naming the proposition supported.

    Parameters
    ----------
    log10_lr : float
        log10 of the LR of Hp against Hd.

    Returns
    -------
    str
        e.g. ``"moderate support for Hp"``, ``"weak support for Hd"``, or ``"no support for
        either proposition"`` for an LR of 1.
    """
    if np.isnan(log10_lr):
        raise ValueError("an LR of NaN has no verbal equivalent")
    size = abs(float(log10_lr))
    if size < NEUTRAL_LOG10:
        return "no support for either proposition"
    words = next(w for upper, w in VERBAL_SCALE if size < upper)
    return f"{words} for {'Hp' if log10_lr > 0 else 'Hd'}"


def propositions(suspect: str) -> dict[str, str]:
    """The two propositions for ``suspect``, in words (keys ``"Hp"`` and ``"Hd"``)."""
    return {"Hp": f"{suspect} is the person walking in the footage",
            "Hd": f"someone other than {suspect}, from the population the method was "
                  "calibrated on (the people enrolled in this case), is the person walking in "
                  "the footage"}


@dataclass(frozen=True)
class LRCalibration:
    """A score-to-LR map fitted on comparisons of known truth.

    log10 LR = clip(slope * score + intercept, lower_log10, upper_log10).

    Attributes
    ----------
    score : str
        The comparison score the map applies to (``"whitened_cosine"``).
    slope, intercept : float
        Of the logistic calibrator, in log10 LR per unit score and log10 LR.
    lower_log10, upper_log10 : float
        ELUB bounds of log10 LR (lower <= 0 <= upper).
    n_genuine, n_impostor : int
        Calibration comparisons with Hp true / Hd true.
    method : str
        How the map was fitted.
    """

    score: str
    slope: float
    intercept: float
    lower_log10: float
    upper_log10: float
    n_genuine: int
    n_impostor: int
    method: str = LOGISTIC

    def __post_init__(self) -> None:
        values = (self.slope, self.intercept, self.lower_log10, self.upper_log10)
        if not all(np.isfinite(v) for v in values):
            raise ValueError("an LR calibration needs finite coefficients and bounds")
        if not self.lower_log10 <= 0 <= self.upper_log10:
            raise ValueError(f"ELUB bounds must enclose LR 1, got [{self.lower_log10}, "
                             f"{self.upper_log10}]")
        if min(self.n_genuine, self.n_impostor) < 1:
            raise ValueError("an LR calibration needs comparisons under both propositions")

    def log10_lr(self, scores: np.ndarray | float) -> np.ndarray:
        """log10 LR of comparison scores (any shape; NaN stays NaN)."""
        raw = self.slope * np.asarray(scores, dtype=np.float64) + self.intercept
        return np.asarray(np.clip(raw, self.lower_log10, self.upper_log10))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (stored in the model's metadata)."""
        return asdict(self)


@dataclass(frozen=True)
class LikelihoodCalibration:
    """What a model's likelihood ratios rest on, stored in its metadata as ``"likelihood"``.

    Attributes
    ----------
    calibration : LRCalibration
        The score-to-LR map, fitted on every calibration comparison.
    robust_calibration : LRCalibration or None
        For a network with clothing-robust towers: the map of *their* similarity, fitted on
        every calibration comparison too, which gives the LR of a comparison where the
        clip's outline differs from the suspect's enrolment (:meth:`log10_lrs_of`).
    name_at_lr : float
        The naming rule: the top-ranked suspect is named when its LR reaches this (>= 1).
    validation : dict
        :func:`gait.identification.likelihood.lr_metrics` of the cross-validated LRs, plus
        ``fpir`` and ``fnir`` of the naming rule on the calibration clips (share of clips of
        people held out of training that name a suspect; share of genuine clips that do not
        name the right one).
    log10_lrs, hp : tuple
        The cross-validated log10 LRs of the calibration comparisons and their truth (1: Hp),
        for the validation plots.
    n_genuine_clips, n_impostor_clips : int
        Calibration clips of enrolled suspects / of suspects held out of training.
    protocol : str
        The calibration protocol, in words.
    """

    calibration: LRCalibration
    name_at_lr: float
    validation: Mapping[str, Any]
    log10_lrs: tuple[float, ...]
    hp: tuple[int, ...]
    n_genuine_clips: int
    n_impostor_clips: int
    protocol: str
    robust_calibration: LRCalibration | None = None

    def __post_init__(self) -> None:
        if not self.name_at_lr >= 1:
            raise ValueError(f"the LR that names a suspect must be at least 1, not "
                             f"{self.name_at_lr}")
        if len(self.log10_lrs) != len(self.hp):
            raise ValueError("every calibration LR needs its truth")

    def log10_lrs_of(self, scores: np.ndarray, robust_scores: np.ndarray | None = None,
                  outline_changed: np.ndarray | None = None) -> np.ndarray:
        """log10 LRs of a clip's comparisons with the suspects.

        Parameters
        ----------
        scores : ndarray, shape (n_suspects,)
            Comparison scores of the whole-body towers.
        robust_scores : ndarray, shape (n_suspects,), optional
            Of the clothing-robust towers.
        outline_changed : ndarray of bool, shape (n_suspects,), optional
            Where the clip's outline differs from the suspect's enrolment: there the LR comes
            from ``robust_scores`` through :attr:`robust_calibration` (a condition-specific
            calibration, chosen by what the evidence shows, not by the truth); elsewhere from
            ``scores`` through :attr:`calibration`.
        """
        out = self.calibration.log10_lr(scores)
        if (self.robust_calibration is None or robust_scores is None
                or outline_changed is None):
            return out
        return np.asarray(np.where(outline_changed,
                                   self.robust_calibration.log10_lr(robust_scores), out))

    @property
    def log10_name_at(self) -> float:
        """log10 of :attr:`name_at_lr`."""
        return float(np.log10(self.name_at_lr))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"calibration": self.calibration.to_dict(), "name_at_lr": self.name_at_lr,
                "validation": dict(self.validation), "log10_lrs": list(self.log10_lrs),
                "hp": list(self.hp), "n_genuine_clips": self.n_genuine_clips,
                "n_impostor_clips": self.n_impostor_clips, "protocol": self.protocol,
                **({"robust_calibration": self.robust_calibration.to_dict()}
                   if self.robust_calibration is not None else {})}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LikelihoodCalibration:
        """Inverse of :meth:`to_dict`."""
        robust = data.get("robust_calibration")
        return cls(LRCalibration(**data["calibration"]), float(data["name_at_lr"]),
                   dict(data["validation"]), tuple(float(v) for v in data["log10_lrs"]),
                   tuple(int(v) for v in data["hp"]), int(data["n_genuine_clips"]),
                   int(data["n_impostor_clips"]), str(data["protocol"]),
                   None if robust is None else LRCalibration(**robust))


def _check(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=np.float64).ravel()
    labels = np.asarray(labels).astype(int).ravel()
    if scores.shape != labels.shape:
        raise ValueError(f"{scores.size} scores but {labels.size} labels")
    if not np.isfinite(scores).all():
        raise ValueError("comparison scores must be finite")
    if not set(np.unique(labels)) <= {0, 1} or labels.min(initial=1) == labels.max(initial=0):
        raise ValueError("calibration needs comparisons under both propositions (labels 1 "
                         "for Hp, 0 for Hd)")
    return scores, labels


def _logistic(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(slope, intercept) of lir's balanced logistic calibrator, in log10 LR."""
    from lir.algorithms.logistic_regression import LogitCalibrator

    calibrator = LogitCalibrator(C=UNREGULARISED).fit(scores, labels)
    at_0, at_1 = calibrator.transform(np.array([0.0, 1.0]))
    return float(at_1 - at_0), float(at_0)


def elub_bounds(log10_lrs: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Empirical lower and upper bounds of log10 LR (``lir``'s ELUB) for these LRs."""
    from lir.algorithms.bayeserror import elub

    llrs, labels = _check(log10_lrs, labels)
    lower, upper = elub(llrs.copy(), labels)  # elub clips its input in place
    return float(lower), float(upper)


def fit_lr_calibration(scores: np.ndarray, labels: np.ndarray, score: str) -> LRCalibration:
    """Fit the score-to-LR map and its ELUB bounds.

    Parameters
    ----------
    scores : ndarray, shape (n_comparisons,)
        Comparison scores of known truth.
    labels : ndarray of {0, 1}, shape (n_comparisons,)
        1 where Hp is true (the clip's person is the compared suspect), 0 where Hd is.
    score : str
        Name of the score.
    """
    scores, labels = _check(scores, labels)
    slope, intercept = _logistic(scores, labels)
    lower, upper = elub_bounds(slope * scores + intercept, labels)
    return LRCalibration(score, slope, intercept, lower, upper,
                         int(labels.sum()), int((1 - labels).sum()))


def cross_validated_log10_lrs(scores: np.ndarray, labels: np.ndarray, folds: np.ndarray,
                              score: str) -> np.ndarray:
    """log10 LRs of calibration comparisons, each from a calibrator that did not see its fold.

    Parameters
    ----------
    scores, labels : ndarray, shape (n_comparisons,)
    folds : ndarray of int, shape (n_comparisons,)
        The fold of every comparison; all comparisons of one clip must share a fold.
    score : str

    Returns
    -------
    ndarray, shape (n_comparisons,)
    """
    scores, labels = _check(scores, labels)
    folds = np.asarray(folds).ravel()
    if folds.shape != scores.shape:
        raise ValueError("every comparison needs a fold")
    out = np.empty_like(scores)
    for fold in np.unique(folds):
        test = folds == fold
        calibration = fit_lr_calibration(scores[~test], labels[~test], score)
        out[test] = calibration.log10_lr(scores[test])
    return out


def equal_error_rate(log10_lrs: np.ndarray, labels: np.ndarray) -> float:
    """Rate at which misses (Hp true, LR below the threshold) equal false alarms (Hd true,
    LR at or above it), as the LR threshold varies; the mean of the two at the closest
    threshold."""
    llrs, labels = _check(log10_lrs, labels)
    thresholds = np.unique(np.concatenate([llrs, [np.inf]]))
    genuine, impostor = llrs[labels == 1], llrs[labels == 0]
    miss = np.searchsorted(np.sort(genuine), thresholds, side="left") / genuine.size
    false_alarm = 1 - np.searchsorted(np.sort(impostor), thresholds, side="left") / impostor.size
    best = int(np.argmin(np.abs(miss - false_alarm)))
    return float((miss[best] + false_alarm[best]) / 2)


def lr_metrics(log10_lrs: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """Validation figures of a set of LRs of known truth.

    Parameters
    ----------
    log10_lrs : ndarray, shape (n_comparisons,)
    labels : ndarray of {0, 1}, shape (n_comparisons,)
        1 where Hp is true.

    Returns
    -------
    dict
        ``cllr``, ``cllr_min``, ``cllr_cal`` (bits), ``eer``, ``n_genuine``, ``n_impostor``,
        ``misleading_hp`` (share of Hp-true comparisons with LR < 1), ``misleading_hd`` (share
        of Hd-true comparisons with LR > 1), ``log10_lr_range`` ([min, max]),
        ``max_log10_lr_hd`` (the strongest support for Hp given by a comparison where Hd is
        true) and ``min_log10_lr_hp`` (the strongest support for Hd where Hp is true).
    """
    from lir.data.models import LLRData
    from lir.metrics import cllr, cllr_min

    llrs, labels = _check(log10_lrs, labels)
    data = LLRData(features=llrs, labels=labels)
    total, minimum = cllr(data), cllr_min(data)
    return {
        "cllr": total,
        "cllr_min": minimum,
        "cllr_cal": total - minimum,
        "eer": equal_error_rate(llrs, labels),
        "n_genuine": int(labels.sum()),
        "n_impostor": int((1 - labels).sum()),
        "misleading_hp": float(np.mean(llrs[labels == 1] < 0)),
        "misleading_hd": float(np.mean(llrs[labels == 0] > 0)),
        "log10_lr_range": [float(llrs.min()), float(llrs.max())],
        "max_log10_lr_hd": float(llrs[labels == 0].max()),
        "min_log10_lr_hp": float(llrs[labels == 1].min()),
    }


def tippett(log10_lrs: np.ndarray, labels: np.ndarray, grid: Sequence[float] | None = None
            ) -> dict[str, np.ndarray]:
    """Tippett curves: the share of comparisons with log10 LR at or above each grid value.

    Returns
    -------
    dict
        ``log10_lr`` (the grid, shape (n,)), ``hp`` and ``hd`` (shares in [0, 1] of the
        Hp-true and Hd-true comparisons, shape (n,)).
    """
    llrs, labels = _check(log10_lrs, labels)
    if grid is None:
        low, high = np.floor(llrs.min()) - 0.5, np.ceil(llrs.max()) + 0.5
        grid = np.linspace(low, high, 241)
    x = np.asarray(grid, dtype=np.float64)

    def share_at_or_above(values: np.ndarray) -> np.ndarray:
        return 1 - np.searchsorted(np.sort(values), x, side="left") / values.size

    return {"log10_lr": x, "hp": share_at_or_above(llrs[labels == 1]),
            "hd": share_at_or_above(llrs[labels == 0])}


def empirical_cross_entropy(log10_lrs: np.ndarray, labels: np.ndarray,
                            log10_prior_odds: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """ECE curves (Ramos 2007): the system's LRs, after PAV calibration, and LR 1 throughout.

    Returns
    -------
    dict
        ``log10_prior_odds`` (shape (n,)), ``lrs``, ``pav`` and ``reference`` (bits, shape
        (n,)).
    """
    from lir.algorithms.isotonic_regression import IsotonicCalibrator
    from lir.plotting.expected_calibration_error import calculate_ece

    llrs, labels = _check(log10_lrs, labels)
    x = np.arange(-3, 3.001, 0.05) if log10_prior_odds is None else np.asarray(log10_prior_odds)
    priors = 1 / (1 + 10.0 ** -x)
    pav = IsotonicCalibrator().fit_transform(llrs, labels)
    return {
        "log10_prior_odds": x,
        "lrs": calculate_ece(10.0 ** llrs, labels, priors),
        "pav": calculate_ece(10.0 ** pav, labels, priors),
        "reference": calculate_ece(np.ones_like(llrs), labels, priors),
    }
