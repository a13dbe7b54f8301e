"""Plotly figures of likelihood ratios: what a verdict rests on, and how a model's LRs were
validated (Tippett and empirical cross-entropy plots).

Pure functions from numbers to ``plotly.graph_objects.Figure``; nothing here depends on
Streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from gait.identification.likelihood import VERBAL_SCALE, empirical_cross_entropy, tippett
from ui.plots import styled

HP_COLOUR, HD_COLOUR = "#2ca02c", "#d62728"


def lr_ranking_figure(log10_lrs: Sequence[tuple[str, float]], name_at_lr: float | None,
                      top_n: int = 10) -> go.Figure:
    """Every ranked suspect's log10 LR, bars to the right supporting Hp (the suspect is the
    person) and to the left Hd, with the ENFSI verbal bands and the naming threshold.

    Parameters
    ----------
    log10_lrs : sequence of (suspect, log10 LR)
        In ranking order, best first.
    name_at_lr : float or None
        The LR at or above which the top-ranked suspect is named.
    top_n : int
    """
    shown = list(log10_lrs)[:top_n][::-1]
    values = [v for _, v in shown]
    fig = go.Figure(go.Bar(
        x=values, y=[n for n, _ in shown], orientation="h",
        marker_color=[HP_COLOUR if v > 0 else HD_COLOUR for v in values],
        customdata=[f"{10.0 ** v:.3g}" for v in values],
        hovertemplate="%{y}: log10 LR %{x:.2f} (LR %{customdata})<extra></extra>"))
    reach = max(3.0, float(np.ceil(max(abs(v) for v in values) + 0.5)) if values else 3.0)
    for upper, _ in VERBAL_SCALE[:-1]:
        if upper < reach:
            for side in (-1, 1):
                fig.add_vline(x=side * upper, line_dash="dot", line_color="#bbbbbb")
    if name_at_lr is not None:
        fig.add_vline(x=float(np.log10(name_at_lr)), line_color="#333333",
                      annotation_text=f"names a suspect: LR {name_at_lr:g}",
                      annotation_position="top")
    fig.add_vline(x=0.0, line_color="#666666")
    fig.update_xaxes(title_text="log10 LR  (left: supports Hd, someone else; right: supports "
                                "Hp, this suspect)", range=[-reach, reach], zeroline=False)
    fig.update_yaxes(type="category")
    return styled(fig, "Likelihood ratio of each ranked suspect",
                   max(280, 28 * len(shown) + 110))


def tippett_figure(log10_lrs: Sequence[float], hp: Sequence[int], title: str = "Tippett plot"
                   ) -> go.Figure:
    """Share of comparisons with log10 LR at or above each value, for Hp-true and Hd-true
    comparisons (Tippett plot)."""
    llrs, labels = np.asarray(log10_lrs, dtype=float), np.asarray(hp, dtype=int)
    curves = tippett(llrs, labels)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=curves["log10_lr"], y=curves["hp"], line_color=HP_COLOUR,
                             name=f"Hp true ({int(labels.sum())} comparisons)"))
    fig.add_trace(go.Scatter(x=curves["log10_lr"], y=curves["hd"], line_color=HD_COLOUR,
                             name=f"Hd true ({int((1 - labels).sum())} comparisons)"))
    fig.add_vline(x=0.0, line_dash="dot", line_color="#666666")
    fig.update_xaxes(title_text="log10 LR")
    fig.update_yaxes(title_text="share with log10 LR ≥ x", range=[0, 1.02])
    return styled(fig, title, 360)


def ece_figure(log10_lrs: Sequence[float], hp: Sequence[int],
               title: str = "Empirical cross-entropy") -> go.Figure:
    """ECE against the prior log10 odds: the LRs, after PAV calibration (the best that their
    discrimination allows), and an uninformative system (LR 1 always)."""
    curves = empirical_cross_entropy(np.asarray(log10_lrs, dtype=float),
                                     np.asarray(hp, dtype=int))
    x = curves["log10_prior_odds"]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=curves["lrs"], name="LRs", line_color="#1f77b4"))
    fig.add_trace(go.Scatter(x=x, y=curves["pav"], name="after PAV (calibrated)",
                             line={"color": "#1f77b4", "dash": "dash"}))
    fig.add_trace(go.Scatter(x=x, y=curves["reference"], name="LR 1 (uninformative)",
                             line={"color": "#888888", "dash": "dot"}))
    fig.update_xaxes(title_text="prior log10 odds")
    fig.update_yaxes(title_text="empirical cross-entropy (bits)", rangemode="tozero")
    return styled(fig, title, 360)
