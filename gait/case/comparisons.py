"""How gait parameters compare: an evidence clip with a suspect, a suspect with the case."""

from __future__ import annotations

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


def outline_change(comparison: pd.DataFrame, suspect: str,
                   robust_weight: float | None = None) -> str | None:
    """A sentence when the evidence's body outline differs from ``suspect``'s enrolment as
    clothing changes it (the rule of :mod:`gait.identification.outline`), else None.

    Parameters
    ----------
    comparison : DataFrame
        :func:`compare_parameters` of the evidence with ``suspect``.
    suspect : str
    robust_weight : float, optional
        The model's ``robust_weight_outline_changed`` when it has clothing-robust towers: the
        sentence then says that the comparison with ``suspect`` leaned on them.
    """
    rows = comparison[comparison[COL_PARAMETER].isin(OUTLINE_PARAMETERS)]
    changed = rows[rows[COL_STD_DIFF].abs() > OUTLINE_SD].sort_values(
        COL_STD_DIFF, key=np.abs, ascending=False)
    if len(changed) < OUTLINE_MIN_CHANGED:
        return None
    listed = ", ".join(f"{r[COL_PARAMETER]} {r[COL_STD_DIFF]:+.1f}"
                       for _, r in changed.head(4).iterrows())
    leaned = ("" if robust_weight is None else
              f" The ranking compared the walk with {suspect} mostly ({robust_weight:.0%}) on "
              "the parameters clothing cannot move (the legs from the knees down, the feet's "
              "timing, the pelvis's travel).")
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
