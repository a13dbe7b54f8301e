"""Figures of ui.plots: what they draw is what the data says."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gait.pose.synthetic import WalkerStyle, synthetic_walk
from gait.walk.cycles import analyse_gait
from ui import plots


@pytest.fixture(scope="module")
def walk():
    style = WalkerStyle(cadence_steps_per_min=120.0)
    sequence = synthetic_walk(style, view="side", duration_s=6.0)
    return sequence, analyse_gait(sequence, "side")


def test_trajectories_plot_the_raw_coordinates(walk) -> None:
    sequence, _ = walk
    fig = plots.trajectories_figure(sequence, ["left_heel"])
    assert len(fig.data) == 2  # x and y
    np.testing.assert_allclose(fig.data[0].y, sequence.xyzv[:, 29, 0])
    np.testing.assert_allclose(fig.data[1].y, sequence.xyzv[:, 29, 1])
    with pytest.raises(ValueError, match="unknown landmark"):
        plots.trajectories_figure(sequence, ["left_tail"])


def test_events_figure_has_one_band_per_cycle_and_every_heel_strike(walk) -> None:
    _, analysis = walk
    fig = plots.events_figure(analysis)
    bands = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(bands) == len(analysis.cycles) > 0
    strikes = sum(len(t.x) for t in fig.data if "heel strike" in t.name)
    assert strikes == sum(len(e.heel_strike_s[f]) for e in analysis.events
                          for f in ("left", "right"))


def test_a_half_cycle_is_drawn_over_its_step() -> None:
    sequence = synthetic_walk(WalkerStyle(cadence_steps_per_min=100.0), duration_s=1.5)
    analysis = analyse_gait(sequence, "side")
    (cycle,) = analysis.cycles
    (band,) = [s for s in plots.events_figure(analysis).layout.shapes if s.type == "rect"]
    assert cycle.from_step and (band.x0, band.x1) == (cycle.start_s, cycle.contra_heel_strike_s)
    assert band.x1 <= sequence.duration_s


def test_distribution_figure_groups_by_suspect() -> None:
    frame = pd.DataFrame({"suspect": ["a", "a", "b", "b", "b"], "x_bl": [1, 2, 3, 4, np.nan]})
    for kind in ("box", "violin"):
        fig = plots.distribution_figure(frame, "x_bl", "body lengths", kind=kind)
        assert [t.name for t in fig.data] == ["a", "b"]
        assert list(fig.data[1].y) == [3, 4]
    with pytest.raises(ValueError):
        plots.distribution_figure(frame, "x_bl", "body lengths", kind="pie")


def test_confusion_figure_checks_its_shape() -> None:
    fig = plots.confusion_figure(["a", "b"], [[3, 1], [0, 4]])
    assert fig.data[0].z.tolist() == [[3, 1], [0, 4]]
    with pytest.raises(ValueError):
        plots.confusion_figure(["a", "b", "c"], [[3, 1], [0, 4]])


def test_ranking_votes_comparison_and_training_figures() -> None:
    ranking = [("001", 0.7), ("002", 0.2), ("003", 0.1)]
    figure = plots.ranking_figure(ranking, top_n=2)
    assert list(figure.data[0].y) == ["002", "001"]
    assert figure.layout.yaxis.type == "category"  # "001" stays a name, not the number 1
    votes = plots.votes_figure(["a", "a", "b"])
    assert dict(zip(votes.data[0].x, votes.data[0].y, strict=True)) == {"a": 2, "b": 1}
    comparison = pd.DataFrame({"parameter": ["p", "q", "r"],
                               "standardised_difference": [0.1, -3.0, 2.0]})
    bars = plots.comparison_figure(comparison, top_n=2).data[0]
    assert list(bars.y) == ["r", "q"]  # largest |difference| on top
    history = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.8], "val_loss": []}
    assert {t.name for t in plots.training_figure(history).data} == {"loss", "accuracy"}
    assert len(plots.profile_figure(pd.Series({"p": 1.0, "q": np.nan}), "t").data[0].y) == 1
