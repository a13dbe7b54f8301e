"""Training: what the network reads; a network kept between fits trains as a new one would."""

from __future__ import annotations

import numpy as np

from gait.identification import training
from gait.identification.settings import ModelSettings
from gait.identification.training import train_network
from gait.pose.synthetic import WalkerStyle
from gait.walk.features import FeatureTable, build_table, feature_names
from tests.helpers import synthetic_clips

SMALL = ModelSettings(hidden_units=(16,), n_members=2, robust_members=1, max_epochs=5)
PEOPLE = {
    "ann": WalkerStyle(cadence_steps_per_min=96, thigh_fh=0.18, knee_flex_deg=50),
    "bob": WalkerStyle(cadence_steps_per_min=112, thigh_fh=0.15, arm_swing_deg=30),
    "cat": WalkerStyle(cadence_steps_per_min=104, shank_fh=0.19, hip_swing_deg=28),
}


def _table(takes: range, view: str = "side") -> FeatureTable:
    return build_table(synthetic_clips(PEOPLE, takes, view=view), view)


def test_the_front_network_reads_no_face_parameter() -> None:
    table = _table(range(2), "front")
    assert table.frame["head_width_bl"].notna().all()  # measured, shown, not read
    model = train_network(table, SMALL, epochs=1)
    assert model.feature_names == feature_names("front", False, identifying_only=True)
    assert "head_width_bl" not in model.feature_names
    assert "eye_distance_bl" not in model.feature_names
    assert model.predict_cycles(model.features_from(table)).shape == (len(table.frame), 3)


def test_a_kept_network_is_reset_to_what_a_new_one_would_be() -> None:
    first_table, other_table = _table(range(2)), _table(range(2, 4))
    vars(training._KEPT).clear()  # a new network for the first fit
    first = train_network(first_table, SMALL, epochs=5)
    kept = training._KEPT.kept
    # Other data of the same shape (other weights, other scaling), then the first data again:
    # both fits reset the kept network, and the second gives what the new network gave.
    other = train_network(other_table, SMALL, epochs=5)
    again = train_network(first_table, SMALL, epochs=5)
    assert training._KEPT.kept is kept  # reset, not built again
    assert first.network is not kept.network and again.network is not first.network
    for before, after in zip(first.network.get_weights(), again.network.get_weights(),
                             strict=True):
        np.testing.assert_array_equal(before, after)
    assert first.metadata["history"] == again.metadata["history"]
    assert any(not np.array_equal(a, b) for a, b in zip(
        first.network.get_weights(), other.network.get_weights(), strict=True))
    # Other settings make a network of their own.
    train_network(first_table, ModelSettings(**{**vars(SMALL), "n_members": 3}), epochs=2)
    assert training._KEPT.kept is not kept
