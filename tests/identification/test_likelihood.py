"""Known-answer and property tests of the likelihood-ratio layer."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gait.identification.likelihood import (
    LRCalibration,
    cross_validated_log10_lrs,
    elub_bounds,
    empirical_cross_entropy,
    equal_error_rate,
    fit_lr_calibration,
    lr_metrics,
    propositions,
    tippett,
    verbal,
)


def _scores(n_genuine: int = 100, n_impostor: int = 1000, gap: float = 0.8, seed: int = 0
            ) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scores = np.concatenate([rng.normal(gap, 0.1, n_genuine), rng.normal(0.0, 0.1, n_impostor)])
    return scores, np.concatenate([np.ones(n_genuine, int), np.zeros(n_impostor, int)])


def test_well_separated_scores_give_large_lrs_of_the_right_sign():
    scores, labels = _scores()
    calibration = fit_lr_calibration(scores, labels, "whitened_cosine")
    assert calibration.slope > 0
    assert calibration.log10_lr(0.8) > 2.0  # at least "moderately strong support for Hp"
    assert calibration.log10_lr(0.0) < -1.5
    assert calibration.n_genuine == 100 and calibration.n_impostor == 1000


def test_identical_score_sets_give_lr_one():
    rng = np.random.default_rng(1)
    scores = rng.normal(0.3, 0.1, 2000)
    labels = np.arange(2000) % 2
    calibration = fit_lr_calibration(scores, labels, "whitened_cosine")
    assert np.abs(calibration.log10_lr(np.linspace(0.0, 0.6, 7))).max() < 0.1


def test_elub_caps_the_lr_at_what_the_data_support():
    scores, labels = _scores(n_genuine=20, n_impostor=50, gap=5.0)
    calibration = fit_lr_calibration(scores, labels, "whitened_cosine")
    # never beyond log10(n + 1) of the other proposition's comparisons
    assert 0 < calibration.upper_log10 <= np.log10(51) + 0.01
    assert -np.log10(21) - 0.01 <= calibration.lower_log10 < 0
    assert calibration.log10_lr(100.0) == pytest.approx(calibration.upper_log10)
    assert calibration.log10_lr(-100.0) == pytest.approx(calibration.lower_log10)


def test_elub_does_not_change_its_input():
    llrs = np.array([-30.0, -1.0, 2.0, 30.0])
    elub_bounds(llrs, np.array([0, 0, 1, 1]))
    assert llrs.tolist() == [-30.0, -1.0, 2.0, 30.0]


def test_cllr_of_a_perfect_system_is_zero_and_of_an_uninformative_one_is_one():
    labels = np.array([1] * 50 + [0] * 50)
    perfect = lr_metrics(np.where(labels == 1, 20.0, -20.0), labels)
    assert perfect["cllr"] == pytest.approx(0.0, abs=1e-6)
    assert perfect["eer"] == 0.0
    assert perfect["misleading_hp"] == perfect["misleading_hd"] == 0.0
    neutral = lr_metrics(np.zeros(100), labels)
    assert neutral["cllr"] == pytest.approx(1.0)
    assert neutral["cllr_cal"] == pytest.approx(0.0, abs=1e-9)


def test_metrics_known_answers():
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0])
    llrs = np.array([2.0, 1.0, 0.5, -1.0, -2.0, -1.0, -0.5, 1.5, -3.0])
    m = lr_metrics(llrs, labels)
    assert m["n_genuine"] == 4 and m["n_impostor"] == 5
    assert m["misleading_hp"] == pytest.approx(1 / 4)
    assert m["misleading_hd"] == pytest.approx(1 / 5)
    assert m["log10_lr_range"] == [-3.0, 2.0]
    assert (m["max_log10_lr_hd"], m["min_log10_lr_hp"]) == (1.5, -1.0)
    expected = 0.5 * (np.mean(np.log2(1 + 10.0 ** -llrs[:4]))
                      + np.mean(np.log2(1 + 10.0 ** llrs[4:])))
    assert m["cllr"] == pytest.approx(expected)
    assert 0 <= m["cllr_min"] <= m["cllr"]


def test_equal_error_rate_of_identical_distributions_is_near_a_half():
    rng = np.random.default_rng(2)
    llrs = rng.normal(size=4000)
    assert equal_error_rate(llrs, np.arange(4000) % 2) == pytest.approx(0.5, abs=0.05)


def test_cross_validation_scores_every_fold_with_a_calibrator_that_did_not_see_it():
    scores, labels = _scores(seed=3)
    folds = np.arange(scores.size) % 4
    llrs = cross_validated_log10_lrs(scores, labels, folds, "whitened_cosine")
    for fold in range(4):
        test = folds == fold
        own = fit_lr_calibration(scores[~test], labels[~test], "whitened_cosine")
        np.testing.assert_allclose(llrs[test], own.log10_lr(scores[test]))


def test_tippett_and_ece_curves():
    scores, labels = _scores(seed=4)
    llrs = fit_lr_calibration(scores, labels, "c").log10_lr(scores)
    curves = tippett(llrs, labels)
    assert curves["hp"][0] == 1.0 and curves["hd"][-1] == 0.0
    assert np.all(np.diff(curves["hp"]) <= 0) and np.all(np.diff(curves["hd"]) <= 0)
    ece = empirical_cross_entropy(llrs, labels)
    middle = int(np.argmin(np.abs(ece["log10_prior_odds"])))
    assert ece["reference"][middle] == pytest.approx(1.0)
    assert ece["lrs"][middle] < 0.3 and ece["pav"][middle] <= ece["lrs"][middle] + 1e-9


@pytest.mark.parametrize(("log10_lr", "words"), [
    (0.0, "no support for either proposition"),
    (0.5, "weak support for Hp"),
    (1.0, "moderate support for Hp"),
    (-1.5, "moderate support for Hd"),
    (2.5, "moderately strong support for Hp"),
    (3.2, "strong support for Hp"),
    (-5.0, "very strong support for Hd"),
    (7.0, "extremely strong support for Hp"),
])
def test_verbal_scale(log10_lr, words):
    assert verbal(log10_lr) == words


def test_propositions_name_the_suspect():
    words = propositions("S14")
    assert words["Hp"].startswith("S14 is the person")
    assert "someone other than S14" in words["Hd"]


def test_bad_calibration_input_is_refused():
    with pytest.raises(ValueError, match="both propositions"):
        fit_lr_calibration(np.zeros(5), np.ones(5), "c")
    with pytest.raises(ValueError, match="finite"):
        fit_lr_calibration(np.array([0.0, np.nan]), np.array([0, 1]), "c")
    with pytest.raises(ValueError, match="enclose"):
        LRCalibration("c", 1.0, 0.0, 0.5, 2.0, 1, 1)


@settings(max_examples=30, deadline=None)
@given(st.floats(-5, 5), st.floats(-5, 5), st.floats(0.1, 3), st.floats(-3, -0.1),
       st.lists(st.floats(-10, 10), min_size=2, max_size=20))
def test_lrs_are_monotone_and_bounded(slope, intercept, upper, lower, scores):
    calibration = LRCalibration("c", slope, intercept, lower, upper, 1, 1)
    ordered = np.sort(np.array(scores))
    llrs = calibration.log10_lr(ordered)
    assert np.all((llrs >= lower) & (llrs <= upper))
    steps = np.diff(llrs)
    assert np.all(steps >= -1e-12) if slope >= 0 else np.all(steps <= 1e-12)
