"""Whether a clip's body outline differs from a suspect's enrolment, as clothing changes it.

MediaPipe places the shoulder, elbow, wrist, hand and hip landmarks on the body's visible
outline, so a coat (or a bag's strap, a thick jumper) moves them: the trunk looks longer, the
arm segments change length, the shoulders and hips look wider. A clip's outline *differs* from
a suspect's enrolment when at least :data:`OUTLINE_MIN_CHANGED` of the
:data:`OUTLINE_PARAMETERS` lie more than :data:`OUTLINE_SD` of the suspect's spread from the
suspect's median (the clip's median over its cycles; the spread is the standard deviation of
the suspect's enrolment cycles, floored at :data:`SPREAD_FLOOR_FRACTION` of the spread over
every enrolled cycle, so that a proportion that happens not to vary in a few cycles does not
blow up).

Measured on the shared data, each session-2 clip against its own person's session-1
enrolment: coats 30 of 30 clips (side and front), bags 17 of 30, walks at an angle 15 of 30,
normal walks 9 of 80 (0 of 30 side). The identification then leans on the network's
clothing-robust towers for that suspect (:meth:`gait.identification.model.GaitModel.pool`),
and the quality card and the report say so (:mod:`gait.case.comparisons`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

OUTLINE_PARAMETERS = ("trunk_length_bl", "neck_length_bl", "shoulder_width_bl", "hip_width_bl",
                      "upper_arm_length_left_bl", "upper_arm_length_right_bl",
                      "forearm_length_left_bl", "forearm_length_right_bl",
                      "hand_length_left_bl", "hand_length_right_bl")
OUTLINE_SD = 3.0
OUTLINE_MIN_CHANGED = 2
SPREAD_FLOOR_FRACTION = 0.1


def floored_spread(own: np.ndarray, everyone: np.ndarray) -> np.ndarray:
    """A suspect's spread of each parameter, floored by the spread over every cycle.

    Parameters
    ----------
    own, everyone : ndarray, shape (n_cycles, n_parameters)
        The suspect's enrolment cycles, and every enrolled cycle of the case (NaN: unknown).

    Returns
    -------
    ndarray, shape (n_parameters,)
        ``max(std(own), SPREAD_FLOOR_FRACTION * std(everyone))`` (sample standard deviations,
        NaN-aware), in the parameters' units; NaN where neither can be computed.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = _std(own)
        floor = SPREAD_FLOOR_FRACTION * _std(everyone)
    return np.fmax(spread, floor)


def _std(values: np.ndarray) -> np.ndarray:
    counts = np.sum(np.isfinite(values), axis=0)
    out = np.full(values.shape[1], np.nan)
    enough = counts >= 2
    if enough.any():
        out[enough] = np.nanstd(values[:, enough], axis=0, ddof=1)
    return out


@dataclass(frozen=True)
class OutlineStatistics:
    """Every suspect's outline proportions at enrolment.

    Attributes
    ----------
    parameters : tuple of str
        The :data:`OUTLINE_PARAMETERS` of the model's view, in body lengths.
    median, spread : ndarray, shape (n_suspects, n_parameters)
        Each suspect's median and floored spread (:func:`floored_spread`), body lengths;
        NaN where unknown.
    """

    parameters: tuple[str, ...]
    median: np.ndarray
    spread: np.ndarray

    def __post_init__(self) -> None:
        shape = (self.median.shape[0] if self.median.ndim == 2 else -1, len(self.parameters))
        if self.median.shape != shape or self.spread.shape != shape:
            raise ValueError(f"outline statistics do not fit {len(self.parameters)} parameters: "
                             f"median {self.median.shape}, spread {self.spread.shape}")

    @classmethod
    def fit(cls, frame: pd.DataFrame, suspects: Sequence[str]) -> OutlineStatistics:
        """Statistics of every suspect's enrolment cycles.

        Parameters
        ----------
        frame : DataFrame
            Enrolment cycles: a ``subject`` column and the view's parameter columns.
        suspects : sequence of str
            The model's suspects, in class order (a suspect without a cycle in ``frame`` gets a
            row of NaN and is never judged changed).
        """
        names = tuple(n for n in OUTLINE_PARAMETERS if n in frame.columns)
        everyone = frame[list(names)].to_numpy(dtype=np.float64)
        subject = frame["subject"].to_numpy()
        medians, spreads = [], []
        for suspect in suspects:
            own = everyone[subject == suspect]
            medians.append(_nanmedian(own, len(names)))
            spreads.append(floored_spread(own, everyone))
        shape = (len(suspects), len(names))
        return cls(names, np.asarray(medians).reshape(shape), np.asarray(spreads).reshape(shape))

    def differences(self, clip: pd.DataFrame) -> np.ndarray:
        """How far the clip's outline lies from each suspect's enrolment.

        Parameters
        ----------
        clip : DataFrame
            The clip's cycles (parameter columns; a missing column counts as unknown).

        Returns
        -------
        ndarray, shape (n_suspects, n_parameters)
            (clip median - suspect median) / suspect spread of each of :attr:`parameters`
            (signed, in spreads); NaN where unknown, and everywhere for a clip without cycles.
        """
        if len(clip) == 0:
            return np.full(self.median.shape, np.nan)
        values = np.array([clip[n].to_numpy(dtype=np.float64) if n in clip.columns
                           else np.full(len(clip), np.nan) for n in self.parameters]).T
        evidence = _nanmedian(values.reshape(len(clip), len(self.parameters)),
                              len(self.parameters))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray((evidence[None, :] - self.median) / self.spread)

    def changed(self, clip: pd.DataFrame) -> np.ndarray:
        """Whether the clip's outline (``clip`` as in :meth:`differences`) differs from each
        suspect's enrolment.

        Returns
        -------
        ndarray of bool, shape (n_suspects,)
            True where at least :data:`OUTLINE_MIN_CHANGED` proportions lie more than
            :data:`OUTLINE_SD` of the suspect's spread from its median
            (:meth:`differences`; unknown ones never count); all False for a clip without
            cycles.
        """
        with np.errstate(invalid="ignore"):
            beyond = np.abs(self.differences(clip)) > OUTLINE_SD
        return np.asarray(np.sum(beyond, axis=1) >= OUTLINE_MIN_CHANGED)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (NaN written as None)."""
        return {"parameters": list(self.parameters),
                "median": _listed(self.median), "spread": _listed(self.spread)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutlineStatistics:
        """Inverse of :meth:`to_dict`."""
        names = tuple(data["parameters"])
        shape = (-1, len(names))
        return cls(names, _array(data["median"]).reshape(shape),
                   _array(data["spread"]).reshape(shape))


def _nanmedian(values: np.ndarray, n_columns: int) -> np.ndarray:
    """Column medians ignoring NaN, shape (n_columns,); NaN for a column without a value."""
    out = np.full(n_columns, np.nan)
    known = np.isfinite(values).any(axis=0) if values.size else np.zeros(n_columns, bool)
    if known.any():
        out[known] = np.nanmedian(values[:, known], axis=0)
    return out


def _listed(values: np.ndarray) -> list[list[float | None]]:
    return [[float(v) if np.isfinite(v) else None for v in row] for row in values]


def _array(rows: Sequence[Sequence[float | None]]) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in rows],
                    dtype=np.float64)
