"""The trained per-view identification model: use it, save it, load it.

A saved model is two files side by side: ``NAME.keras`` (the network) and ``NAME.json``
(suspects, feature names, imputation values, settings, software versions, a fingerprint of
the training data, the suspects' enrolment outlines, the likelihood calibration). Nothing is
pickled. The network is built by :mod:`gait.identification.network` and trained by
:mod:`gait.identification.training`.
"""

from __future__ import annotations

import functools
import json
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gait import __version__
from gait.identification.network import (
    SUSPECTS,
    SUSPECTS_ROBUST,
    direction_scaling_layer,
    feature_selection_layer,
)
from gait.identification.outline import OutlineStatistics
from gait.identification.settings import ModelSettings
from gait.identification.verification import (
    ROBUST_VERIFICATION_LAYER,
    VERIFICATION_LAYER,
    verification_layer,
)
from gait.media.files import atomic_write
from gait.walk.features import FeatureTable, clip_walk_angle_deg

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

MODEL_FORMAT = "gait-id-model/1"
PROBABILITY_FLOOR = 1e-30
"""Smallest probability whose logarithm is taken (a zero would give -inf)."""


@dataclass(frozen=True)
class TowerOutputs:
    """The network's outputs for some cycles, before the clothing-robust towers are pooled in.

    Attributes
    ----------
    whole : ndarray, shape (n_cycles, n_suspects)
        Mean suspect probabilities of the whole-body towers.
    robust : ndarray, shape (n_cycles, n_suspects), or None
        Mean suspect probabilities of the clothing-robust towers (None without them).
    whitened : ndarray, shape (n_cycles, n_dims), or None
        Whitened descriptions from the whole-body towers
        (:mod:`gait.identification.verification`).
    whitened_robust : ndarray, shape (n_cycles, n_robust_dims), or None
        Whitened descriptions from the clothing-robust towers.
    """

    whole: np.ndarray
    robust: np.ndarray | None = None
    whitened: np.ndarray | None = None
    whitened_robust: np.ndarray | None = None

    def rows(self, index: np.ndarray) -> TowerOutputs:
        """The outputs of the cycles ``index`` (e.g. one clip's)."""
        def take(values: np.ndarray | None) -> np.ndarray | None:
            return None if values is None else values[index]

        return TowerOutputs(self.whole[index], take(self.robust), take(self.whitened),
                            take(self.whitened_robust))


class ModelError(ValueError):
    """A model file is missing, unreadable, or does not fit the data it is given."""


def software_versions() -> dict[str, str]:
    """Versions of the software that makes and reads models."""
    import keras
    import sklearn
    import tensorflow as tf

    return {
        "gait_id": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "scikit_learn": sklearn.__version__,
    }


@dataclass
class GaitModel:
    """A trained network with everything needed to use and trace it.

    Attributes
    ----------
    network : keras.Model
    view : str
    suspects : list of str
        Class index -> suspect name.
    feature_names : list of str
        Input columns, in order.
    impute_values : ndarray, shape (n_features,)
        Training medians used for features a cycle lacks (NaN).
    settings : ModelSettings
    metadata : dict
        Versions, training data fingerprint, history, open-set calibration, ...
    directions : list of str
        Walking directions with their own feature scaling (empty: pooled scaling only). The
        network's input is then the features followed by ``len(directions) + 1`` one-hot
        direction columns, the last one for a direction the model does not know.
    """

    network: Any
    view: str
    suspects: list[str]
    feature_names: list[str]
    impute_values: np.ndarray
    settings: ModelSettings
    metadata: dict[str, Any] = field(default_factory=dict)
    directions: list[str] = field(default_factory=list)

    @property
    def n_inputs(self) -> int:
        """Width of the network's input: features plus one-hot direction columns."""
        return len(self.feature_names) + (len(self.directions) + 1 if self.scales_per_direction
                                          else 0)

    @property
    def scales_per_direction(self) -> bool:
        """Whether the network's input ends with one-hot direction columns (also when no
        walking direction had enough training cycles: then one column, the pooled scaling)."""
        return bool(self.directions) or self.settings.direction_scaling

    def direction_columns(self, directions: Any) -> np.ndarray:
        """One-hot direction columns, shape (n_cycles, len(directions) + 1); unknown -> last."""
        index = {d: i for i, d in enumerate(self.directions)}
        codes = np.array([index.get(str(d), len(self.directions)) for d in directions], int)
        return np.eye(len(self.directions) + 1, dtype=np.float64)[codes].reshape(
            len(codes), len(self.directions) + 1)

    def features_from(self, table: FeatureTable) -> np.ndarray:
        """The model's input matrix for a table, shape (n_cycles, n_inputs), NaN imputed.

        The features in :attr:`feature_names` order, followed by the one-hot walking
        direction (from the table's ``direction`` column) when the model scales per direction.
        """
        if table.view != self.view:
            raise ModelError(f"this is a {self.view}-view model; the clip is {table.view}-view")
        missing = [n for n in self.feature_names if n not in table.frame.columns]
        if missing:
            raise ModelError(
                f"the model's feature schema does not match the data ({len(missing)} features "
                f"missing, e.g. {missing[0]}); retrain the model with this software version"
            )
        x = table.matrix(self.feature_names)
        x = np.where(np.isnan(x), self.impute_values[None, :], x)
        if self.scales_per_direction:
            x = np.hstack([x, self.direction_columns(table.frame["direction"].to_numpy())])
        return x

    def predict_cycles(self, x: np.ndarray) -> np.ndarray:
        """Per-cycle suspect probabilities, shape (n_cycles, n_suspects): the towers pooled as
        for a clip whose outline no suspect's enrolment contradicts (:meth:`pool`).

        ``x`` is :meth:`features_from`'s output; a matrix of the features alone (without the
        direction columns) is scaled with the pooled statistics.
        """
        towers = self.predict_towers(x)
        return self.pool(towers.whole, towers.robust)

    def predict_towers(self, x: np.ndarray) -> TowerOutputs:
        """The network's outputs for ``x`` (:meth:`features_from`'s), before pooling."""
        if x.ndim == 2 and self.scales_per_direction and x.shape[1] == len(self.feature_names):
            x = np.hstack([x, self.direction_columns(["unknown"] * x.shape[0])])
        if x.ndim != 2 or x.shape[1] != self.n_inputs:
            raise ModelError(
                f"expected {len(self.feature_names)} features per cycle, got shape {x.shape}"
            )
        if x.shape[0] == 0:
            def empty(width: int | None) -> np.ndarray | None:
                return None if width is None else np.empty((0, width))

            templates, robust_templates = self.templates, self.robust_templates
            return TowerOutputs(
                np.empty((0, len(self.suspects))),
                empty(len(self.suspects) if self.settings.robust_members else None),
                empty(None if templates is None else templates.shape[1]),
                empty(None if robust_templates is None else robust_templates.shape[1]))
        out = self.network(x.astype(np.float32), training=False)
        if not isinstance(out, dict):
            return TowerOutputs(np.asarray(out, dtype=np.float64))

        def read(name: str) -> np.ndarray | None:
            return np.asarray(out[name], dtype=np.float64) if name in out else None

        whole = read(SUSPECTS)
        assert whole is not None  # every network has it
        return TowerOutputs(whole, read(SUSPECTS_ROBUST), read(VERIFICATION_LAYER),
                            read(ROBUST_VERIFICATION_LAYER))

    def robust_weights(self, outline_changed: np.ndarray | None = None) -> np.ndarray:
        """Weight of the clothing-robust towers in the comparison with each suspect, shape
        (n_suspects,): ``robust_weight``, or ``robust_weight_outline_changed`` where the
        clip's outline differs from the suspect's enrolment (:mod:`gait.identification.outline`);
        0 for a model without them."""
        n = len(self.suspects)
        if not self.settings.robust_members:
            return np.zeros(n)
        changed = (np.zeros(n, bool) if outline_changed is None
                   else np.asarray(outline_changed, dtype=bool))
        return np.where(changed, self.settings.robust_weight_outline_changed,
                        self.settings.robust_weight)

    def pool(self, whole: np.ndarray, robust: np.ndarray | None,
             outline_changed: np.ndarray | None = None) -> np.ndarray:
        """One clip's per-cycle suspect probabilities from the two kinds of towers.

        Log-linear pooling: for suspect *s*, ``p_s ~ whole_s ** (1 - w_s) * robust_s ** w_s``,
        renormalised over the suspects of every cycle, ``w_s`` from :meth:`robust_weights`:
        where a coat or a bag has moved the proportions and angles the whole-body towers rest
        on, the comparison with that suspect leans on the legs, the feet and the timing.

        Parameters
        ----------
        whole, robust : ndarray, shape (n_cycles, n_suspects)
            :meth:`predict_towers`' outputs; ``whole`` is returned as it is when ``robust``
            is None.
        outline_changed : ndarray of bool, shape (n_suspects,), optional

        Returns
        -------
        ndarray, shape (n_cycles, n_suspects)
            Rows sum to 1.
        """
        if robust is None or whole.shape[0] == 0:
            return whole
        weight = self.robust_weights(outline_changed)[None, :]
        log_p = ((1 - weight) * np.log(np.maximum(whole, PROBABILITY_FLOOR))
                 + weight * np.log(np.maximum(robust, PROBABILITY_FLOOR)))
        log_p -= log_p.max(axis=1, keepdims=True)
        pooled = np.exp(log_p)
        return np.asarray(pooled / pooled.sum(axis=1, keepdims=True))

    @functools.cached_property
    def outline(self) -> OutlineStatistics | None:
        """The suspects' enrolment outline statistics (None for a model saved before them)."""
        data = self.metadata.get("outline")
        return OutlineStatistics.from_dict(data) if data else None

    def outline_changed(self, clip: pd.DataFrame) -> np.ndarray | None:
        """Whether one clip's outline (its cycles' rows) differs from each suspect's
        enrolment, shape (n_suspects,); None for a model without outline statistics."""
        outline = self.outline
        return None if outline is None else outline.changed(clip)

    def off_axis(self, clip: pd.DataFrame) -> bool:
        """Whether one clip's walk (the median over its cycles' rows) is more than
        ``settings.off_axis_robust_deg`` off the camera's axis, for a model with
        clothing-robust towers (see :class:`ModelSettings`)."""
        limit = self.settings.off_axis_robust_deg
        return bool(limit and self.settings.robust_members
                    and clip_walk_angle_deg(clip) > limit)

    @functools.cached_property
    def templates(self) -> np.ndarray | None:
        """Suspect templates of the whole-body towers' verification layer, shape (n_suspects,
        n_dims), or None for a model saved before it had one (read once: the network is never
        changed)."""
        return self._templates(VERIFICATION_LAYER)

    @functools.cached_property
    def robust_templates(self) -> np.ndarray | None:
        """Suspect templates of the clothing-robust towers' verification layer, or None."""
        return self._templates(ROBUST_VERIFICATION_LAYER)

    def _templates(self, name: str) -> np.ndarray | None:
        try:
            layer = self.network.get_layer(name)
        except ValueError:
            return None
        return np.asarray(layer.templates.numpy(), dtype=np.float64)

    @property
    def n_suspect_outputs(self) -> int | None:
        """Width of the network's suspect-probability output (None if unknown)."""
        try:
            return int(self.network.get_layer(SUSPECTS).output.shape[-1])
        except (ValueError, AttributeError, TypeError):
            return None

    def save(self, path: str | os.PathLike[str]) -> tuple[Path, Path]:
        """Write ``PATH.keras`` and ``PATH.json`` (atomically); return both paths."""
        base = Path(path)
        if base.suffix in (".keras", ".json"):
            base = base.with_suffix("")
        keras_path, json_path = base.with_suffix(".keras"), base.with_suffix(".json")
        keras_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = keras_path.with_name(f".{keras_path.stem}.tmp.keras")
        self.network.save(tmp)
        os.replace(tmp, keras_path)
        meta = {
            **self.metadata,
            "format": MODEL_FORMAT,
            "view": self.view,
            "suspects": self.suspects,
            "feature_names": self.feature_names,
            "impute_values": [float(v) for v in self.impute_values],
            "settings": self.settings.to_dict(),
            "directions": self.directions,
        }
        text = json.dumps(meta, indent=2, sort_keys=True, default=_json_default)
        atomic_write(json_path, lambda handle: handle.write(text.encode("utf-8")))
        return keras_path, json_path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> GaitModel:
        """Read a model saved by :meth:`save` (path with or without its suffix)."""
        import keras

        base = Path(path)
        if base.suffix in (".keras", ".json"):
            base = base.with_suffix("")
        keras_path, json_path = base.with_suffix(".keras"), base.with_suffix(".json")
        if not keras_path.is_file() or not json_path.is_file():
            raise ModelError(f"{base}: needs both {keras_path.name} and {json_path.name}")
        try:
            meta = json.loads(json_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelError(f"{json_path}: not a readable model metadata file") from exc
        if meta.get("format") != MODEL_FORMAT:
            raise ModelError(f"{json_path}: unknown model format {meta.get('format')!r}")
        direction_scaling_layer()  # registers the custom layers before loading
        feature_selection_layer()
        verification_layer()
        try:
            network = keras.saving.load_model(keras_path, compile=False, safe_mode=True)
        except Exception as exc:  # Keras raises many types for a broken archive
            raise ModelError(f"{keras_path}: not a readable Keras model ({exc})") from exc
        return cls(
            network=network,
            view=meta["view"],
            suspects=list(meta["suspects"]),
            feature_names=list(meta["feature_names"]),
            impute_values=np.asarray(meta["impute_values"], dtype=np.float64),
            settings=ModelSettings.from_dict(meta["settings"]),
            metadata={k: v for k, v in meta.items()
                      if k not in ("suspects", "feature_names", "impute_values", "settings",
                                   "directions")},
            directions=list(meta.get("directions", [])),
        )


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
