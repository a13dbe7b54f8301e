"""The Keras identification network: its layers and how it is built (not trained).

``Input -> feature scaling (per walking direction, fitted on the training cycles) ->
n_members x ([Dense ReLU -> Dropout] x k -> Dense softmax) -> mean`` (output ``suspects``),
and, with ``robust_members``, as many towers again on the clothing-robust parameters alone
(output ``suspects_robust``); for training, every tower's output is stacked so that each
learns on its own loss.
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
SUSPECTS = "suspects"
SUSPECTS_ROBUST = "suspects_robust"


def tower_names(settings: ModelSettings, robust: bool | None = None) -> list[str]:
    """Layer-name prefixes of the towers: ``member_<m>`` (every parameter), then
    ``robust_<m>`` (the clothing-robust parameters only); only the latter for
    ``robust=True``, only the former for ``robust=False``."""
    whole = [f"member_{m}" for m in range(settings.n_members)]
    clothing_robust = [f"robust_{m}" for m in range(settings.robust_members)]
    if robust is None:
        return whole + clothing_robust
    return clothing_robust if robust else whole


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


@functools.cache
def feature_selection_layer() -> type:
    """The Keras layer class that passes on a fixed subset of its input's columns.

    Input shape (batch, n_in); output shape (batch, len(columns)), the columns in the given
    order (the clothing-robust towers' view of the scaled features).
    """
    import keras
    from keras import ops

    @keras.saving.register_keras_serializable(package="gait")
    class FeatureSelection(keras.layers.Layer):  # type: ignore[misc]
        def __init__(self, columns: list[int], **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.columns = [int(c) for c in columns]

        def call(self, inputs: Any) -> Any:
            return ops.take(inputs, self.columns, axis=1)

        def compute_output_shape(self, input_shape: Any) -> tuple[Any, int]:
            return (input_shape[0], len(self.columns))

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "columns": self.columns}

    return FeatureSelection


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
               mean: np.ndarray, variance: np.ndarray,
               robust_columns: tuple[int, ...] = ()) -> Any:
    """Build (not train) the network; the feature scaling is its first layer.

    Parameters
    ----------
    n_features, n_classes : int
    settings : ModelSettings
    mean, variance : ndarray, shape (n_features,) or (n_groups, n_features)
        Feature scaling fitted on the training cycles. Two-dimensional: per-direction
        statistics (see :func:`direction_scaling_layer`); the input then has ``n_groups``
        one-hot direction columns after the features.
    robust_columns : tuple of int
        Indices of the clothing-robust features, read by the ``settings.robust_members``
        robust towers (needed when there are any).

    Returns
    -------
    keras.Model
        Output ``suspects`` (mean of the whole-body towers' softmax outputs, shape (batch,
        n_classes)), or with robust towers a dict of it and ``suspects_robust``.
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
    if settings.robust_members and not robust_columns:
        raise ValueError("robust towers need the columns of the clothing-robust features")
    scaled = x
    robust = (feature_selection_layer()(list(robust_columns), name="robust_features")(scaled)
              if settings.robust_members else None)
    towers = []
    robust_names = set(tower_names(settings, robust=True))
    for t, name in enumerate(tower_names(settings)):
        x = robust if name in robust_names else scaled
        for i, units in enumerate(settings.hidden_units):
            x = keras.layers.Dense(units, activation="relu", kernel_regularizer=regulariser,
                                   name=f"{name}_hidden_{i}")(x)
            x = keras.layers.Dropout(settings.dropout, seed=settings.seed + 100 * t + i,
                                     name=f"{name}_dropout_{i}")(x)
        towers.append(keras.layers.Dense(n_classes, activation="softmax",
                                         name=f"{name}_suspects")(x))
    whole = _mean(towers[: settings.n_members], SUSPECTS)
    if not settings.robust_members:
        return keras.Model(inputs, whole, name="gait_identification")
    return keras.Model(inputs, {SUSPECTS: whole,
                                SUSPECTS_ROBUST: _mean(towers[settings.n_members :],
                                                       SUSPECTS_ROBUST)},
                       name="gait_identification")


def _mean(outputs: list[Any], name: str) -> Any:
    import keras

    return (keras.layers.Average(name=name)(outputs) if len(outputs) > 1
            else keras.layers.Identity(name=name)(outputs[0]))


def training_model(network: Any, settings: ModelSettings) -> Any:
    """Every tower's output stacked, shape (batch, n_towers, n_suspects), for training each
    tower on its own loss (the labels are repeated per tower); shares ``network``'s layers."""
    import keras

    members = [network.get_layer(f"{name}_suspects").output for name in tower_names(settings)]
    n_classes = members[0].shape[-1]
    stacked = keras.layers.Concatenate(axis=1, name="members")(
        [keras.layers.Reshape((1, n_classes))(out) for out in members])
    model = keras.Model(network.inputs, stacked, name="gait_identification_training")
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
