"""Training the identification network on a feature table (no open-set calibration).

Each member of the network is trained with sparse categorical cross-entropy, Adam and fixed
seeds; early stopping on held-out *clips* (never on cycles of a clip seen in training) chooses
the number of epochs, and a fresh network is then trained on every clip for that many
(:func:`train_network`). Training cycles are augmented with copies of the training clips seen
by a randomly turned, rolled and stretched camera and played slightly faster or slower
(:mod:`gait.walk.augmentation`). After training, a verification layer (whitening of the
towers' last hidden layers and one template per suspect, :mod:`gait.identification.verification`)
is added as a second output for the open-set decision.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gait.identification.model import GaitModel, ModelError, software_versions
from gait.identification.network import (
    DIRECTIONS,
    direction_statistics,
    make_model,
    set_direction_scaling,
    training_model,
)
from gait.identification.outline import OutlineStatistics
from gait.identification.settings import ModelSettings
from gait.identification.verification import (
    ROBUST_VERIFICATION_LAYER,
    VERIFICATION_LAYER,
    fit_verifier,
    hidden_model,
    with_verification,
)
from gait.walk.covariate_shift import shipped_sha256
from gait.walk.features import FeatureTable, feature_names

EpochCallback = Callable[[int, Mapping[str, float]], None]


def _validation_clips(table: FeatureTable, fraction: float, seed: int) -> set[str]:
    """A per-suspect random share of clips for early stopping (suspects with >= 2 clips)."""
    rng = np.random.default_rng(seed)
    chosen: set[str] = set()
    if fraction <= 0:
        return chosen
    for _, clips in table.frame.groupby("subject")["clip_id"]:
        unique = sorted(clips.unique())
        if len(unique) >= 2:
            k = max(1, round(fraction * len(unique)))
            chosen.update(rng.choice(unique, size=min(k, len(unique) - 1), replace=False))
    return chosen


def train_network(
    table: FeatureTable,
    settings: ModelSettings | None = None,
    on_epoch: EpochCallback | None = None,
    epochs: int | None = None,
) -> GaitModel:
    """Train the network on every cycle of ``table`` (no open-set calibration).

    Two stages (Goodfellow, Bengio and Courville, *Deep Learning*, 2016, algorithm 7.2):
    early stopping on held-out clips (``settings.validation_clip_fraction`` of each
    suspect's clips) chooses the number of epochs; the network is then trained anew, with
    the same seed, on *every* clip for that many epochs: with six clips a suspect, the clip held
    out for early stopping is a sixth of what the network could learn from. On the shared data
    (enrolled on session 1, rank-1 on session 2, mean of 8 seeds) this second stage raised
    side 92.5 % -> 95.4 % (range 83-97 % -> 93-97 %; open-set equal error rate 14.4 % ->
    11.5 %) and front 68.5 % -> 71.5 %.

    Parameters
    ----------
    table : FeatureTable
        Training cycles; the suspects are its subjects.
    settings : ModelSettings, optional
    on_epoch : callable, optional
        Called after every epoch as ``on_epoch(epoch, logs)`` (loss, accuracy, and in the
        first stage val_loss, val_accuracy; ``logs["refit"]`` is 1.0 in the second stage, with
        ``logs["epochs"]`` its number of epochs), e.g. to draw live curves.
    epochs : int, optional
        Skip the first stage and train on every clip for this many epochs (also what
        happens when ``validation_clip_fraction`` is 0, for ``max_epochs``).

    Raises
    ------
    ModelError
        If there are fewer than two suspects or no cycles.
    """
    settings = settings or ModelSettings.for_view(table.view)
    suspects = table.subjects
    if len(suspects) < 2:
        raise ModelError(
            f"training needs at least two suspects with gait cycles, got {len(suspects)}")
    names = feature_names(table.view, settings.with_visibility, identifying_only=True)
    robust = set(settings.robust_names(table.view))
    robust_columns = tuple(i for i, name in enumerate(names) if name in robust)
    raw = table.matrix(names)
    # A parameter never measured in these clips (e.g. one that needs world landmarks) is 0.
    measured = ~np.isnan(raw).all(axis=0)
    impute = np.zeros(raw.shape[1])
    impute[measured] = np.nanmedian(raw[:, measured], axis=0)
    label_of = {s: i for i, s in enumerate(suspects)}
    extra = table.augmented(settings.augment())
    x, x_extra = (np.where(np.isnan(r), impute[None, :], r).astype(np.float32)
                  for r in (raw, extra[names].to_numpy(dtype=np.float64)))
    y, y_extra = (f["subject"].map(label_of).to_numpy(np.int32) for f in (table.frame, extra))
    walked, walked_extra = (f["direction"].astype(str).to_numpy() for f in (table.frame, extra))
    clip_of = table.frame["clip_id"].to_numpy()
    clip_of_extra = extra["clip_id"].to_numpy()

    def fit(held_out: set[str], n_epochs: int, refit: bool) -> _Fit:
        # Augmented copies of held-out clips are left out of training too.
        held = list(held_out)
        keep_extra = ~np.isin(clip_of_extra, held)
        return _fit(
            np.vstack([x, x_extra[keep_extra]]),
            np.concatenate([y, y_extra[keep_extra]]),
            np.concatenate([walked, walked_extra[keep_extra]]),
            np.concatenate([np.isin(clip_of, held), np.zeros(int(keep_extra.sum()), bool)]),
            len(suspects), settings, n_epochs, robust_columns,
            None if on_epoch is None else _staged(on_epoch, refit, n_epochs))

    started = time.perf_counter()
    val_clips: set[str] = set()
    history: dict[str, list[float]] = {}
    if epochs is None:
        val_clips = _validation_clips(table, settings.validation_clip_fraction, settings.seed)
        epochs = settings.max_epochs
        if val_clips:
            history = fit(val_clips, settings.max_epochs, refit=False).history
            epochs = int(np.argmin(history["val_loss"])) + 1
    if epochs < 1:
        raise ModelError(f"epochs must be at least 1, got {epochs}")
    final = fit(set(), epochs, refit=bool(val_clips))
    # Verification (gait.identification.verification): whitening and templates from the real
    # training cycles (all of them, augmented copies left out), of the whole-body towers and
    # of the clothing-robust ones.
    verifiers = {}
    for name, of_robust in ((VERIFICATION_LAYER, False), (ROBUST_VERIFICATION_LAYER, True)):
        if of_robust and not settings.robust_members:
            continue
        hidden = hidden_model(final.network, settings, of_robust)
        verifiers[name] = (hidden, fit_verifier(
            np.asarray(hidden(final.x[: len(x)], training=False)), y, len(suspects)))
    return GaitModel(
        network=with_verification(final.network, verifiers),
        view=table.view,
        suspects=suspects,
        feature_names=names,
        impute_values=impute,
        settings=settings,
        directions=final.directions,
        metadata={
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "versions": software_versions(),
            "training_data": {
                "fingerprint_sha256": table.fingerprint(),
                "n_cycles": len(table.frame),
                "n_augmented_cycles": len(extra),
                **({"covariate_shifts_sha256": shipped_sha256()}
                   if settings.augment_covariate_shift > 0 else {}),
                "n_clips": int(table.frame["clip_id"].nunique()),
                "epochs_chosen_on_clips": sorted(val_clips),
            },
            "epochs": epochs,
            "history": history or final.history,  # with validation curves when there are
            "history_final": final.history,
            "training_seconds": time.perf_counter() - started,
            "outline": OutlineStatistics.fit(table.frame, suspects).to_dict(),
        },
    )


@dataclass(frozen=True)
class _Fit:
    """One fitted network with its (scaled) inputs and per-epoch history."""

    network: Any
    x: np.ndarray
    directions: list[str]
    history: dict[str, list[float]]


def _staged(on_epoch: EpochCallback, refit: bool, n_epochs: int) -> EpochCallback:
    """``on_epoch`` with the stage added to the logs (see :func:`train_network`)."""
    if not refit:
        return on_epoch
    return lambda epoch, logs: on_epoch(epoch, {**logs, "refit": 1.0, "epochs": float(n_epochs)})


def _fit(x: np.ndarray, y: np.ndarray, walked: np.ndarray, is_val: np.ndarray,
         n_suspects: int, settings: ModelSettings, n_epochs: int,
         robust_columns: tuple[int, ...], on_epoch: EpochCallback | None) -> _Fit:
    """Build (or reset, see :func:`_network_and_trainer`) and train one network on the rows of
    ``x`` not in ``is_val``, for ``n_epochs`` epochs or until the loss on the ``is_val`` rows
    stops improving (when there are any).

    ``x`` (n, n_features) holds imputed features; the one-hot direction columns are added
    here, and the returned ``_Fit.x`` has them.
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(settings.seed)
    directions: list[str] = []
    n_features = x.shape[1]
    if settings.direction_scaling:
        directions = [d for d in DIRECTIONS if np.sum((walked == d) & ~is_val) >= 2]
        mean, std = direction_statistics(x[~is_val], walked[~is_val], directions)
        index = {d: i for i, d in enumerate(directions)}
        codes = np.array([index.get(d, len(directions)) for d in walked], int)
        x = np.hstack([x, np.eye(len(directions) + 1, dtype=np.float32)[codes]])
        scaling = (mean, std**2)
    else:
        scaling = (x[~is_val].mean(axis=0), x[~is_val].var(axis=0))
    network, trainer, kept = _network_and_trainer(n_features, n_suspects, settings, *scaling,
                                                  robust_columns)
    repeat = settings.n_members + settings.robust_members
    train_x, train_y = x[~is_val], y[~is_val]
    # tf.data pipelines: about half the per-epoch overhead of fitting on NumPy arrays.
    train_data = (
        tf.data.Dataset.from_tensor_slices(
            (train_x, np.repeat(train_y[:, None], repeat, axis=1)))
        .shuffle(len(train_x), seed=settings.seed, reshuffle_each_iteration=True)
        .batch(settings.batch_size)
    )
    callbacks: list[Any] = []
    validation = None
    if is_val.any():
        validation = tf.data.Dataset.from_tensor_slices(
            (x[is_val], np.repeat(y[is_val][:, None], repeat, axis=1))).batch(4096)
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=settings.patience_epochs, restore_best_weights=True))
    if on_epoch is not None:
        callbacks.append(keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: on_epoch(epoch, dict(logs or {}))))
    history = trainer.fit(train_data, validation_data=validation, epochs=n_epochs,
                          shuffle=False, verbose=0, callbacks=callbacks)  # shuffled above
    if kept:  # the next fit resets the kept network: return a copy of this one
        trained = network
        network = keras.models.clone_model(trained)
        network.set_weights(trained.get_weights())
    return _Fit(network, x, directions,
                {k: [float(v) for v in vals] for k, vals in history.history.items()})


@dataclass(frozen=True)
class _Kept:
    """A compiled network kept for the next fit of the same shape and settings, with the
    values its variables and its optimiser's had when it was built."""

    key: tuple[Any, ...]
    network: Any
    trainer: Any
    network_values: list[np.ndarray]
    optimizer_values: list[np.ndarray]


# One kept network per thread (two dashboard sessions may train at once).
_KEPT = threading.local()


def _network_and_trainer(n_features: int, n_suspects: int, settings: ModelSettings,
                         mean: np.ndarray, variance: np.ndarray,
                         robust_columns: tuple[int, ...]) -> tuple[Any, Any, bool]:
    """The network (:func:`make_model`) and its compiled training model as a build right after
    ``keras.utils.set_random_seed(settings.seed)`` gives them; and whether they are kept.

    Tracing Keras's training graph for a new network takes seconds, more than the training
    itself on small data, and a model's training fits networks of one shape several times
    (early stopping, the refit on every clip, the calibration folds). With per-direction
    scaling (2-D ``mean``, statistics held in weights) the network of the previous fit in this
    thread, when of the same shape and settings, is reset instead of built again: every
    variable (weights, dropout seed states) and the optimiser's state back to their values
    when it was built, then the new statistics. The same seed gives the same initial values,
    so the fit is the one a new network would give (checked by a test).
    """
    if np.ndim(mean) != 2:  # statistics built into the graph: a new network each time
        network = make_model(n_features, n_suspects, settings, mean, variance,
                             robust_columns=robust_columns)
        return network, training_model(network, settings), False
    key = (settings, n_features, n_suspects, np.shape(mean), robust_columns)
    kept: _Kept | None = getattr(_KEPT, "kept", None)
    if kept is None or kept.key != key:
        network = make_model(n_features, n_suspects, settings, mean, variance,
                             robust_columns=robust_columns)
        trainer = training_model(network, settings)
        trainer.optimizer.build(trainer.trainable_variables)
        _KEPT.kept = _Kept(key, network, trainer, [v.numpy() for v in network.variables],
                           [v.numpy() for v in trainer.optimizer.variables])
        return network, trainer, True
    for variables, values in ((kept.network.variables, kept.network_values),
                              (kept.trainer.optimizer.variables, kept.optimizer_values)):
        for variable, value in zip(variables, values, strict=True):
            variable.assign(value)
    set_direction_scaling(kept.network, mean, variance)
    return kept.network, kept.trainer, True
