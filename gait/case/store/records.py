"""What the case store holds, as frozen records, and the store's one error type.

Every read from the store returns these records; their fields mirror the tables' columns
(:mod:`gait.case.store.schema`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gait.media.keypoints import VIEWS

ROLES = ("enrolment", "evidence")
SOURCES = ("video", "keypoints", "synthetic")
CLIP_DIRECTIONS = ("left", "right", "front", "back", "unknown")
MAX_NAME_CHARS = 200

NEXT_ADD_SUSPECTS = "Add suspects on the Enrolment page"
NEXT_ENROL = "Enrol clips of at least two suspects in one view"
NEXT_TRAIN = "Train a model on the Training page"
NEXT_IDENTIFY = "Identify an evidence clip on the Prediction page"


class StoreError(ValueError):
    """A case-store operation was refused; the message is one readable line for the user."""


def one_line(text: object) -> str:
    """``text`` as one line: every run of whitespace (newlines included) becomes one space."""
    return " ".join(str(text).split())


def clean_name(name: str, what: str) -> str:
    """``name`` on one line, checked: StoreError when empty or too long (``what`` names it)."""
    name = one_line(name or "")
    if not name:
        raise StoreError(f"the {what} needs a name")
    if len(name) > MAX_NAME_CHARS:
        raise StoreError(f"the {what} name is longer than {MAX_NAME_CHARS} characters")
    return name


@dataclass(frozen=True)
class Case:
    """One investigation: its suspects, clips, models and identifications.

    Attributes
    ----------
    case_id : int
    name : str
        Unique, non-empty.
    notes : str
    synthetic : bool
        True for a demo case built from the procedural walker (not real people).
    created_at : str
        UTC, ISO 8601.
    owner_id : int or None
        The user who owns the case (None for a case of an older store not yet given to the
        first administrator, or one made without an account, e.g. by a script).
    """

    case_id: int
    name: str
    notes: str
    synthetic: bool
    created_at: str
    owner_id: int | None = None


@dataclass(frozen=True)
class Suspect:
    """A person of a case who may be the one in the evidence.

    Attributes
    ----------
    suspect_id, case_id : int
    name : str
        Unique within the case.
    notes : str
    photo_sha256 : str or None
        Blob of the photo (see :meth:`CaseStore.photo`).
    created_at : str
        UTC, ISO 8601.
    """

    suspect_id: int
    case_id: int
    name: str
    notes: str
    photo_sha256: str | None
    created_at: str


@dataclass(frozen=True)
class Clip:
    """One walking clip of a case (an enrolment clip of a suspect, or an evidence clip).

    Attributes
    ----------
    clip_id, case_id : int
    suspect_id : int or None
        The suspect who walks (``None`` for evidence).
    role : {"enrolment", "evidence"}
    original_name : str
        File name as uploaded or imported.
    view : {"side", "front"}
    direction : {"left", "right", "front", "back", "unknown"}
    condition : str
        Free text, e.g. ``normal``, ``bag``, ``coat``.
    source : {"video", "keypoints", "synthetic"}
    video_sha256 : str or None
        Blob of the original video (``None`` for imported keypoints).
    keypoints_sha256 : str
        Blob of the keypoints ``.npz``.
    fps : float
        Frame rate in frames per second.
    frame_width_px, frame_height_px : int or None
    duration_s : float
    n_frames, frames_with_person, n_cycles : int
    mean_visibility : float
        Mean MediaPipe visibility of the body landmarks (11-32) over frames with the person.
    warnings : tuple of str
        Quality warnings found at ingest.
    added_at : str
        UTC, ISO 8601.
    added_by : str
        User name of the account that added the clip (a session id before accounts).
    overlay_sha256 : str or None
        Blob of the H.264 overlay video, when one was made.
    track_id : int or None
        The person track of the recording that was analysed (``None`` for keypoints, and for
        clips stored before walks were recorded).
    start_s, end_s : float or None
        The time range of the recording that was analysed, seconds from its start.
    """

    clip_id: int
    case_id: int
    suspect_id: int | None
    role: str
    original_name: str
    view: str
    direction: str
    condition: str
    source: str
    video_sha256: str | None
    keypoints_sha256: str
    fps: float
    frame_width_px: int | None
    frame_height_px: int | None
    duration_s: float
    n_frames: int
    frames_with_person: int
    mean_visibility: float
    n_cycles: int
    warnings: tuple[str, ...]
    added_at: str
    added_by: str
    overlay_sha256: str | None = None
    track_id: int | None = None
    start_s: float | None = None
    end_s: float | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise StoreError(f"clip role must be one of {ROLES}, got {self.role!r}")
        if self.source not in SOURCES:
            raise StoreError(f"clip source must be one of {SOURCES}, got {self.source!r}")
        if self.view not in VIEWS:
            raise StoreError(f"clip view must be one of {VIEWS}, got {self.view!r}")
        object.__setattr__(self, "warnings", tuple(self.warnings))
        if (self.start_s is None) != (self.end_s is None) or (
                self.start_s is not None and self.end_s is not None
                and self.end_s <= self.start_s):
            raise StoreError(f"clip walk range {self.start_s}-{self.end_s} s is not a range")

    @property
    def walk_label(self) -> str:
        """``person 2, 3.0-8.5 s`` (empty when the clip records no walk)."""
        if self.track_id is None or self.start_s is None or self.end_s is None:
            return ""
        return f"person {self.track_id}, {self.start_s:.1f}-{self.end_s:.1f} s"


@dataclass(frozen=True)
class ModelRecord:
    """A trained per-view model of a case.

    Attributes
    ----------
    model_id, case_id : int
    view : {"side", "front"}
    with_visibility : bool
        Whether the visibility scores were inputs.
    suspects : tuple of str
        The suspects the model can name, in class order.
    metrics : dict
        Training and evaluation figures (see :func:`gait.case.casework.train_case_model`).
    created_at : str
        UTC, ISO 8601.
    added_by : str
    """

    model_id: int
    case_id: int
    view: str
    with_visibility: bool
    suspects: tuple[str, ...]
    metrics: dict[str, Any]
    created_at: str
    added_by: str


@dataclass(frozen=True)
class IdentificationRecord:
    """One identification made (never changed afterwards).

    Attributes
    ----------
    identification_id, case_id, clip_id, model_id : int
    verdict : str
        ``match``, ``none of these suspects`` or ``insufficient gait``.
    suspect : str or None
        The named suspect (only for a match).
    calibrated_probability : float or None
    result : dict
        :meth:`gait.identification.identify.Identification.to_dict` plus the hashes, model and
        clip used.
    created_at : str
    added_by : str
    """

    identification_id: int
    case_id: int
    clip_id: int
    model_id: int
    verdict: str
    suspect: str | None
    calibrated_probability: float | None
    result: dict[str, Any]
    created_at: str
    added_by: str


@dataclass(frozen=True)
class AuditEvent:
    """One row of the append-only audit log.

    Attributes
    ----------
    event_id : int
    at : str
        UTC, ISO 8601 with milliseconds.
    case_id : int or None
    action : str
        E.g. ``case created``, ``video stored``, ``keypoints extracted``, ``clip added``,
        ``model trained``, ``identification``, ``integrity failure``.
    details : dict
    software_version : str
    actor : str
    """

    event_id: int
    at: str
    case_id: int | None
    action: str
    details: dict[str, Any]
    software_version: str
    actor: str


@dataclass(frozen=True)
class CaseSummary:
    """What a case holds, at a glance, and the next step to take.

    Attributes
    ----------
    case : Case
    n_suspects : int
    clips_by_view : dict of str to int
        Enrolment clips per view (every view listed, zeros included).
    n_evidence_clips, n_models, n_identifications : int
    next_step : str
        A sentence telling the user what to do next.
    suspects_by_view : dict of str to int
        Suspects with at least one enrolment clip, per view.
    """

    case: Case
    n_suspects: int
    clips_by_view: dict[str, int]
    n_evidence_clips: int
    n_models: int
    n_identifications: int
    next_step: str
    suspects_by_view: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class User:
    """An account of the case store (never its password, nor its hash).

    Attributes
    ----------
    user_id : int
    user_name : str
        Unique, case-insensitive; the name the audit log records.
    display_name : str
    role : str
        ``administrator``, ``investigator`` or ``reviewer``
        (:mod:`gait.case.store.permissions`).
    disabled : bool
    has_password : bool
        False for an account that signs in through single sign-on only.
    created_at : str
        UTC, ISO 8601.
    """

    user_id: int
    user_name: str
    display_name: str
    role: str
    disabled: bool
    has_password: bool
    created_at: str

    @property
    def label(self) -> str:
        """``Display Name (user_name, role)``."""
        return f"{self.display_name} ({self.user_name}, {self.role})"


@dataclass(frozen=True)
class Member:
    """A user's membership of a case.

    Attributes
    ----------
    case_id : int
    user : User
    owner : bool
        The case's owner (adds and removes members).
    added_at : str
        UTC, ISO 8601.
    added_by : str
        User name of who added them.
    """

    case_id: int
    user: User
    owner: bool
    added_at: str
    added_by: str
