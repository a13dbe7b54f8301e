"""Whitened cosine verification: known answers, invariances, validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gait.identification.verification import (
    Verifier,
    cohort_normalised,
    fit_verifier,
    similarities,
)


def _clusters(seed: int = 0, n_suspects: int = 4, n_per: int = 30, n_dims: int = 6):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, size=(n_suspects, n_dims))
    labels = np.repeat(np.arange(n_suspects), n_per)
    # Within-suspect spread: large along dimension 0 (a nuisance such as pace), small elsewhere.
    spread = np.full(n_dims, 0.3)
    spread[0] = 5.0
    hidden = centres[labels] + rng.normal(size=(labels.size, n_dims)) * spread
    return hidden, labels, centres


def _whiten(verifier: Verifier, hidden: np.ndarray) -> np.ndarray:
    return (hidden - verifier.mean) @ verifier.whitening


def test_whitening_gives_identity_within_suspect_covariance() -> None:
    hidden, labels, _ = _clusters()
    verifier = fit_verifier(hidden, labels, 4, shrinkage=0.0)
    z = _whiten(verifier, hidden)
    means = np.stack([z[labels == k].mean(axis=0) for k in range(4)])
    residual = z - means[labels]
    within = residual.T @ residual / (len(z) - 4)
    np.testing.assert_allclose(within, np.eye(z.shape[1]), atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(verifier.templates, axis=1), 1.0)


def test_each_suspect_is_most_similar_to_its_own_template() -> None:
    hidden, labels, centres = _clusters()
    verifier = fit_verifier(hidden, labels, 4)
    rng = np.random.default_rng(2)  # new cycles, not the training ones
    for k in range(4):
        cycles = centres[k] + rng.normal(size=(5, 6)) * np.r_[5.0, np.full(5, 0.3)]
        assert int(np.argmax(similarities(_whiten(verifier, cycles), verifier.templates))) == k


def test_nuisance_direction_counts_little() -> None:
    """A shift along the high within-suspect variance direction barely changes the cosine;
    the same shift along a discriminative direction changes it a lot."""
    hidden, labels, centres = _clusters()
    verifier = fit_verifier(hidden, labels, 4, shrinkage=0.0)
    base = centres[0][None, :]
    along_nuisance = base + np.eye(6)[0] * 3.0
    along_identity = base + np.eye(6)[1] * 3.0
    sim = [similarities(_whiten(verifier, c), verifier.templates)[0]
           for c in (base, along_nuisance, along_identity)]
    assert sim[0] - sim[1] < 0.05
    assert sim[0] - sim[2] > 0.3


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.01, 100.0))
def test_similarities_are_invariant_to_affine_maps_of_the_hidden_space(seed: int,
                                                                       scale: float) -> None:
    """Without shrinkage, whitening undoes any invertible affine map of the descriptions."""
    hidden, labels, _ = _clusters(seed=seed % 7)
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(6, 6)) + 3 * np.eye(6)
    b = rng.normal(size=6)
    mapped = scale * (hidden @ a) + b
    clip = hidden[:5]
    v1 = fit_verifier(hidden, labels, 4, shrinkage=0.0)
    v2 = fit_verifier(mapped, labels, 4, shrinkage=0.0)
    np.testing.assert_allclose(
        similarities(_whiten(v1, clip), v1.templates),
        similarities(_whiten(v2, scale * (clip @ a) + b), v2.templates), atol=1e-6)


def test_shrinkage_keeps_constant_dimensions_finite() -> None:
    hidden, labels, _ = _clusters()
    hidden[:, 3] = 0.0  # a dead ReLU unit
    verifier = fit_verifier(hidden, labels, 4)
    assert np.isfinite(verifier.whitening).all()
    sims = similarities(_whiten(verifier, hidden[:3]), verifier.templates)
    assert np.all(np.abs(sims) <= 1 + 1e-9)


def test_no_cycle_gives_nan() -> None:
    assert np.isnan(similarities(np.empty((0, 6)), np.eye(3, 6))).all()


@pytest.mark.parametrize(
    ("hidden", "labels", "n_suspects", "shrinkage", "message"),
    [
        (np.zeros((4, 3)), np.array([0, 0, 1, 1]), 3, 0.1, "every suspect"),
        (np.zeros((4, 3)), np.array([0, 1, 1]), 2, 0.1, "do not fit"),
        (np.zeros((4, 3)), np.array([0, 0, 1, 1]), 2, 1.5, "shrinkage"),
    ],
)
def test_bad_fits_are_refused(hidden: np.ndarray, labels: np.ndarray, n_suspects: int,
                              shrinkage: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit_verifier(hidden, labels, n_suspects, shrinkage)


def test_verifier_validates_shapes_and_values() -> None:
    with pytest.raises(ValueError, match="shapes"):
        Verifier(np.zeros(3), np.eye(2), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        Verifier(np.full(2, np.nan), np.eye(2), np.zeros((2, 2)))


def test_cohort_normalisation_known_answer() -> None:
    """Each suspect against the others' highest similarities: with a cohort of 2, suspect 0
    (0.9) is judged against 0.5 and 0.3 (mean 0.4, std 0.1)."""
    similarity = np.array([0.9, 0.5, 0.3, 0.1])
    got = cohort_normalised(similarity, cohort_size=2)
    np.testing.assert_allclose(got[0], (0.9 - 0.4) / 0.1)
    np.testing.assert_allclose(got[1], (0.5 - 0.6) / 0.3)
    np.testing.assert_allclose(got[3], (0.1 - 0.7) / 0.2)


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.integers(-100, 100), min_size=3, max_size=40, unique=True),
       drop=st.floats(-0.5, 0.0), spread=st.floats(0.3, 1.0))
def test_cohort_normalisation_ignores_a_drop_of_every_similarity(values: list[float],
                                                                 drop: float,
                                                                 spread: float) -> None:
    """A walk that resembles everyone less (every cosine shifted and shrunk alike, as in a
    coat or on another day) keeps its normalised scores."""
    similarity = np.array(values) / 100.0
    np.testing.assert_allclose(cohort_normalised(spread * similarity + drop),
                               cohort_normalised(similarity), rtol=1e-6, atol=1e-6)


def test_cohort_normalisation_needs_a_cohort_and_keeps_a_missing_clip_missing() -> None:
    with pytest.raises(ValueError, match="3 or more suspects"):
        cohort_normalised(np.array([0.2, 0.4]))
    assert np.isnan(cohort_normalised(np.full(5, np.nan))).all()
