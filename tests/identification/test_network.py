"""The network's tower stacks: each tower is what a separate Dense tower would compute."""

from __future__ import annotations

import numpy as np
import pytest

from gait.identification.network import (
    ROBUST,
    SUSPECTS,
    SUSPECTS_ROBUST,
    WHOLE,
    make_model,
    smoothed_crossentropy,
    training_model,
)
from gait.identification.settings import ModelSettings
from gait.identification.verification import hidden_model

N_FEATURES, N_CLASSES = 9, 4
ROBUST_COLUMNS = (1, 4, 7)
SETTINGS = ModelSettings(hidden_units=(6, 5), n_members=3, robust_members=2, seed=7)


@pytest.fixture(scope="module")
def network():
    mean, variance = np.linspace(-1, 1, N_FEATURES), np.linspace(0.5, 2, N_FEATURES)
    return make_model(N_FEATURES, N_CLASSES, SETTINGS, mean, variance,
                      robust_columns=ROBUST_COLUMNS), mean, variance


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _towers_by_hand(network, x_scaled: np.ndarray, group: str, n_towers: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Every tower as a separate Dense tower, in NumPy: (softmax, last hidden) per tower,
    shapes (n_towers, batch, N_CLASSES) and (n_towers, batch, last width)."""
    outputs, hidden = [], []
    for t in range(n_towers):
        h = x_scaled
        for i in range(len(SETTINGS.hidden_units)):
            kernel, bias = network.get_layer(f"{group}_hidden_{i}").get_weights()
            h = _relu(h @ kernel[t] + bias[t])
        kernel, bias = network.get_layer(f"{group}_suspects").get_weights()
        outputs.append(_softmax(h @ kernel[t] + bias[t]))
        hidden.append(h)
    return np.stack(outputs), np.stack(hidden)


def test_every_tower_computes_a_separate_dense_tower(network) -> None:
    model, mean, variance = network
    x = np.random.default_rng(0).normal(size=(11, N_FEATURES)).astype(np.float32)
    scaled = (x - mean) / np.sqrt(variance)
    whole, whole_hidden = _towers_by_hand(model, scaled, WHOLE, SETTINGS.n_members)
    robust, robust_hidden = _towers_by_hand(model, scaled[:, ROBUST_COLUMNS], ROBUST,
                                            SETTINGS.robust_members)
    out = model(x, training=False)
    np.testing.assert_allclose(np.asarray(out[SUSPECTS]), whole.mean(axis=0), atol=1e-5)
    np.testing.assert_allclose(np.asarray(out[SUSPECTS_ROBUST]), robust.mean(axis=0),
                               atol=1e-5)
    stacked = np.asarray(training_model(model, SETTINGS)([x], training=False))
    assert stacked.shape == (11, SETTINGS.n_members + SETTINGS.robust_members, N_CLASSES)
    np.testing.assert_allclose(stacked, np.concatenate([whole, robust]).transpose(1, 0, 2),
                               atol=1e-5)
    # The verification layer's input: the towers' last hidden layers, tower after tower.
    for of_robust, hidden in ((False, whole_hidden), (True, robust_hidden)):
        got = np.asarray(hidden_model(model, SETTINGS, of_robust)(x, training=False))
        np.testing.assert_allclose(got, np.hstack(list(hidden)), atol=1e-5)


def test_each_tower_starts_glorot_uniform_over_its_own_fans(network) -> None:
    model = network[0]
    widths = (N_FEATURES, *SETTINGS.hidden_units, N_CLASSES)
    for i, name in enumerate([f"{WHOLE}_hidden_0", f"{WHOLE}_hidden_1", f"{WHOLE}_suspects"]):
        kernel = model.get_layer(name).get_weights()[0]
        assert kernel.shape == (SETTINGS.n_members, widths[i], widths[i + 1])
        limit = np.sqrt(6.0 / (widths[i] + widths[i + 1]))
        assert np.abs(kernel).max() <= limit
        assert np.abs(kernel).max() > 0.7 * limit  # not the fans of the whole stack
        # Independently drawn towers.
        assert not np.allclose(kernel[0], kernel[1])


def test_dropout_masks_differ_between_towers(network) -> None:
    model = network[0]
    x = np.ones((1, N_FEATURES), np.float32)
    layer = model.get_layer(f"{WHOLE}_dropout_0")
    hidden = np.ones((1, SETTINGS.n_members, SETTINGS.hidden_units[0]), np.float32)
    masks = np.asarray(layer(hidden, training=True))[0] > 0
    assert masks.shape == (SETTINGS.n_members, SETTINGS.hidden_units[0])
    assert len({tuple(m) for m in masks}) > 1
    assert model(x, training=False)[SUSPECTS].shape == (1, N_CLASSES)


@pytest.mark.parametrize("epsilon", [0.0, 0.05, 0.3])
def test_smoothed_crossentropy_is_kerass_label_smoothing_on_integer_labels(epsilon) -> None:
    import keras

    rng = np.random.default_rng(3)
    probabilities = _softmax(rng.normal(size=(6, 3, N_CLASSES)) * 3).astype(np.float32)
    labels = rng.integers(0, N_CLASSES, size=(6, 3))
    got = np.asarray(smoothed_crossentropy(epsilon)(labels, probabilities))
    assert got.shape == (6, 3)
    one_hot = np.eye(N_CLASSES, dtype=np.float32)[labels]
    keras_loss = keras.losses.CategoricalCrossentropy(label_smoothing=epsilon, reduction=None)
    np.testing.assert_allclose(got, np.asarray(keras_loss(one_hot, probabilities)), rtol=1e-5)
    # Known answer, one cycle: -sum(target * log p) with the targets written out.
    target = np.full(N_CLASSES, epsilon / N_CLASSES)
    target[labels[0, 0]] += 1 - epsilon
    assert got[0, 0] == pytest.approx(-np.sum(target * np.log(probabilities[0, 0])), rel=1e-5)
    if epsilon == 0:
        plain = keras.losses.SparseCategoricalCrossentropy(reduction=None)
        np.testing.assert_allclose(got, np.asarray(plain(labels, probabilities)), rtol=1e-5)


def test_the_training_model_trains_towards_smoothed_targets() -> None:
    """With ε > 0 the loss of a perfectly sure right tower is no longer 0."""
    settings = ModelSettings(hidden_units=(6,), n_members=2, seed=7, label_smoothing=0.1)
    model = make_model(N_FEATURES, N_CLASSES, settings, np.zeros(N_FEATURES),
                       np.ones(N_FEATURES))
    trainer = training_model(model, settings)
    sure = np.zeros((1, 2, N_CLASSES), np.float32)
    sure[..., 0] = 1.0
    loss = float(np.mean(trainer.loss(np.zeros((1, 2)), sure)))
    assert loss == pytest.approx(0.1 * (N_CLASSES - 1) / N_CLASSES * -np.log(1e-7), rel=1e-3)
