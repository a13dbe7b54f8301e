"""The Keras identification network: its layers and how it is built (not trained).

``Input -> feature scaling (per walking direction, fitted on the training cycles) ->
n_members x ([Dense ReLU -> Dropout] x k -> Dense softmax) -> mean`` (output ``suspects``),
and, with ``robust_members``, as many towers again on the clothing-robust parameters alone
(output ``suspects_robust``). The towers of a kind are one stack of batched layers
(:func:`_tower_stack`); for training, every tower's output is kept apart, so that each learns
on its own loss.
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
# Layer-name prefixes of the two stacks of towers: every parameter, the clothing-robust ones.
WHOLE, ROBUST = "member", "robust"
# Training steps run per call into the compiled graph: more than an epoch of the shared data's
# batches, so that an epoch is one call (the same updates; side-view training 54 s -> 41 s).
STEPS_PER_EXECUTION = 64


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

    if np.ndim(mean) == 2:
        n_groups = mean.shape[0]
        inputs = keras.Input(shape=(n_features + n_groups,), name="features")
        x = direction_scaling_layer()(n_features, n_groups, name="scaling")(inputs)
    else:
        inputs = keras.Input(shape=(n_features,), name="features")
        x = keras.layers.Normalization(mean=mean, variance=np.maximum(variance, 1e-12),
                                       name="scaling")(inputs)
    if settings.robust_members and not robust_columns:
        raise ValueError("robust towers need the columns of the clothing-robust features")
    stacks = {WHOLE: _tower_stack(x, n_features, settings.n_members, n_classes, settings,
                                  WHOLE)}
    if settings.robust_members:
        robust = feature_selection_layer()(list(robust_columns), name="robust_features")(x)
        stacks[ROBUST] = _tower_stack(robust, len(robust_columns), settings.robust_members,
                                      n_classes, settings, ROBUST)
    means = {SUSPECTS: keras.layers.GlobalAveragePooling1D(name=SUSPECTS)(stacks[WHOLE])}
    if ROBUST in stacks:
        means[SUSPECTS_ROBUST] = keras.layers.GlobalAveragePooling1D(name=SUSPECTS_ROBUST)(
            stacks[ROBUST])
    network = keras.Model(inputs, means if len(means) > 1 else means[SUSPECTS],
                          name="gait_identification")
    if np.ndim(mean) == 2:
        set_direction_scaling(network, mean, variance)
    return network


def set_direction_scaling(network: Any, mean: np.ndarray, variance: np.ndarray) -> None:
    """Give a network of per-direction feature scaling (:func:`make_model`) its statistics.

    Parameters
    ----------
    network : keras.Model
    mean, variance : ndarray, shape (n_groups, n_features)
    """
    network.get_layer("scaling").set_weights(
        [np.asarray(mean, np.float32),
         (1.0 / np.sqrt(np.maximum(variance, 1e-12))).astype(np.float32)])


def _tower_stack(x: Any, n_in: int, n_towers: int, n_classes: int, settings: ModelSettings,
                 group: str) -> Any:
    """``n_towers`` independent towers on the same input ``x`` (batch, n_in), computed as one
    batched layer per depth; output every tower's softmax, shape (batch, n_towers, n_classes).

    Each tower's kernels start Glorot-uniform over its own fan-in and fan-out, each has its
    own dropout masks, and the L2 penalty of a stacked kernel is the sum of its towers': the
    towers are what separate Dense layers would be, in a graph a tenth the size (tracing the
    graph of separate layers took a third of a 60-epoch side-view training).
    """
    import keras

    regulariser = keras.regularizers.L2(settings.l2)
    width, equation = n_in, "bi,tiu->btu"  # every tower reads the same input
    for i, units in enumerate((*settings.hidden_units, n_classes)):
        last = i == len(settings.hidden_units)
        limit = float(np.sqrt(6.0 / (width + units)))
        x = keras.layers.EinsumDense(
            equation, output_shape=(n_towers, units), bias_axes="tu",
            activation="softmax" if last else "relu",
            kernel_initializer=keras.initializers.RandomUniform(-limit, limit),
            kernel_regularizer=None if last else regulariser,
            name=f"{group}_suspects" if last else f"{group}_hidden_{i}")(x)
        if not last:
            x = keras.layers.Dropout(settings.dropout, seed=settings.seed + i,
                                     name=f"{group}_dropout_{i}")(x)
        width, equation = units, "bti,tiu->btu"
    return x


def training_model(network: Any, settings: ModelSettings) -> Any:
    """Every tower's output, shape (batch, n_towers, n_suspects), for training each tower on
    its own loss (the labels are repeated per tower); shares ``network``'s layers."""
    import keras

    stacks = [network.get_layer(f"{group}_suspects").output
              for group in (WHOLE, ROBUST)[: 2 if settings.robust_members else 1]]
    outputs = (keras.layers.Concatenate(axis=1, name="towers")(stacks) if len(stacks) > 1
               else stacks[0])
    model = keras.Model(network.inputs, outputs, name="gait_identification_training")
    loss = (smoothed_crossentropy(settings.label_smoothing) if settings.label_smoothing
            else "sparse_categorical_crossentropy")
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate),
                  loss=loss, metrics=["accuracy"],
                  steps_per_execution=STEPS_PER_EXECUTION)
    return model


def smoothed_crossentropy(label_smoothing: float) -> Any:
    """Cross-entropy of every tower against smoothed targets: ``1 - ε + ε / K`` for the
    suspect and ``ε / K`` for each of the other ``K - 1`` (Keras's ``label_smoothing``, on
    integer labels).

    The returned loss takes ``y_true`` of shape (batch, n_towers), integer suspect indices,
    and ``y_pred`` of shape (batch, n_towers, K), each tower's softmax, and gives the loss
    per cycle and tower, shape (batch, n_towers), in nats.
    """
    import keras
    from keras import ops

    def loss(y_true: Any, y_pred: Any) -> Any:
        one_hot = ops.one_hot(ops.cast(y_true, "int32"), ops.shape(y_pred)[-1])
        return keras.losses.categorical_crossentropy(one_hot, y_pred,
                                                     label_smoothing=label_smoothing)

    return loss
