"""How gait parameters compare: an evidence clip with a suspect, a suspect with the case."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from gait.identification.outline import (
    OUTLINE_MIN_CHANGED,
    OUTLINE_PARAMETERS,
    OUTLINE_SD,
    floored_spread,
)
from gait.walk.parameters import CATALOGUE, parameters_for_view

# Comparison frame columns (identify_clip).
COL_PARAMETER = "parameter"
COL_UNIT = "unit"
COL_GROUP = "group"
COL_EVIDENCE_MEDIAN = "evidence_median"
COL_SUSPECT_MEDIAN = "suspect_median"
COL_SUSPECT_SPREAD = "suspect_spread"
COL_STD_DIFF = "standardised_difference"
COL_N_EVIDENCE = "n_evidence_cycles"
COL_N_SUSPECT = "n_suspect_cycles"
COMPARISON_COLUMNS = (COL_PARAMETER, COL_UNIT, COL_GROUP, COL_EVIDENCE_MEDIAN,
                      COL_SUSPECT_MEDIAN, COL_SUSPECT_SPREAD, COL_STD_DIFF, COL_N_EVIDENCE,
                      COL_N_SUSPECT)


def compare_parameters(evidence: pd.DataFrame, suspect: pd.DataFrame, everyone: pd.DataFrame,
                       view: str) -> pd.DataFrame:
    """Parameter-by-parameter comparison of an evidence clip with a suspect's enrolment.

    Parameters
    ----------
    evidence, suspect, everyone : DataFrame
        Per-cycle rows of the evidence clip, of the suspect's enrolment clips and of every
        enrolment clip of the case (for the spread floor).
    view : {"side", "front"}

    Returns
    -------
    DataFrame
        See :attr:`IdentificationOutcome.comparison`. ``standardised_difference`` =
        (evidence median - suspect median) / suspect spread, where the spread is the
        standard deviation of the suspect's cycles, floored at
        :data:`gait.identification.outline.SPREAD_FLOOR_FRACTION` x the case-wide standard
        deviation.
    """
    rows = []
    for parameter in parameters_for_view(view):
        name = parameter.name
        ev = evidence[name].dropna().to_numpy(float) if name in evidence else np.array([])
        su = suspect[name].dropna().to_numpy(float) if name in suspect else np.array([])
        al = everyone[name].dropna().to_numpy(float) if name in everyone else np.array([])
        ev_median = float(np.median(ev)) if ev.size else np.nan
        su_median = float(np.median(su)) if su.size else np.nan
        spread = float(np.std(su, ddof=1)) if su.size >= 2 else np.nan
        scale = float(floored_spread(su[:, None], al[:, None])[0])
        diff = (ev_median - su_median) / scale if scale and np.isfinite(scale) else np.nan
        rows.append((name, parameter.unit, parameter.group, ev_median, su_median, spread,
                     float(diff), int(ev.size), int(su.size)))
    frame = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
    order = frame[COL_STD_DIFF].abs().sort_values(na_position="last", kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def outline_differences(comparison: pd.DataFrame) -> dict[str, float]:
    """The outline proportions' standardised differences of a :func:`compare_parameters`
    frame, name -> spreads (for a model saved without outline statistics)."""
    rows = comparison[comparison[COL_PARAMETER].isin(OUTLINE_PARAMETERS)]
    return dict(zip(rows[COL_PARAMETER], rows[COL_STD_DIFF].astype(float), strict=True))


def outline_change(differences: Mapping[str, float], suspect: str,
                   robust_weight: float | None = None, robust_lr: bool = False) -> str | None:
    """A sentence when the evidence's body outline differs from ``suspect``'s enrolment as
    clothing changes it (the rule of :mod:`gait.identification.outline`), else None.

    Parameters
    ----------
    differences : mapping of str to float
        The outline proportions' (evidence median - suspect median) / suspect spread:
        :meth:`gait.identification.outline.OutlineStatistics.differences` of the model
        (or :func:`outline_differences`); NaN: unknown.
    suspect : str
    robust_weight : float, optional
        The model's ``robust_weight_outline_changed`` when it has clothing-robust towers: the
        sentence then says what share of the comparison with ``suspect`` they carried.
    robust_lr : bool
        Whether ``suspect``'s LR came from the clothing-robust towers' own calibration.
    """
    changed = sorted(((name, value) for name, value in differences.items()
                      if name in OUTLINE_PARAMETERS and abs(value) > OUTLINE_SD),
                     key=lambda item: -abs(item[1]))
    if len(changed) < OUTLINE_MIN_CHANGED:
        return None
    listed = ", ".join(f"{name} {value:+.1f}" for name, value in changed[:4])
    leaned = ("" if robust_weight is None else
              " In the ranking, the parameters clothing cannot move (the legs from the knees "
              f"down, the feet's timing, the pelvis's travel) carried {robust_weight:.0%} of "
              f"the comparison with {suspect}"
              + (", and its LR comes from a calibration of those parameters alone."
                 if robust_lr else "."))
    return (f"The evidence's body outline differs from {suspect}'s enrolment ({len(changed)} "
            f"proportions by more than {OUTLINE_SD:g} of {suspect}'s spread: {listed}), as a "
            "coat, other clothing or a bag changes it: the identification rests on a changed "
            f"appearance and its LRs for the true person are typically weaker.{leaned}")


def suspect_profile(frame: pd.DataFrame, suspect: str, group: str = "subject") -> pd.DataFrame:
    """How one suspect's gait parameters differ from the whole case.

    Parameters
    ----------
    frame : DataFrame
        Every enrolled cycle of one view (:func:`case_parameters`).
    suspect : str
        Value of the ``group`` column to profile.
    group : str
        Column holding the suspect names.

    Returns
    -------
    DataFrame
        One row per catalogue parameter present in ``frame``: ``parameter, unit, suspect
        median, case median, z vs case`` ((suspect median - case median) / case standard
        deviation; NaN when the parameter does not vary) and ``cycles`` (the suspect's).
    """
    catalogue = {p.name: p for p in CATALOGUE}
    names = [c for c in frame.columns if c in catalogue]
    values = frame[names].astype(float)
    own = values[frame[group] == suspect]
    case_median = values.median()
    spread = values.std().replace(0.0, np.nan)
    return pd.DataFrame({
        "parameter": names,
        "unit": [catalogue[n].unit for n in names],
        "suspect median": own.median().to_numpy(),
        "case median": case_median.to_numpy(),
        "z vs case": ((own.median() - case_median) / spread).to_numpy(),
        "cycles": len(own),
    })


def off_axis_condition(angle_deg: float, limit_deg: float, robust_weight: float) -> str:
    """The sentence for a walk ``angle_deg`` off the camera's axis, beyond the model's
    ``off_axis_robust_deg`` (``limit_deg``), whose ranking compared every suspect on the
    parameters clothing cannot move with weight ``robust_weight``."""
    return (f"The walk is about {angle_deg:.0f} degrees off the camera's axis (more than "
            f"{limit_deg:g}): the projected proportions and angles change with it, so the "
            "ranking compared every suspect as if the outline had changed, the parameters "
            "clothing cannot move (the legs from the knees down, the feet's timing, the "
            f"pelvis's travel) carrying {robust_weight:.0%} of the comparison; the LRs are "
            "those of the whole-body comparison unless the outline changed too.")
