"""The Keras identification network: its layers and how it is built (not trained).

``Input -> feature scaling (per walking direction, fitted on the training cycles) ->
n_members x ([Dense ReLU -> Dropout] x k -> Dense softmax) -> mean``; for training, the
members' outputs are stacked so that each member learns on its own loss.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import numpy as np

from gait.identification.settings import ModelSettings

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DIRECTIONS = ("left", "right", "front", "back")


@functools.cache
def direction_scaling_layer() -> type:
    """The Keras layer class that standardises features per walking direction.

    Its input is ``[features, one-hot direction]``, shape (batch, n_features + n_groups); its
    output ``(features - mean[group]) / std[group]``, shape (batch, n_features). The
    statistics are non-trainable weights saved with the network; the last group holds the
    pooled statistics (used for a direction the model was not trained on).
    """
    import keras
    from keras import ops

    @keras.saving.register_keras_serializable(package="gait")
    class DirectionScaling(keras.layers.Layer):  # type: ignore[misc]
        def __init__(self, n_features: int, n_groups: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.n_features = int(n_features)
            self.n_groups = int(n_groups)
            self.mean = self.add_weight(shape=(self.n_groups, self.n_features),
                                        initializer="zeros", trainable=False, name="mean")
            self.inverse_std = self.add_weight(shape=(self.n_groups, self.n_features),
                                               initializer="ones", trainable=False,
                                               name="inverse_std")

        def call(self, inputs: Any) -> Any:
            x = inputs[:, : self.n_features]
            group = inputs[:, self.n_features :]
            return (x - ops.matmul(group, self.mean)) * ops.matmul(group, self.inverse_std)

        def compute_output_shape(self, input_shape: Any) -> tuple[Any, int]:
            return (input_shape[0], self.n_features)

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "n_features": self.n_features,
                    "n_groups": self.n_groups}

    return DirectionScaling


def direction_statistics(x: np.ndarray, directions: np.ndarray, groups: list[str]
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Per-direction feature means and standard deviations, pooled ones last.

    Parameters
    ----------
    x : ndarray, shape (n_cycles, n_features)
    directions : ndarray of str, shape (n_cycles,)
    groups : list of str
        The directions to give statistics for (a direction with fewer than 2 cycles
        gets the pooled ones).

    Returns
    -------
    mean, std : ndarray, shape (len(groups) + 1, n_features)
    """
    pooled_mean, pooled_std = x.mean(axis=0), x.std(axis=0)
    means, stds = [], []
    for group in groups:
        rows = x[directions == group]
        if rows.shape[0] >= 2:
            means.append(rows.mean(axis=0))
            stds.append(rows.std(axis=0))
        else:
            means.append(pooled_mean)
            stds.append(pooled_std)
    means.append(pooled_mean)
    stds.append(pooled_std)
    # A feature nearly constant within one direction must not be blown up: a direction's
    # spread counts as at least half the pooled one; constant features are not divided by 0.
    floor = np.maximum(0.5 * pooled_std, 1e-6 * (np.abs(pooled_mean) + 1.0))
    return np.vstack(means), np.maximum(np.vstack(stds), floor)


def make_model(n_features: int, n_classes: int, settings: ModelSettings,
               mean: np.ndarray, variance: np.ndarray) -> Any:
    """Build (not train) the network; the feature scaling is its first layer.

    Parameters
    ----------
    n_features, n_classes : int
    settings : ModelSettings
    mean, variance : ndarray, shape (n_features,) or (n_groups, n_features)
        Feature scaling fitted on the training cycles. Two-dimensional: per-direction
        statistics (see :func:`direction_scaling_layer`); the input then has ``n_groups``
        one-hot direction columns after the features.
    """
    import keras

    regulariser = keras.regularizers.L2(settings.l2)
    if np.ndim(mean) == 2:
        n_groups = mean.shape[0]
        inputs = keras.Input(shape=(n_features + n_groups,), name="features")
        scaling = direction_scaling_layer()(n_features, n_groups, name="scaling")
        x = scaling(inputs)
        scaling.set_weights([np.asarray(mean, np.float32),
                             (1.0 / np.sqrt(np.maximum(variance, 1e-12))).astype(np.float32)])
    else:
        inputs = keras.Input(shape=(n_features,), name="features")
        x = keras.layers.Normalization(mean=mean, variance=np.maximum(variance, 1e-12),
                                       name="scaling")(inputs)
    scaled = x
    members = []
    for m in range(settings.n_members):
        x = scaled
        for i, units in enumerate(settings.hidden_units):
            x = keras.layers.Dense(units, activation="relu", kernel_regularizer=regulariser,
                                   name=f"member_{m}_hidden_{i}")(x)
            x = keras.layers.Dropout(settings.dropout, seed=settings.seed + 100 * m + i,
                                     name=f"member_{m}_dropout_{i}")(x)
        members.append(keras.layers.Dense(n_classes, activation="softmax",
                                          name=f"member_{m}_suspects")(x))
    outputs = (keras.layers.Average(name="suspects")(members) if len(members) > 1
               else keras.layers.Identity(name="suspects")(members[0]))
    return keras.Model(inputs, outputs, name="gait_identification")


def training_model(network: Any, settings: ModelSettings) -> Any:
    """The members' outputs stacked, shape (batch, n_members, n_suspects), for training each
    member on its own loss (the labels are repeated per member); shares ``network``'s layers."""
    import keras

    members = [network.get_layer(f"member_{m}_suspects").output
               for m in range(settings.n_members)]
    n_classes = members[0].shape[-1]
    stacked = keras.layers.Concatenate(axis=1, name="members")(
        [keras.layers.Reshape((1, n_classes))(out) for out in members])
    model = keras.Model(network.inputs, stacked, name="gait_identification_training")
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
