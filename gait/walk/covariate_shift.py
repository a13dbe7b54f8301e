"""How a bag, a coat or walking at an angle shifts the gait parameters, learnt from people
filmed both ways on the same day, and training copies shifted that way.

A covariate's *shift* is, per parameter, the mean over people of (median over their cycles
with the covariate - median over their normal cycles of the same session): what the covariate
does to the numbers, separated from who walks and from the day. The shifts shipped with gait-ID
(``covariate_shifts.json``, made by ``python -m gait covariate-shifts``) come from the two
people of the shared development set (S13, S14: bags, coats, walks at an angle, session 2);
they are statistics, not recordings. Training adds, for each covariate, a copy of every
training cycle moved by a random share of its shift (:func:`shifted_copies`), so the network
learns to identify a walker whose parameters move as they do in a coat, with a bag or at an
angle, which the enrolment clips never show.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gait.walk.parameters import parameters_for_view

SHIFTS_FILE = Path(__file__).with_name("covariate_shifts.json")
Shifts = Mapping[str, Mapping[str, float]]
"""Covariate (``"bag"``, ``"coat"``, ``"angle"``) -> parameter name -> shift, in the
parameter's unit."""


def estimate_shifts(normal: pd.DataFrame, covariates: pd.DataFrame, view: str
                    ) -> tuple[dict[str, dict[str, float]], list[str]]:
    """The shift of every covariate of ``covariates`` against ``normal``.

    Parameters
    ----------
    normal, covariates : DataFrame
        Per-cycle rows (:class:`gait.walk.features.FeatureTable` frames) of one view: normal
        walks, and walks with a covariate (``condition`` column), of the same people on the
        same day.
    view : {"side", "front"}

    Returns
    -------
    shifts : dict
        Covariate -> parameter -> mean over people of their median shift (parameters no
        person has on both sides are left out).
    people : list of str
        The people the shifts come from (in both tables).

    Raises
    ------
    ValueError
        When no person is in both tables.
    """
    names = [p.name for p in parameters_for_view(view)
             if p.name in normal.columns and p.name in covariates.columns]
    people = sorted(set(normal["subject"]) & set(covariates["subject"]))
    if not people:
        raise ValueError("no person has both normal walks and walks with a covariate")
    shifts: dict[str, dict[str, float]] = {}
    for condition, rows in covariates.groupby("condition"):
        per_person = [rows.loc[rows["subject"] == s, names].median()
                      - normal.loc[normal["subject"] == s, names].median()
                      for s in people if (rows["subject"] == s).any()]
        mean = pd.concat(per_person, axis=1).mean(axis=1, skipna=True).dropna()
        shifts[str(condition)] = {k: round(float(v), 6) for k, v in mean.items()}
    return shifts, people


def shifted_copies(frame: pd.DataFrame, shifts: Shifts, largest: float,
                   rng: np.random.Generator) -> pd.DataFrame:
    """One copy of ``frame`` per covariate, every cycle moved by a share of its shift.

    Parameters
    ----------
    frame : DataFrame
        Per-cycle rows (a feature table's frame).
    shifts : mapping
        See :data:`Shifts`; parameters missing from ``frame`` are ignored.
    largest : float
        Largest multiple of a shift; each cycle's is drawn uniformly in ``[0, largest]``.
    rng : numpy.random.Generator

    Returns
    -------
    DataFrame
        ``len(shifts) * len(frame)`` rows with ``frame``'s columns (empty for ``largest``
        <= 0 or no shift); NaN stays NaN.
    """
    if largest <= 0 or not shifts or frame.empty:
        return frame.iloc[:0]
    copies = []
    for condition in sorted(shifts):
        names = [n for n in shifts[condition] if n in frame.columns]
        delta = np.array([shifts[condition][n] for n in names])
        copy = frame.copy()
        share = rng.uniform(0.0, largest, size=(len(frame), 1))
        copy[names] = frame[names].to_numpy(dtype=np.float64) + share * delta[None, :]
        copies.append(copy)
    return pd.concat(copies, ignore_index=True)


@functools.cache
def _shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHIFTS_FILE.read_text())
    return data


@functools.cache
def shipped_sha256() -> str:
    """SHA-256 of :data:`SHIFTS_FILE`, recorded with every model trained on its shifts."""
    return hashlib.sha256(SHIFTS_FILE.read_bytes()).hexdigest()


def shipped_shifts(view: str) -> Shifts:
    """The shifts shipped with gait-ID for ``view`` (see the module docstring)."""
    views: dict[str, Shifts] = _shipped()["views"]
    return views.get(view, {})


def shifts_document(shifts_by_view: Mapping[str, Shifts], people: Mapping[str, list[str]],
                    source: str) -> dict[str, Any]:
    """The JSON document of :data:`SHIFTS_FILE`."""
    return {"format": "gait-ID covariate shifts 1", "source": source,
            "people": {v: list(p) for v, p in people.items()},
            "views": {v: {c: dict(s) for c, s in shifts.items()}
                      for v, shifts in shifts_by_view.items()}}
