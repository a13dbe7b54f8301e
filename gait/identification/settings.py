"""Network and training settings of the identification model, with their defaults per view.

A :class:`ModelSettings` is recorded in every model's metadata and in the cache key of the
augmented training cycles, so that each result can be traced to how it was made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from gait.walk.augmentation import AugmentSettings
from gait.walk.parameters import clothing_robust_names, not_proportion_names
from gait.walk.quality import OBLIQUE_WALK_DEG

# What the robust towers can read (ModelSettings.robust_parameters) -> their names in a view.
ROBUST_PARAMETERS = {"clothing": clothing_robust_names, "dynamic": not_proportion_names}


@dataclass(frozen=True)
class ModelSettings:
    """Network and training settings (recorded in the model's metadata).

    Attributes
    ----------
    hidden_units : tuple of int
        Width of each hidden Dense ReLU layer (the front view's default is wider: see
        :meth:`for_view`).
    n_members : int
        Independently initialised Dense towers on the shared feature scaling, trained side by
        side (each with its own cross-entropy loss); the network's output is the mean of
        their softmax outputs. Averaging members trained on few clips per suspect makes the
        ranking far less dependent on the random initialisation.
    robust_members : int
        Further towers that read only the clothing-robust parameters
        (:attr:`gait.walk.parameters.Parameter.clothing_robust`: the legs from the knees down,
        the feet's timing, the pelvis's travel; or what ``robust_parameters`` names), trained
        the same way. A coat or a bag moves the landmarks of the shoulders, arms and hips, and
        with them the proportions and angles the whole-body towers rely on most; these towers
        do not see them. See :meth:`for_view` for each view's default.
    robust_parameters : {"clothing", "dynamic"}
        What the robust towers read: the clothing-robust parameters, or every parameter but
        the body proportions a coat can move (:func:`gait.walk.parameters.not_proportion_names`).
        Measured on the front view (``robust_members=5``, seeds 42, 1, 2, 3, against no robust
        towers): rank-1 unchanged (``evidence_normal`` 81.5 % against 81.0 %, the covariates
        of ``evidence_covariates_dev/`` 39.2 % against 40.0 %), Cllr lower in every seed
        (``evidence_normal`` 0.32 against 0.44, covariates 1.28 against 1.60), training twice
        as long; not a default (README, "Bag, coat, angle").
    robust_weight, robust_weight_outline_changed : float
        Weight in [0, 1] of the clothing-robust towers in a cycle's suspect probabilities
        (log-linear pooling, :meth:`gait.identification.model.GaitModel.pool`): for a suspect
        whose enrolment outline the clip shares, and for one whose outline it does not
        (:mod:`gait.identification.outline`: a coat, a bag, other clothing), where the
        whole-body towers' proportions mislead (the side view's; the front view has no robust
        towers). 0.15 and 1.0 since the side view's excursion copies
        (``augment_excursion_damping``), 0.2 and 1.0 before them, 0.3 and 0.8 before that:
        see :meth:`for_view`.
    off_axis_robust_deg : float
        A clip whose walk is more than this many degrees off the camera's axis (the median of
        its cycles' ``walk_angle_deg``) is ranked against *every* suspect as against one whose
        outline it does not share, with ``robust_weight_outline_changed`` (a model with
        clothing-robust towers only; the LRs stay those of the outline rule). Walking at an
        angle changes the projected proportions and angles the whole-body towers lean on.
        0: never (models made before it). The default is the quality card's
        :data:`gait.walk.quality.OBLIQUE_WALK_DEG`; measured in :meth:`for_view`.
    cycle_probability_floor : float
        Least probability in (0, 1) a cycle gives a suspect when a clip's cycles are fused
        (:func:`gait.identification.identify.fuse`): one cycle whose landmarks went astray
        (a hand lost in a coat, a stumble) can then lower a suspect's clip score by at most
        ``-ln(floor) / n_cycles`` nats instead of vetoing them. Models made before it had
        1e-12, in effect none. Measured with the same networks (seeds 42, 1, 2, 3), 1e-12 ->
        1e-3: front ``evidence_covariates_dev/`` 45.0 -> 48.3 %, ``evidence_normal`` 84.0 %
        both; side, with the robust weights, see :meth:`for_view`.
    label_smoothing : float
        ε in [0, 0.5): every tower is trained towards ``1 - ε + ε / K`` for the clip's
        suspect and ``ε / K`` for each of the K - 1 others instead of 1 and 0
        (:func:`gait.identification.network.smoothed_crossentropy`), so that no tower grows
        too sure of any suspect. 0 (the default): plain cross-entropy. Measured on the shared
        data (README, "Label smoothing"): on the side view it carries the covariates and the
        coat and costs another day's normal walks; the training takes longer.
    dropout : float
        Dropout rate after each hidden layer.
    l2 : float
        L2 weight penalty of the Dense layers.
    learning_rate : float
        Adam learning rate.
    batch_size : int
    max_epochs : int
        Most epochs of the first training stage (see :func:`train_network`); the epochs
        trained when there is no first stage.
    patience_epochs : int
        Early stopping: epochs without improvement of the validation loss.
    validation_clip_fraction : float
        Fraction of each suspect's clips held out in the first training stage, where early
        stopping chooses the number of epochs (at least one clip per suspect with two or more
        clips); the final network is then trained on every clip. 0: no first stage.
    with_visibility : bool
        Whether the per-parameter visibility scores are inputs too. Off by default: they
        describe the recording (light, clothes, camera), not the walker, and cost
        identification accuracy on another day's recordings.
    direction_scaling : bool
        Standardise every feature with the mean and standard deviation of the training cycles
        *of the same walking direction* (a direction the model has not seen, or an unknown one,
        uses the pooled statistics). Walking left or right, towards or away from the camera
        shifts many parameters (perspective, the side facing the camera); this removes the
        shift so that a suspect's walk in one direction still matches the other.
    augment_copies : int
        Randomly perturbed copies of every training clip added to the training cycles (see
        :class:`gait.walk.augmentation.AugmentSettings`; needs the table's keypoints). Copies of the
        early-stopping clips are left out.
    augment_rotation_deg, augment_aspect_frac, augment_time_frac : float
        Largest image rotation, height-to-width change and time stretch of a copy. The
        defaults (3 copies, 5 degrees, 10 %, 10 %) were chosen over (2, 3 degrees, 5 %, 5 %) on
        the shared data: side-view rank-1 across sessions 88.3 % -> 93.3 % (mean of seeds 1,
        2, 3, 42); wider ranges (8 degrees, 15 %) gave no more.
    augment_turn_deg : float
        Largest turn (tilt and pan) of the camera for a copy (perspective change). 10 degrees
        against none, same data and seeds: side-view equal error rate of the open-set score
        across sessions 16.3 % -> 12.5 %, rank-1 93.3 % -> 94.2 %; 15 degrees was worse.
    augment_clothing_bl, augment_arm_damping, augment_yaw_deg, augment_hip_drop_bl : float
        Covariates the enrolment clips do not show: a coat's outline (landmark shifts in
        body heights), a bag's or a coat's damped arm swing, walking at an angle (see
        :class:`gait.walk.augmentation.AugmentSettings`). Off by default: none helped on the
        shared data (side view, enrolled on ``enrol/``, seeds 42 and 1; rank-1 across
        sessions / on the covariate clips of ``evidence_covariates_dev/``, against 95.0 % /
        38.3 % without): clothing 0.02 body heights 73.3 % / 46.7 % (coat 0 -> 15 %),
        0.005 (seed 42) 90.0 % / 36.7 %; arm damping 0.8 96.7 % / 33.3 %; body turn 30
        degrees 78.3 % / 11.7 % (MediaPipe's depth is too noisy to turn the body with);
        all three 70.0 % / 18.3 %.
    augment_covariate_shift : float
        Largest multiple of the shipped bag, coat and angle shifts by which a copy of every
        training cycle is moved (:mod:`gait.walk.covariate_shift`). 1 against 0, the shifts
        learnt from one person of the development set and measured on the other (seeds 42
        and 1): side, S14's covariate clips 38.3 % -> 51.7 % (bag 65 -> 95 %, angle 50 ->
        55 %, coat 0 -> 5 %), ``evidence_normal`` 95.0 % either way; front, S14's 3.3 % ->
        15.0 % and S13's 50 % -> 60 %. With the shipped shifts (both people), seeds 42, 1,
        2, 3, ``evidence_normal``: side 95.0 % either way, front 82.5 % -> 81.0 %. These
        figures come from a version before the clothing-robust towers; with them the side
        view gains nothing (:meth:`for_view`), so only the front view's default is 1.
    augment_excursion_damping : float
        Largest reduction of the legs' joint-angle excursions in a copy of every training
        cycle (:func:`gait.walk.augmentation.excursion_copies`), in [0, 1); 0: no copy.
        The side view's default is 0.5 (:meth:`for_view`); the front view's is 0 (seeds 42,
        1, 2, 3, ``evidence_covariates_dev/`` / ``evidence_normal``: 0.5 gave 46.2 / 84.5 %,
        its excursions scaled by 0.6-1.6, log-uniform, 46.2 / 83.5 %, against 48.3 / 84.0 %).
    augment_facing_flicker : float
        Expected share of the frames of every perturbed copy drawn turned sideways, as
        MediaPipe draws a person walking away while it changes its guess of their facing
        (:func:`gait.walk.augmentation.flicker_facing`), in [0, 1); 0: none. The front view's
        default is 0.1 (:meth:`for_view`), the share of such frames in the shared data's
        second-day walks away. Measured (front, enrolled on ``enrol/``, seeds 42, 1-7, one
        training each): ``evidence_covariates_dev/`` 57.3 % -> 69.2 % (higher in every
        seed), ``evidence_normal`` 79.5 % -> 81.5 %, Cllr 0.36 / 1.07 -> 0.31 / 1.15, 6-fold
        97.5 % (seeds 42, 1, 2, 3); the side view keeps 0.
    score_normalisation : {"none", "cohort"}
        What the likelihood ratios rest on: the whitened cosine itself, or its adaptive
        normalisation against the clip's most similar other suspects
        (:func:`gait.identification.verification.cohort_normalised`; used from
        :data:`gait.identification.identify.MIN_SUSPECTS_FOR_COHORT` suspects).
    seed : int
    """

    hidden_units: tuple[int, ...] = (64, 32)
    n_members: int = 5
    robust_members: int = 0
    robust_parameters: str = "clothing"
    robust_weight: float = 0.15
    robust_weight_outline_changed: float = 1.0
    off_axis_robust_deg: float = OBLIQUE_WALK_DEG
    cycle_probability_floor: float = 1e-3
    label_smoothing: float = 0.0
    dropout: float = 0.3
    l2: float = 1e-4
    learning_rate: float = 3e-3
    batch_size: int = 256
    max_epochs: int = 200
    patience_epochs: int = 20
    validation_clip_fraction: float = 0.17
    with_visibility: bool = False
    direction_scaling: bool = True
    augment_copies: int = 3
    augment_rotation_deg: float = 5.0
    augment_aspect_frac: float = 0.1
    augment_time_frac: float = 0.1
    augment_turn_deg: float = 10.0
    augment_clothing_bl: float = 0.0
    augment_arm_damping: float = 0.0
    augment_yaw_deg: float = 0.0
    augment_hip_drop_bl: float = 0.0
    augment_covariate_shift: float = 1.0
    augment_excursion_damping: float = 0.0
    augment_facing_flicker: float = 0.0
    score_normalisation: str = "none"
    seed: int = 42

    def __post_init__(self) -> None:
        if not self.hidden_units or min(self.hidden_units) < 1:
            raise ValueError("hidden_units needs at least one positive width")
        if not 0 <= self.dropout < 1 or not 0 <= self.validation_clip_fraction < 1:
            raise ValueError("dropout and validation_clip_fraction must be in [0, 1)")
        if self.n_members < 1 or self.robust_members < 0:
            raise ValueError("n_members must be at least 1 and robust_members at least 0")
        if not (0 <= self.robust_weight <= 1 and 0 <= self.robust_weight_outline_changed <= 1):
            raise ValueError("robust_weight and robust_weight_outline_changed must be in [0, 1]")
        if not 0 <= self.off_axis_robust_deg <= 90:
            raise ValueError("off_axis_robust_deg must be in [0, 90] (0: never)")
        if not 0 <= self.augment_excursion_damping < 1:
            raise ValueError("augment_excursion_damping must be in [0, 1)")
        if not 0 <= self.augment_facing_flicker < 1:
            raise ValueError("augment_facing_flicker must be in [0, 1)")
        if not 0 <= self.label_smoothing < 0.5:
            raise ValueError("label_smoothing must be in [0, 0.5)")
        if not 0 < self.cycle_probability_floor < 1:
            raise ValueError("cycle_probability_floor must be in (0, 1)")
        if self.robust_parameters not in ROBUST_PARAMETERS:
            raise ValueError("robust_parameters must be 'clothing' or 'dynamic'")
        if self.score_normalisation not in ("none", "cohort"):
            raise ValueError("score_normalisation must be 'none' or 'cohort'")
        if self.max_epochs < 1 or self.batch_size < 1 or self.patience_epochs < 1:
            raise ValueError("max_epochs, batch_size and patience_epochs must be positive")

    def augment(self) -> AugmentSettings:
        """The augmentation part of the settings."""
        return AugmentSettings(copies=self.augment_copies,
                               rotation_deg=self.augment_rotation_deg,
                               aspect_frac=self.augment_aspect_frac,
                               time_frac=self.augment_time_frac, seed=self.seed,
                               turn_deg=self.augment_turn_deg,
                               clothing_bl=self.augment_clothing_bl,
                               arm_damping=self.augment_arm_damping,
                               yaw_deg=self.augment_yaw_deg,
                               hip_drop_bl=self.augment_hip_drop_bl,
                               covariate_shift=self.augment_covariate_shift,
                               excursion_damping=self.augment_excursion_damping,
                               facing_flicker_share=self.augment_facing_flicker)

    def robust_names(self, view: str) -> list[str]:
        """Names of the parameters of ``view`` the robust towers read."""
        return ROBUST_PARAMETERS[self.robust_parameters](view)

    def to_dict(self) -> dict[str, Any]:
        """Settings as a JSON-ready dictionary."""
        data = asdict(self)
        data["hidden_units"] = list(self.hidden_units)
        return data

    @classmethod
    def for_view(cls, view: str, **overrides: Any) -> ModelSettings:
        """The default settings of a camera view, with ``overrides``.

        The front view gets towers twice as wide, (128, 64). Measured on the shared data
        (seeds 42, 1, 2, 3, 5, 6, 7, 8): front rank-1 across sessions 77.8 % -> 80.8 %,
        6-fold 95.5 % -> 96.0 % and 96.0 % -> 96.5 % (seeds 42 and 1); the side view lost
        with them (rank-1 across sessions 95.4 % -> 91.3 %, open-set equal error rate
        11.5 % -> 14.0 %), so it keeps (64, 32).

        The side view gets 5 clothing-robust towers. Measured (enrolled on ``enrol/``,
        seeds 42, 1, 2, 3; the covariate shifts learnt from S13 alone, S14's clips of
        ``evidence_covariates_dev/``): rank-1 with a bag, a coat or at an angle 45.8 % ->
        76.7 % (coat 10 -> 62.5 %), ``evidence_normal`` 95.8 % either way; without covariate
        shifts 37.5 % -> 72.5 %. Front-view robust towers did not help (their parameters
        identify 30-50 % of ``evidence_normal`` alone, no coat; pooled, no gain). The
        robust towers' weights (0.2 for a suspect whose outline the clip shares, 1.0 where it
        does not) and the cycle probability floor (1e-3), measured on the side view without
        covariate shifts (the same networks of seeds 42, 1, 2, 3, pooled and fused again):
        ``evidence_covariates_dev/`` 67.5 % at 0.3 / 0.8 without the floor -> 73.3 % (coat
        45 -> 60 %), ``evidence_normal`` 96.7 -> 98.3 %. A walk more than
        ``off_axis_robust_deg`` (10) off the axis ranked on the robust towers (the same seeds,
        one training each): covariates 73.3 -> 79.2 %, walks at an angle 72.5 -> 90 %,
        ``evidence_normal`` 98.3 % and the LRs unchanged. A copy of every training cycle with
        the legs' swing shrunk (``augment_excursion_damping`` 0.5) and the weight 0.15 where
        the outline is shared (seeds 42, 1, 2, 3, 4, 5, 6, 7, one training each): covariates
        78.3 -> 82.9 % (higher in 7 seeds of 8), ``evidence_normal`` 96.7 -> 98.3 %, Cllr on
        the covariates 0.84 -> 0.76; the side view's training takes 1.4 times as long.

        Only the front view trains on the covariate shifts. Measured with each person's
        clips of ``evidence_covariates_dev/`` tested against shifts learnt from the *other*
        person (seeds 42, 1, 2, 3): front, S14's shifts on S13 48 % -> 61 %, S13's on S14
        12 % -> 19 %; side, S13's shifts on S14 67.5 % -> 63.3 % (coat 45 -> 42.5 %), and
        ``evidence_normal`` 97.5 % without the shipped shifts against 96.7 % with them. The
        side view's shifts do not carry over from one person to another.
        """
        return cls(**{**_VIEW_SETTINGS.get(view, {}), **overrides})

    @classmethod
    def parse_overrides(cls, pairs: list[tuple[str, str]]) -> dict[str, Any]:
        """Settings from ``(name, text)`` pairs (the command line's ``--setting``), each text
        read as its field's type (``hidden_units``: comma-separated widths).

        Raises
        ------
        ValueError
            For an unknown name or a text that is not of the field's type.
        """
        defaults = {f.name: getattr(cls, f.name) for f in fields(cls)}
        out: dict[str, Any] = {}
        for name, text in pairs:
            if name not in defaults:
                raise ValueError(f"unknown setting {name!r}; known: {', '.join(defaults)}")
            default = defaults[name]
            try:
                if isinstance(default, bool):
                    if text.lower() not in ("true", "false", "1", "0"):
                        raise ValueError
                    out[name] = text.lower() in ("true", "1")
                elif isinstance(default, str):
                    out[name] = text
                elif isinstance(default, tuple):
                    out[name] = tuple(int(v) for v in text.split(","))
                else:
                    out[name] = type(default)(text)
            except ValueError:
                kind = {bool: "true or false", int: "an int", float: "a number",
                        tuple: "a list of ints", str: "a word"}[type(default)]
                raise ValueError(f"setting {name}={text!r} is not {kind}") from None
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelSettings:
        """Inverse of :meth:`to_dict`; a setting added after the model was made takes the
        value that reproduces how it was made (:data:`_BEFORE_ADDED`)."""
        values = {**_BEFORE_ADDED, **data}
        values["hidden_units"] = tuple(values.get("hidden_units", cls.hidden_units))
        return cls(**values)


# Settings added after models were first stored, with the value that describes a model made
# before them (it had none of it).
_BEFORE_ADDED: dict[str, Any] = {"augment_clothing_bl": 0.0, "augment_arm_damping": 0.0,
                                 "augment_yaw_deg": 0.0, "augment_hip_drop_bl": 0.0,
                                 "augment_covariate_shift": 0.0, "score_normalisation": "none",
                                 "robust_members": 0, "robust_parameters": "clothing",
                                 "cycle_probability_floor": 1e-12, "off_axis_robust_deg": 0.0,
                                 "augment_excursion_damping": 0.0, "label_smoothing": 0.0,
                                 "augment_facing_flicker": 0.0}

# Departures of a camera view from the ModelSettings defaults (see ModelSettings.for_view).
_VIEW_SETTINGS: dict[str, dict[str, Any]] = {
    "front": {"hidden_units": (128, 64), "augment_facing_flicker": 0.1},
    "side": {"robust_members": 5, "augment_covariate_shift": 0.0,
             "augment_excursion_damping": 0.5},
}
