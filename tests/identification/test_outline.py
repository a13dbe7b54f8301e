"""Whether a clip's outline differs from a suspect's enrolment: known answers, round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gait.identification.outline import (
    OUTLINE_PARAMETERS,
    SPREAD_FLOOR_FRACTION,
    OutlineStatistics,
    floored_spread,
)

TRUNK, NECK, ARM = "trunk_length_bl", "neck_length_bl", "upper_arm_length_left_bl"


def _enrolment() -> pd.DataFrame:
    """Two suspects whose trunk, neck and upper arm are known: ann (0.30, 0.20, 0.15, each
    spread 0.01), bob (0.40, 0.22, 0.25, spread 0.02)."""
    rows = []
    for name, (trunk, neck, arm), spread in (("ann", (0.30, 0.20, 0.15), 0.01),
                                             ("bob", (0.40, 0.22, 0.25), 0.02)):
        for offset in (-1.0, 1.0):  # two cycles: sample standard deviation spread * sqrt(2)
            d = offset * spread / np.sqrt(2)
            rows.append({"subject": name, TRUNK: trunk + d, NECK: neck + d, ARM: arm + d})
    return pd.DataFrame(rows)


def test_fit_gives_each_suspects_median_and_spread() -> None:
    stats = OutlineStatistics.fit(_enrolment(), ["ann", "bob"])
    assert stats.parameters == (TRUNK, NECK, ARM)  # catalogue order, present ones only
    np.testing.assert_allclose(stats.median, [[0.30, 0.20, 0.15], [0.40, 0.22, 0.25]])
    np.testing.assert_allclose(stats.spread, [[0.01] * 3, [0.02] * 3])


@pytest.mark.parametrize(("trunk", "neck", "arm", "expected"), [
    (0.30, 0.20, 0.15, [False, True]),    # ann exactly; bob's trunk and arm 5 spreads off
    (0.345, 0.245, 0.15, [True, False]),  # ann's trunk and neck 4.5 spreads off; bob's arm only
    (0.345, 0.20, 0.15, [False, False]),  # one proportion off is not enough
    (0.50, 0.30, 0.35, [True, True]),     # a coat unlike anyone's outline
])
def test_two_proportions_beyond_three_spreads_change_the_outline(
        trunk: float, neck: float, arm: float, expected: list[bool]) -> None:
    stats = OutlineStatistics.fit(_enrolment(), ["ann", "bob"])
    clip = pd.DataFrame({TRUNK: [trunk] * 3, NECK: [neck] * 3, ARM: [arm] * 3})
    np.testing.assert_array_equal(stats.changed(clip), expected)


def test_unknown_proportions_never_count() -> None:
    stats = OutlineStatistics.fit(_enrolment(), ["ann", "bob"])
    far = pd.DataFrame({TRUNK: [0.9, 0.9], NECK: [np.nan, np.nan]})  # ARM column missing
    np.testing.assert_array_equal(stats.changed(far), [False, False])
    np.testing.assert_array_equal(stats.changed(far.iloc[:0]), [False, False])


def test_the_spread_is_floored_by_everyones() -> None:
    own = np.array([[1.0, 5.0], [1.0, 7.0]])
    everyone = np.array([[0.0, 0.0], [20.0, 0.0], [1.0, 5.0], [1.0, 7.0]])
    spread = floored_spread(own, everyone)
    assert spread[0] == pytest.approx(SPREAD_FLOOR_FRACTION * np.std(everyone[:, 0], ddof=1))
    assert spread[1] == pytest.approx(np.std([5.0, 7.0], ddof=1))
    assert np.isnan(floored_spread(own[:1], everyone[:1])).all()


def test_round_trip_keeps_unknown_values() -> None:
    frame = _enrolment()
    frame.loc[frame["subject"] == "bob", NECK] = np.nan
    stats = OutlineStatistics.fit(frame, ["ann", "bob", "cat"])  # cat has no cycle
    again = OutlineStatistics.from_dict(stats.to_dict())
    assert again.parameters == stats.parameters
    np.testing.assert_array_equal(again.median, stats.median)
    np.testing.assert_array_equal(again.spread, stats.spread)
    assert np.isnan(again.median[2]).all() and np.isnan(again.median[1, 1])
    with pytest.raises(ValueError, match="do not fit"):
        OutlineStatistics(stats.parameters, stats.median[:, :2], stats.spread)


def test_every_outline_parameter_is_a_catalogue_proportion() -> None:
    from gait.walk.parameters import CATALOGUE

    catalogue = {p.name: p for p in CATALOGUE}
    for name in OUTLINE_PARAMETERS:
        assert catalogue[name].group == "proportion" and not catalogue[name].clothing_robust
