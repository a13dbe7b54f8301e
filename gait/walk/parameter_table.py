"""The catalogue's parameters for every gait cycle of an analysed clip, with their visibility
scores (:mod:`gait.walk.parameters` defines both)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from gait.walk.cycle_window import cycle_windows
from gait.walk.cycles import GaitAnalysis
from gait.walk.parameters import (
    Compute,
    formula,
    parameters_for_view,
    visibility_column,
    visibility_landmarks,
)
from gait.walk.waveforms import wave_names, wave_values

CYCLE_COLUMNS = ("walk_index", "foot", "start_s", "end_s", "cycle_weight", "walk_angle_deg")


def parameter_values(analysis: GaitAnalysis, *names: str) -> np.ndarray:
    """Some parameters of the catalogue for every gait cycle, without computing the others.

    Parameters
    ----------
    analysis : GaitAnalysis
    *names : str
        Parameters of the analysis's view (:func:`parameters_for_view`).

    Returns
    -------
    ndarray, shape (n_cycles, len(names))
        The values in each parameter's unit, as :func:`cycle_parameters` gives them (NaN where
        a cycle has none).

    Raises
    ------
    KeyError
        When a name is not a parameter of the view.
    """
    known = {p.name for p in parameters_for_view(analysis.view)}
    for name in names:
        if name not in known:
            raise KeyError(f"{name!r} is not a {analysis.view}-view parameter")
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.array([[formula(name)(ctx) for name in names]
                           for ctx in cycle_windows(analysis)], float).reshape(-1, len(names))
    values[~np.isfinite(values)] = np.nan
    return values


def cycle_columns(analysis: GaitAnalysis) -> dict[str, np.ndarray]:
    """The columns of :data:`CYCLE_COLUMNS` for every gait cycle, each of shape (n_cycles,):
    walk index (int64), foot (object), start and end (s), weight (float64), and the walking
    angle of the cycle's walk to the camera's axis (degrees, float64; see
    :attr:`gait.walk.sequence.CleanWalk.walking_angle_deg`)."""
    cycles = analysis.cycles
    walks = analysis.all_walks
    return {
        "walk_index": np.array([c.walk_index for c in cycles], dtype=np.int64),
        "foot": np.array([c.foot for c in cycles], dtype=object),
        "start_s": np.array([c.start_s for c in cycles], dtype=np.float64),
        "end_s": np.array([c.end_s for c in cycles], dtype=np.float64),
        "cycle_weight": np.array([c.weight for c in cycles], dtype=np.float64),
        "walk_angle_deg": np.array([walks[c.walk_index].walking_angle_deg for c in cycles],
                                   dtype=np.float64),
    }


@dataclass(frozen=True)
class _TablePlan:
    """How :func:`cycle_parameter_values` fills a view's row: the columns computed one by one
    (``one_by_one``, with their functions), the waveform descriptors' columns (one block a
    cycle, :func:`gait.walk.waveforms.wave_values`), the distinct landmark sets of the
    visibility scores (``landmark_sets``, shape (n_sets, longest set), each padded with its
    own first landmark) and, per foot starting the cycle, each parameter's set."""

    n_params: int
    one_by_one: np.ndarray
    computes: tuple[Compute, ...]
    waveforms: np.ndarray
    landmark_sets: np.ndarray
    landmark_set_of: dict[str, np.ndarray]


@cache
def _table_plan(view: str) -> _TablePlan:
    params = parameters_for_view(view)
    column = {p.name: k for k, p in enumerate(params)}
    waveforms = [column[name] for name in wave_names(view)]
    one_by_one = sorted(set(range(len(params))) - set(waveforms))
    marks = {foot: [visibility_landmarks(p, foot) for p in params] for foot in ("left", "right")}
    sets = list(dict.fromkeys(marks["left"] + marks["right"]))
    longest = max(len(m) for m in sets)
    padded = np.array([m + (m[0],) * (longest - len(m)) for m in sets])
    set_of = {foot: np.array([sets.index(m) for m in foot_marks])
              for foot, foot_marks in marks.items()}
    return _TablePlan(len(params), np.array(one_by_one),
                      tuple(formula(params[k].name) for k in one_by_one), np.array(waveforms),
                      padded, set_of)


def cycle_parameter_values(analysis: GaitAnalysis) -> np.ndarray:
    """Every applicable parameter, then its visibility score, for every gait cycle.

    Parameters
    ----------
    analysis : GaitAnalysis
        Output of :func:`gait.walk.cycles.analyse_gait`.

    Returns
    -------
    ndarray, shape (n_cycles, 2 * n_parameters)
        The parameters of the view in catalogue order (units in their names), then their
        visibility scores in the same order (0-1: the mean over the cycle of the least
        visible landmark's score); NaN where a value cannot be computed for a cycle (an event
        not found).
    """
    plan = _table_plan(analysis.view)
    values = np.full((len(analysis.cycles), 2 * plan.n_params), np.nan)
    minima: dict[int, np.ndarray] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for row, ctx in enumerate(cycle_windows(analysis)):
            values[row, plan.one_by_one] = [compute(ctx) for compute in plan.computes]
            values[row, plan.waveforms] = wave_values(ctx)
            walk = ctx.cycle.walk_index
            if walk not in minima:  # each landmark set's per-sample minimum, one column each
                # (Fortran order: a column's mean is summed as a 1-D array's is)
                vis = ctx.series.walk.visibility
                minima[walk] = np.asfortranarray(vis[:, plan.landmark_sets].min(axis=2))
            values[row, plan.n_params:] = ctx.window(minima[walk]).mean(axis=0)[
                plan.landmark_set_of[ctx.cycle.foot]]
    values[~np.isfinite(values)] = np.nan
    return values


def cycle_parameters(analysis: GaitAnalysis) -> pd.DataFrame:
    """:func:`cycle_parameter_values` as a table: one row per cycle, the columns
    ``walk_index, foot, start_s, end_s, cycle_weight`` (1, or
    :data:`gait.walk.cycles.HALF_CYCLE_WEIGHT` for a half cycle), ``walk_angle_deg``, then one
    column per parameter of the view (catalogue order, units in the names), then one
    ``<name>__visibility`` column per parameter. Empty (with those columns) when there is no
    cycle."""
    params = parameters_for_view(analysis.view)
    names = [*(p.name for p in params), *(visibility_column(p.name) for p in params)]
    return pd.concat([pd.DataFrame(cycle_columns(analysis)).astype({"foot": object}),
                      pd.DataFrame(cycle_parameter_values(analysis), columns=names)], axis=1)

