"""Plotly figures of keypoints, gait events, parameters, training and identifications.

Pure functions from engine objects to ``plotly.graph_objects.Figure``: the dashboard shows
them, tests inspect them, nothing here depends on Streamlit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from gait.media import landmarks as lm
from gait.media.keypoints import KeypointSequence
from gait.walk.cycles import FEET, GaitAnalysis

FOOT_COLOURS = {"left": "#1f77b4", "right": "#d62728"}
TRAJECTORY_LANDMARKS = ("left_hip", "left_knee", "left_ankle", "left_heel",
                        "right_hip", "right_knee", "right_ankle", "right_heel")


def styled(fig: go.Figure, title: str, height_px: int = 380) -> go.Figure:
    fig.update_layout(title=title, height=height_px, margin={"l": 50, "r": 20, "t": 50, "b": 40},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def trajectories_figure(sequence: KeypointSequence,
                        landmark_names: Sequence[str] = TRAJECTORY_LANDMARKS) -> go.Figure:
    """Image coordinates of chosen landmarks over time.

    Parameters
    ----------
    sequence : KeypointSequence
        Raw landmarks; frames without a person show as gaps.
    landmark_names : sequence of str
        Names from :data:`gait.media.landmarks.LANDMARK_NAMES`.

    Returns
    -------
    Figure
        Two rows sharing the time axis (s): x and y in frame widths / frame heights
        (y grows downwards, as in the image).
    """
    unknown = [n for n in landmark_names if n not in lm.LANDMARK_NAMES]
    if unknown:
        raise ValueError(f"unknown landmark names: {', '.join(unknown)}")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    time_s = sequence.time_s
    for name in landmark_names:
        index = lm.LANDMARK_NAMES.index(name)
        colour = FOOT_COLOURS["left"] if name.startswith("left") else FOOT_COLOURS["right"]
        for row, axis in ((1, 0), (2, 1)):
            fig.add_trace(go.Scatter(x=time_s, y=sequence.xyzv[:, index, axis], mode="lines",
                                     name=name, legendgroup=name, showlegend=row == 1,
                                     line={"color": colour, "width": 1.5},
                                     hovertemplate=f"{name}<br>%{{x:.2f}} s: %{{y:.3f}}"),
                          row=row, col=1)
    fig.update_yaxes(title_text="x (frame widths)", row=1, col=1)
    fig.update_yaxes(title_text="y (frame heights)", autorange="reversed", row=2, col=1)
    fig.update_xaxes(title_text="time (s)", row=2, col=1)
    return styled(fig, "Landmark trajectories", 480)


def events_figure(analysis: GaitAnalysis) -> go.Figure:
    """Gait-event timeline: each foot's position along the walk with its events and cycles.

    Parameters
    ----------
    analysis : GaitAnalysis

    Returns
    -------
    Figure
        Foot positions (body lengths, relative to the pelvis) against time (s); heel strikes
        as triangles, toe-offs as circles; every gait cycle as a shaded band labelled with
        its foot (a half cycle over the step it was made from).
    """
    fig = go.Figure()
    for walk, events in zip(analysis.walks, analysis.events, strict=True):
        for foot in FEET:
            colour = FOOT_COLOURS[foot]
            ap = events.ap_position_bl[foot]
            fig.add_trace(go.Scatter(x=walk.time_s, y=ap, mode="lines", name=f"{foot} foot",
                                     legendgroup=foot, line={"color": colour}))
            for times, symbol, label in ((events.heel_strike_s[foot], "triangle-down",
                                          "heel strike"),
                                         (events.toe_off_s[foot], "circle-open", "toe off")):
                if len(times) == 0:
                    continue
                fig.add_trace(go.Scatter(
                    x=times, y=np.interp(times, walk.time_s, ap), mode="markers",
                    name=f"{foot} {label}", legendgroup=foot,
                    marker={"symbol": symbol, "size": 11, "color": colour}))
    for number, cycle in enumerate(analysis.cycles, start=1):
        # A half cycle is shown over the step it was made from (its second half is mirrored).
        end_s = cycle.contra_heel_strike_s if cycle.from_step else cycle.end_s
        kind = "half cycle" if cycle.from_step else "cycle"
        fig.add_vrect(x0=cycle.start_s, x1=end_s, fillcolor=FOOT_COLOURS[cycle.foot],
                      opacity=0.07 if number % 2 else 0.14, line_width=0,
                      annotation_text=f"{kind} {number} ({cycle.foot})",
                      annotation_position="top left", annotation_font_size=10)
    fig.update_xaxes(title_text="time (s)")
    fig.update_yaxes(title_text="foot position along the walk (body lengths)")
    title = "Gait events and cycles"
    if not analysis.sufficient:
        title += f": {analysis.insufficient_reason}"
    return styled(fig, title, 420)


def cycle_values_figure(frame: pd.DataFrame, name: str, unit: str) -> go.Figure:
    """One parameter across the cycles of a clip (bars coloured by the cycle's foot).

    Parameters
    ----------
    frame : DataFrame
        Per-cycle parameters with a ``foot`` column and the column ``name``.
    name, unit : str
        Parameter name and unit in words.
    """
    fig = go.Figure(go.Bar(
        x=[f"cycle {i + 1}" for i in range(len(frame))], y=frame[name],
        marker_color=[FOOT_COLOURS.get(f, "grey") for f in frame.get("foot", [])],
        hovertemplate="%{x}: %{y:.3g}"))
    fig.update_yaxes(title_text=unit)
    return styled(fig, f"{name} per cycle (blue: left foot, red: right foot)", 320)


def distribution_figure(frame: pd.DataFrame, name: str, unit: str, group: str = "suspect",
                        kind: str = "box", highlight: Mapping[str, float] | None = None
                        ) -> go.Figure:
    """A parameter's distribution per group (e.g. per suspect) as box or violin plots.

    Parameters
    ----------
    frame : DataFrame
        One row per cycle with the columns ``group`` and ``name``.
    name, unit : str
    group : str
        Column to group by.
    kind : {"box", "violin"}
    highlight : mapping of str to float, optional
        Extra horizontal reference lines, e.g. ``{"evidence": 0.41}``.
    """
    if kind not in ("box", "violin"):
        raise ValueError("kind must be 'box' or 'violin'")
    fig = go.Figure()
    for label, rows in frame.groupby(group, sort=True):
        values = rows[name].dropna()
        if kind == "box":
            fig.add_trace(go.Box(y=values, name=str(label), boxpoints="all", jitter=0.3,
                                 pointpos=0, marker_size=3))
        else:
            fig.add_trace(go.Violin(y=values, name=str(label), box_visible=True,
                                    meanline_visible=True, points="all", pointpos=0,
                                    marker_size=3))
    for label, value in (highlight or {}).items():
        fig.add_hline(y=value, line_dash="dash", annotation_text=label)
    fig.update_yaxes(title_text=unit)
    fig.update_xaxes(type="category")
    fig.update_layout(showlegend=False)
    return styled(fig, f"{name} by {group}", 420)


def profile_figure(z_scores: pd.Series, title: str) -> go.Figure:
    """Horizontal bars of standardised scores (e.g. a suspect against the whole case).

    Parameters
    ----------
    z_scores : Series
        Index: parameter names; values: standard scores (dimensionless).
    title : str
    """
    z = z_scores.dropna().sort_values()
    fig = go.Figure(go.Bar(x=z.to_numpy(), y=z.index.tolist(), orientation="h",
                           marker_color=np.where(z.to_numpy() >= 0, "#2ca02c", "#9467bd"),
                           hovertemplate="%{y}: %{x:.2f} SD"))
    fig.update_xaxes(title_text="standard deviations from the case median")
    fig.update_yaxes(type="category")
    return styled(fig, title, max(300, 14 * len(z) + 80))


def training_figure(history: Mapping[str, Sequence[float]]) -> go.Figure:
    """Loss and accuracy per epoch, training and validation.

    Parameters
    ----------
    history : mapping of str to sequence of float
        Keras ``History.history`` layout: any of ``loss, accuracy, val_loss, val_accuracy``,
        one value per epoch.
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=("loss", "accuracy"))
    for col, metric in ((1, "loss"), (2, "accuracy")):
        for key, dash in ((metric, "solid"), (f"val_{metric}", "dot")):
            values = list(history.get(key, []))
            if values:
                fig.add_trace(go.Scatter(x=np.arange(1, len(values) + 1), y=values,
                                         mode="lines", name=key, line={"dash": dash}),
                              row=1, col=col)
        fig.update_xaxes(title_text="epoch", row=1, col=col)
    return styled(fig, "Training curves", 340)


def confusion_figure(labels: Sequence[str], counts: Any) -> go.Figure:
    """Confusion matrix heat map (rows: true suspect, columns: predicted suspect).

    Parameters
    ----------
    labels : sequence of str, length n
    counts : array-like, shape (n, n)
        Clip counts.
    """
    matrix = np.asarray(counts, dtype=float)
    if matrix.shape != (len(labels), len(labels)):
        raise ValueError(f"counts must have shape ({len(labels)}, {len(labels)})")
    fig = go.Figure(go.Heatmap(z=matrix, x=list(labels), y=list(labels), colorscale="Blues",
                               hovertemplate="true %{y}<br>named %{x}: %{z:.0f} clips"))
    fig.update_xaxes(title_text="named suspect", type="category")
    fig.update_yaxes(title_text="true suspect", autorange="reversed", type="category")
    size = max(360, 22 * len(labels) + 160)
    return styled(fig, "Confusion matrix (6-fold, clips)", size)


def ranking_figure(ranking: Sequence[tuple[str, float]], top_n: int = 10) -> go.Figure:
    """Fused score of the best-ranked suspects (the scores of all suspects sum to 1).

    Parameters
    ----------
    ranking : sequence of (suspect, score)
        Best first.
    top_n : int
    """
    shown = list(ranking)[:top_n][::-1]
    fig = go.Figure(go.Bar(x=[s for _, s in shown], y=[n for n, _ in shown], orientation="h",
                           hovertemplate="%{y}: %{x:.3f}"))
    fig.update_xaxes(title_text="fused score", range=[0, 1])
    fig.update_yaxes(type="category")
    return styled(fig, "Ranking of the suspects", max(260, 28 * len(shown) + 90))


def votes_figure(votes: Sequence[str]) -> go.Figure:
    """How many gait cycles of the evidence each suspect won.

    Parameters
    ----------
    votes : sequence of str
        The best suspect of every cycle.
    """
    counts = Counter(votes).most_common()
    fig = go.Figure(go.Bar(x=[n for n, _ in counts], y=[c for _, c in counts]))
    fig.update_yaxes(title_text="cycles", dtick=1)
    fig.update_xaxes(type="category")
    return styled(fig, f"Per-cycle votes ({len(votes)} cycles)", 300)


def comparison_figure(comparison: pd.DataFrame, value: str = "standardised_difference",
                      label: str = "parameter", top_n: int = 12) -> go.Figure:
    """Standardised evidence-minus-suspect differences of the parameters that differ most.

    Parameters
    ----------
    comparison : DataFrame
        One row per parameter with the columns ``label`` and ``value``.
    value, label : str
    top_n : int
    """
    rows = comparison.dropna(subset=[value])
    rows = rows.reindex(rows[value].abs().sort_values(ascending=False).index).head(top_n)
    rows = rows.iloc[::-1]
    fig = go.Figure(go.Bar(x=rows[value], y=rows[label], orientation="h",
                           hovertemplate="%{y}: %{x:.2f} SD"))
    fig.update_xaxes(title_text="evidence − suspect (suspect's standard deviations)")
    fig.update_yaxes(type="category")
    return styled(fig, "Parameters that differ most", max(280, 26 * len(rows) + 90))
