"""Training, save/load round trip, fusion, open-set decision, schema mismatch."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gait.identification.calibration import train_identifier
from gait.identification.identify import (
    INSUFFICIENT,
    MATCH,
    clip_similarity,
    decide,
    fuse,
    identify_table,
)
from gait.identification.model import GaitModel, ModelError
from gait.identification.settings import ModelSettings
from gait.identification.training import train_network
from gait.pose.synthetic import WalkerStyle, synthetic_walk
from gait.walk.covariate_shift import shipped_sha256
from gait.walk.cycles import analyse_gait
from gait.walk.features import FeatureTable, analysis_features, build_table
from tests.helpers import synthetic_clips

FAST = ModelSettings(hidden_units=(32,), max_epochs=60, patience_epochs=10)
PEOPLE = {
    "ann": WalkerStyle(cadence_steps_per_min=96, thigh_fh=0.18, knee_flex_deg=50),
    "bob": WalkerStyle(cadence_steps_per_min=112, thigh_fh=0.15, arm_swing_deg=30),
    "cat": WalkerStyle(cadence_steps_per_min=104, shank_fh=0.19, hip_swing_deg=28),
    "dan": WalkerStyle(cadence_steps_per_min=120, trunk_fh=0.26, knee_flex_deg=65),
}


def _clips(takes: range, noise: float = 0.002):
    return synthetic_clips(PEOPLE, takes, noise)


@pytest.fixture(scope="module")
def trained() -> GaitModel:
    return train_identifier(build_table(_clips(range(4)), "side"), FAST)


def test_fuse_is_a_normalised_product() -> None:
    probs = np.array([[0.6, 0.4], [0.7, 0.3]])
    fused = fuse(probs)
    expected = np.sqrt(probs.prod(axis=0))
    np.testing.assert_allclose(fused, expected / expected.sum())


def test_the_floor_bounds_what_one_cycle_takes_from_a_suspect() -> None:
    """Known answer: with the floor, a cycle that all but excludes the suspect the other cycles
    agree on costs them at most -ln(floor) / n_cycles of log-score, and they stay first."""
    probs = np.array([[0.95, 0.05], [0.95, 0.05], [0.95, 0.05], [1e-9, 1.0]])
    assert np.argmax(fuse(probs)) == 1  # without a floor the one cycle decides
    fused = fuse(probs, floor=1e-3)
    log_score = (3 * np.log([0.95, 0.05]) + np.log([1e-3, 1.0])) / 4
    expected = np.exp(log_score - log_score.max())
    np.testing.assert_allclose(fused, expected / expected.sum())
    assert np.argmax(fused) == 0


@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(2, 5)),
              elements=st.floats(1e-15, 1.0)),
       st.floats(1e-6, 0.1))
def test_fused_scores_with_a_floor_are_a_distribution_that_ignores_values_below_it(
        probs: np.ndarray, floor: float) -> None:
    fused = fuse(probs, floor)
    assert fused.shape == (probs.shape[1],) and np.all(fused >= 0)
    assert fused.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(fuse(np.maximum(probs, floor), floor), fused)


def test_identifies_synthetic_people(trained: GaitModel) -> None:
    table = build_table(_clips(range(10, 12), noise=0.003), "side")
    for clip_id, rows in table.frame.groupby("clip_id"):
        result = identify_table(trained, FeatureTable("side", rows.reset_index(drop=True)))
        assert result.ranking[0][0] == rows["subject"].iloc[0], clip_id
        assert sum(score for _, score in result.ranking) == pytest.approx(1.0)
    assert "likelihood" in trained.metadata


def test_save_load_round_trip_predicts_identically(trained: GaitModel, tmp_path: Path) -> None:
    keras_path, json_path = trained.save(tmp_path / "side")
    assert keras_path.suffix == ".keras" and json_path.suffix == ".json"
    again = GaitModel.load(tmp_path / "side.keras")
    table = build_table(_clips(range(20, 21)), "side")
    before = trained.predict_towers(trained.features_from(table))
    after = again.predict_towers(again.features_from(table))
    np.testing.assert_array_equal(again.pool(after.whole, after.robust),
                                  trained.pool(before.whole, before.robust))
    np.testing.assert_array_equal(after.whitened, before.whitened)
    np.testing.assert_array_equal(again.templates, trained.templates)
    assert again.metadata["likelihood"] == trained.metadata["likelihood"]


def test_feature_schema_mismatch_is_a_clear_error(trained: GaitModel) -> None:
    table = build_table(_clips(range(1)), "side")
    broken = FeatureTable("side", table.frame)
    object.__setattr__(broken, "frame", table.frame.drop(columns=[trained.feature_names[0]]))
    with pytest.raises(ModelError, match="schema"):
        trained.features_from(broken)
    with pytest.raises(ModelError, match="expected"):
        trained.predict_cycles(np.zeros((2, 3)))


def test_no_cycle_gives_insufficient_gait(trained: GaitModel) -> None:
    short = synthetic_walk(PEOPLE["ann"], duration_s=0.8)
    analysis = analyse_gait(short, "side")
    table = FeatureTable("side", analysis_features(analysis, "short"))
    result = identify_table(trained, table, analysis.insufficient_reason)
    assert result.verdict == INSUFFICIENT and result.suspect is None


OLD_CALIBRATION = {"threshold": 2.0, "target_fpir": 0.05, "platt_slope": 1.0,
                   "platt_intercept": 0.0, "n_genuine": 1, "n_impostor": 1,
                   "measured_fpir": 0.0, "measured_fnir": 0.0, "score": "mean_log_odds"}


def _without_lr(model: GaitModel) -> dict:
    """A model's metadata as saved before likelihood ratios."""
    return {k: v for k, v in model.metadata.items() if k != "likelihood"}


def test_an_old_open_set_calibration_names_the_top_suspect_above_threshold(
        trained: GaitModel) -> None:
    from dataclasses import replace

    trained = replace(trained, metadata={**_without_lr(trained), "open_set": OLD_CALIBRATION})
    n = len(trained.suspects)
    confident = np.full((3, n), 0.001)
    confident[:, 0] = 1 - 0.001 * (n - 1)
    result = decide(trained, confident)
    assert result.verdict == MATCH and result.suspect == trained.suspects[0]
    assert result.calibrated_probability == pytest.approx(confident[0, 0], rel=1e-3)
    flat = decide(trained, np.full((3, n), 1.0 / n))
    assert flat.verdict != MATCH and flat.suspect is None


def test_every_suspect_gets_a_likelihood_ratio_from_its_whitened_cosine(
        trained: GaitModel) -> None:
    from gait.identification.identify import likelihood_of

    likelihood = likelihood_of(trained)
    assert likelihood is not None and likelihood.calibration.score == "whitened_cosine"
    assert likelihood.calibration.slope > 0
    assert len(likelihood.log10_lrs) == likelihood.validation["n_genuine"] + \
        likelihood.validation["n_impostor"]
    table = build_table(_clips(range(10, 11)), "side")
    own = table.select(table.frame["subject"] == "bob")
    towers = trained.predict_towers(trained.features_from(own))
    probabilities = trained.pool(towers.whole, towers.robust)
    similarity = clip_similarity(trained, towers.whitened)
    assert similarity is not None and similarity.shape == (len(trained.suspects),)
    assert trained.suspects[int(np.argmax(similarity))] == "bob"
    result = identify_table(trained, own)
    expected = likelihood.calibration.log10_lr(similarity)
    assert [s for s, _ in result.log10_lrs] == [s for s, _ in result.ranking]
    for suspect, llr in result.log10_lrs:
        assert llr == pytest.approx(expected[trained.suspects.index(suspect)])
    assert result.open_set_score == pytest.approx(result.log10_lrs[0][1])
    assert result.calibrated_probability is None
    summary = result.to_dict()["likelihood"]
    assert summary["top"]["suspect"] == result.ranking[0][0]
    assert summary["propositions"]["Hp"].startswith(result.ranking[0][0])
    assert (result.verdict == MATCH) == (summary["top"]["lr"] >= likelihood.name_at_lr)
    with pytest.raises(ValueError, match="similarities"):
        decide(trained, probabilities)  # likelihood ratios need the similarities


def test_a_model_saved_before_verification_still_identifies(trained: GaitModel,
                                                             tmp_path: Path) -> None:
    """Models saved without the verification output keep their log-odds open-set score."""
    from dataclasses import replace

    import keras

    from gait.identification.identify import open_set_score

    plain = keras.Model(trained.network.input, trained.network.get_layer("suspects").output)
    old = replace(trained, network=plain,
                  metadata={**_without_lr(trained), "open_set": OLD_CALIBRATION})
    old.save(tmp_path / "old")
    old = GaitModel.load(tmp_path / "old")
    table = build_table(_clips(range(10, 11)), "side")
    own = table.select(table.frame["subject"] == "cat")
    assert old.predict_towers(old.features_from(own)).whitened is None and old.templates is None
    probabilities = old.predict_cycles(old.features_from(own))
    np.testing.assert_allclose(probabilities, trained.predict_cycles(trained.features_from(own)),
                               rtol=1e-6)
    result = identify_table(old, own)
    assert result.open_set_score == pytest.approx(open_set_score(probabilities))
    assert result.ranking[0][0] == "cat"


def test_missing_model_files(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="needs both"):
        GaitModel.load(tmp_path / "nothing")


def test_training_needs_two_suspects() -> None:
    table = build_table(_clips(range(2)), "side")
    one = table.select(table.frame["subject"] == "ann")
    with pytest.raises(ModelError, match="two suspects"):
        train_identifier(one, FAST)
    assert isinstance(one.frame, pd.DataFrame)


def test_direction_columns_and_pooled_fallback(trained: GaitModel) -> None:
    """The input carries a one-hot walking direction; without it the pooled scaling is used."""
    table = build_table(_clips(range(10, 11)), "side")
    x = trained.features_from(table)
    assert trained.directions == ["left", "right"]
    assert x.shape[1] == trained.n_inputs == len(trained.feature_names) + 3
    np.testing.assert_array_equal(x[:, -3:].sum(axis=1), 1.0)
    pooled = trained.predict_cycles(x[:, : len(trained.feature_names)])
    assert pooled.shape == (len(x), len(trained.suspects))
    np.testing.assert_allclose(pooled.sum(axis=1), 1.0, rtol=1e-5)
    unknown = trained.direction_columns(["sideways"])
    np.testing.assert_array_equal(unknown, [[0.0, 0.0, 1.0]])


def test_scaling_layer_standardises_per_direction(trained: GaitModel) -> None:
    import keras

    scaling = trained.network.get_layer("scaling")
    mean, inverse_std = (np.asarray(w) for w in scaling.get_weights())
    x = np.zeros((1, trained.n_inputs), np.float32)
    x[0, : len(trained.feature_names)] = mean[1] + 2.0 / inverse_std[1]
    x[0, len(trained.feature_names) + 1] = 1.0  # walking right
    z = np.asarray(keras.Model(trained.network.inputs, scaling.output)({"features": x}))
    np.testing.assert_allclose(z, 2.0, rtol=1e-3)


def test_open_set_score_is_the_mean_log_odds_and_does_not_saturate() -> None:
    from gait.identification.identify import open_set_score

    p = np.array([[0.8, 0.15, 0.05], [0.9, 0.05, 0.05]])
    expected = np.mean([np.log(0.8 / 0.2), np.log(0.9 / 0.1)])
    assert open_set_score(p) == pytest.approx(expected)
    # float32 softmax outputs that round to exactly 1 still order by confidence.
    sure = np.array([[1.0, 1e-9, 1e-9]], dtype=np.float32)
    surer = np.array([[1.0, 1e-12, 1e-12]], dtype=np.float32)
    assert open_set_score(surer) > open_set_score(sure) > 15.0
    assert np.isnan(open_set_score(np.zeros((0, 3))))


def test_early_stopping_chooses_the_epochs_then_every_clip_trains(trained: GaitModel) -> None:
    meta = trained.metadata
    first, final = meta["history"], meta["history_final"]
    assert meta["training_data"]["epochs_chosen_on_clips"]  # held out in the first stage
    assert meta["epochs"] == int(np.argmin(first["val_loss"])) + 1
    assert len(final["loss"]) == meta["epochs"] and "val_loss" not in final
    # The covariate shifts it was trained with (on by default) are traced.
    assert trained.settings.augment_covariate_shift == 1.0
    assert meta["training_data"]["covariate_shifts_sha256"] == shipped_sha256()


def test_fixed_epochs_skip_the_first_stage() -> None:
    seen: list[dict[str, float]] = []
    model = train_network(build_table(_clips(range(3)), "side"), FAST,
                          on_epoch=lambda epoch, logs: seen.append(dict(logs)), epochs=4)
    assert model.metadata["epochs"] == 4 and len(seen) == 4
    assert not model.metadata["training_data"]["epochs_chosen_on_clips"]
    assert "val_loss" not in model.metadata["history"]
    assert not any(logs.get("refit") for logs in seen)


def test_calibration_folds_train_for_the_final_networks_epochs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gait.identification.calibration as identify

    requested: list[int | None] = []
    real = identify.train_network

    def spy(table: FeatureTable, settings: ModelSettings | None = None, on_epoch=None,
            epochs: int | None = None) -> GaitModel:
        requested.append(epochs)
        return real(table, settings, on_epoch, epochs)

    monkeypatch.setattr(identify, "train_network", spy)
    seen: list[dict[str, float]] = []
    model = identify.train_identifier(build_table(_clips(range(4)), "side"), FAST,
                                      on_epoch=lambda epoch, logs: seen.append(dict(logs)))
    epochs = model.metadata["epochs"]
    assert requested == [None] + [epochs] * 4
    # Both stages of the final network reach the progress callback, the second one marked.
    refit = [logs for logs in seen if logs.get("refit")]
    assert len(refit) == epochs and all(logs["epochs"] == epochs for logs in refit)
    assert len(seen) - len(refit) == len(model.metadata["history"]["loss"])


def test_view_settings_widen_only_the_front_towers_and_yield_to_overrides() -> None:
    assert ModelSettings.for_view("side") == ModelSettings(robust_members=5,
                                                         augment_covariate_shift=0.0,
                                                         augment_excursion_damping=0.5)
    front = ModelSettings.for_view("front", seed=3)
    assert front.hidden_units == (128, 64)
    # No clothing-robust towers; a tenth of the training copies' frames drawn turned sideways.
    assert front == ModelSettings(hidden_units=(128, 64), augment_facing_flicker=0.1, seed=3)
    assert ModelSettings.for_view("front", hidden_units=(8,)).hidden_units == (8,)


def test_a_walk_of_one_step_is_identified_at_half_weight(trained: GaitModel) -> None:
    """Bob walks a single step (heel strikes at 0.54 s and 1.07 s of a 1.4 s clip): the half
    cycle names him with half the weight; less than a step is insufficient gait."""
    def identified(duration_s: float):
        walk = synthetic_walk(PEOPLE["bob"], "side", duration_s=duration_s, direction="right",
                              noise_fh=0.002, seed=11, clip_id="bob_short")
        analysis = analyse_gait(walk, "side")
        table = FeatureTable("side", analysis_features(analysis, "bob_short"))
        return identify_table(trained, table, analysis.insufficient_reason), table

    short, table = identified(1.4)
    assert short.evidence_weight == 0.5 and short.to_dict()["evidence_weight"] == 0.5
    assert short.ranking[0][0] == "bob"
    towers = trained.predict_towers(trained.features_from(table))
    at_full_weight = decide(trained, trained.pool(towers.whole, towers.robust), None,
                            clip_similarity(trained, towers.whitened))
    assert short.open_set_score is not None and at_full_weight.open_set_score is not None
    assert short.open_set_score == pytest.approx(0.5 * at_full_weight.open_set_score)
    assert "at weight 0.5: steps only" in short.reason
    none, _ = identified(0.9)
    assert none.verdict == INSUFFICIENT and "step" in none.reason


ROBUST = ModelSettings(hidden_units=(32,), n_members=2, robust_members=2, augment_copies=0,
                       robust_weight=0.25, robust_weight_outline_changed=1.0)


@pytest.fixture(scope="module")
def robust() -> GaitModel:
    return train_network(build_table(_clips(range(4)), "side"), ROBUST, epochs=40)


def test_pooling_leans_on_the_robust_towers_where_the_outline_changed() -> None:
    model = GaitModel(None, "side", ["ann", "bob", "cat"], [], np.zeros(0), ROBUST)
    whole = np.array([[0.7, 0.2, 0.1], [0.5, 0.3, 0.2]])
    robust = np.array([[0.1, 0.6, 0.3], [0.2, 0.2, 0.6]])
    pooled = model.pool(whole, robust, np.array([False, True, False]))
    weight = np.array([0.25, 1.0, 0.25])
    expected = whole ** (1 - weight) * robust ** weight
    np.testing.assert_allclose(pooled, expected / expected.sum(axis=1, keepdims=True))
    unchanged = model.pool(whole, robust)
    expected = whole ** 0.75 * robust ** 0.25
    np.testing.assert_allclose(unchanged, expected / expected.sum(axis=1, keepdims=True))
    assert model.pool(whole, None) is whole  # a model without robust towers


def test_robust_towers_read_only_the_clothing_robust_parameters(robust: GaitModel) -> None:
    from gait.walk.parameters import clothing_robust_names

    table = build_table(_clips(range(10, 11)), "side")
    x = robust.features_from(table)
    outputs = robust.predict_towers(x)
    whole, towers = outputs.whole, outputs.robust
    assert towers is not None and outputs.whitened is not None
    assert outputs.whitened.shape[1] == 2 * 32  # the whole-body towers' last hidden layers
    assert outputs.whitened_robust is not None and outputs.whitened_robust.shape[1] == 2 * 32
    names = robust.feature_names
    covered = names.index("trunk_length_bl")      # a coat moves it: robust towers ignore it
    bare = names.index("wave_ipsi_shank_h1sin_deg")  # below the knee: robust towers read it
    assert names[bare] in clothing_robust_names("side")
    assert names[covered] not in clothing_robust_names("side")
    for column, robust_changes in ((covered, False), (bare, True)):
        moved = x.copy()
        moved[:, column] += 5 * np.std(x[:, column]) + 1.0
        after = robust.predict_towers(moved)
        whole_moved, towers_moved = after.whole, after.robust
        assert not np.allclose(whole_moved, whole, atol=1e-6)
        assert np.allclose(towers_moved, towers, atol=1e-6) != robust_changes


def test_dynamic_robust_towers_read_every_parameter_but_the_proportions() -> None:
    settings = replace(ROBUST, robust_parameters="dynamic")
    model = train_network(build_table(_clips(range(4)), "side"), settings, epochs=2)
    x = model.features_from(build_table(_clips(range(10, 11)), "side"))
    towers = model.predict_towers(x).robust
    names = model.feature_names
    for name, robust_changes in (("trunk_length_bl", False), ("knee_flexion_rom_left_deg", True),
                                 ("shank_length_left_bl", True)):
        moved = x.copy()
        column = names.index(name)
        moved[:, column] += 5 * np.std(x[:, column]) + 1.0
        after = model.predict_towers(moved).robust
        assert np.allclose(after, towers, atol=1e-6) != robust_changes, name


def test_clips_pool_for_their_own_outline(robust: GaitModel, tmp_path: Path) -> None:
    from gait.identification.identify import clip_outputs
    from gait.identification.verification import similarities

    table = build_table(_clips(range(10, 11)), "side")
    frame = table.frame.copy()
    coat = frame["clip_id"] == "ann_10"
    for name in ("trunk_length_bl", "upper_arm_length_left_bl", "forearm_length_left_bl"):
        frame.loc[coat, name] *= 1.5  # the outline of a coat
    coated = FeatureTable("side", frame)
    before = robust.predict_towers(robust.features_from(coated))
    whole, towers = before.whole, before.robust
    outputs = clip_outputs(robust, coated)
    rows = np.flatnonzero(coat.to_numpy())
    coated_clip = outputs["ann_10"]
    assert robust.outline_changed(frame[coat]).all() and coated_clip.outline_changed.all()
    np.testing.assert_allclose(coated_clip.probabilities, towers[rows], rtol=1e-6)  # weight 1
    # Both towers' similarities are kept for the LRs.
    np.testing.assert_allclose(
        coated_clip.robust_similarity,
        similarities(before.whitened_robust[rows], robust.robust_templates), rtol=1e-6)
    np.testing.assert_allclose(coated_clip.similarity,
                               similarities(before.whitened[rows], robust.templates), rtol=1e-6)
    rows = np.flatnonzero((frame["clip_id"] == "bob_10").to_numpy())
    np.testing.assert_allclose(outputs["bob_10"].probabilities,
                               robust.pool(whole[rows], towers[rows],
                                           robust.outline_changed(frame.iloc[rows])))
    # The towers, the outline statistics and the pooling come back from disk.
    robust.save(tmp_path / "robust")
    again = GaitModel.load(tmp_path / "robust")
    after = again.predict_towers(again.features_from(coated))
    np.testing.assert_array_equal(after.robust, towers)
    np.testing.assert_array_equal(after.whitened_robust, before.whitened_robust)
    np.testing.assert_array_equal(again.outline.median, robust.outline.median)
    assert again.settings == robust.settings


def test_a_walk_off_the_camera_s_axis_is_compared_on_the_robust_towers(robust: GaitModel) -> None:
    """A walk 20 degrees off the axis pools every suspect as if the outline had changed (weight
    1 here: the robust towers alone), records the outline as it is, and says so; 5 degrees, or
    a model made before the rule, changes nothing."""
    from gait.identification.identify import clip_outputs

    table = build_table(_clips(range(10, 11)), "side")
    frame = table.frame.copy()
    oblique = frame["clip_id"] == "bob_10"
    frame.loc[oblique, "walk_angle_deg"] = 20.0
    rows = np.flatnonzero(oblique.to_numpy())
    towers = robust.predict_towers(robust.features_from(FeatureTable("side", frame)))
    outputs = clip_outputs(robust, FeatureTable("side", frame))
    bob = outputs["bob_10"]
    outline = robust.outline_changed(frame[oblique])
    assert bob.off_axis and not outline.all()
    np.testing.assert_array_equal(bob.outline_changed, outline)  # recorded as it is
    np.testing.assert_allclose(bob.probabilities, towers.robust[rows], rtol=1e-6)
    assert not outputs["ann_10"].off_axis
    answer = identify_table(robust, FeatureTable("side", frame[oblique]))
    assert answer.off_axis and answer.to_dict()["off_axis"] is True
    assert answer.outline_changed == tuple(np.array(robust.suspects)[outline])
    frame.loc[oblique, "walk_angle_deg"] = 5.0
    assert not robust.off_axis(frame[oblique])
    frame.loc[oblique, "walk_angle_deg"] = 20.0
    before = replace(robust, settings=replace(robust.settings, off_axis_robust_deg=0.0))
    assert not before.off_axis(frame[oblique])


def test_where_the_outline_changed_the_lr_comes_from_the_robust_calibration() -> None:
    from gait.identification.likelihood import LikelihoodCalibration, LRCalibration

    whole = LRCalibration("whitened_cosine", 4.0, -1.0, -2.0, 3.0, 10, 90)
    robust = LRCalibration("whitened_cosine", 2.0, -0.5, -1.5, 2.0, 10, 90)
    likelihood = LikelihoodCalibration(whole, 100.0, {}, (), (), 5, 5, "test", robust)
    scores, robust_scores = np.array([0.5, 0.5, 2.0]), np.array([0.9, 0.9, 0.9])
    np.testing.assert_allclose(
        likelihood.log10_lrs_of(scores, robust_scores, np.array([False, True, True])),
        [1.0, 1.3, 1.3])
    np.testing.assert_allclose(likelihood.log10_lrs_of(scores), [1.0, 1.0, 3.0])  # bounded
    again = LikelihoodCalibration.from_dict(likelihood.to_dict())
    assert again == likelihood
    assert LikelihoodCalibration.from_dict(
        {k: v for k, v in likelihood.to_dict().items() if k != "robust_calibration"}
    ).robust_calibration is None  # a model calibrated before the robust towers


def test_a_robust_model_calibrates_both_kinds_of_similarity(robust: GaitModel) -> None:
    from gait.identification.calibration import calibrate
    from gait.identification.identify import identify_table

    likelihood = calibrate(build_table(_clips(range(8)), "side"), ROBUST, epochs=20)
    assert likelihood.robust_calibration is not None
    assert likelihood.robust_calibration.n_genuine == likelihood.calibration.n_genuine
    model = GaitModel(robust.network, "side", robust.suspects, robust.feature_names,
                      robust.impute_values, robust.settings,
                      {**robust.metadata, "likelihood": likelihood.to_dict()}, robust.directions)
    table = build_table(_clips(range(10, 11)), "side")
    result = identify_table(model, table.select(table.frame["subject"] == "cat"))
    assert result.ranking[0][0] == "cat" and len(result.log10_lrs) == 4
    assert "cat" not in result.outline_changed
    # A coat: the answer records whose outline changed and whose LR the robust towers gave.
    frame = table.frame[table.frame["subject"] == "cat"].copy()
    for name in ("trunk_length_bl", "upper_arm_length_left_bl", "forearm_length_left_bl"):
        frame[name] *= 1.5
    coated = identify_table(model, FeatureTable("side", frame))
    assert "cat" in coated.outline_changed and coated.robust_lrs == coated.outline_changed
    record = coated.to_dict()
    assert "cat" in record["outline_changed"]
    for entry in record["ranking"]:
        assert entry["lr_calibration"] == ("clothing-robust" if entry["suspect"]
                                           in coated.robust_lrs else "whole-body")
