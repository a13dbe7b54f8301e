"""Per-clip gait analysis of a case, computed once.

Gait cycles and parameters are computed once per stored keypoints file and view, and kept on
disk (``data/features/<view>/``) and in memory, keyed by the keypoints' SHA-256 and a hash of
the analysis code (:func:`analysis_version`), so a restart or a page rerun reuses them.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Generic, TypeVar

import pandas as pd

from gait import __version__
from gait.case.store import CaseStore, Clip
from gait.media.files import atomic_write
from gait.media.keypoints import KeypointSequence, load_npz
from gait.walk.cycles import GaitAnalysis, analyse_gait
from gait.walk.features import META_COLUMNS, analysis_features

# The engine's code that shapes a clip's gait parameters (globs under gait/): every module of
# the walk analysis (a new one is covered without being listed) and the landmark indices.
_ANALYSIS_MODULES = ("walk/*.py", "media/landmarks.py")
_analysis_version: str | None = None

Key = TypeVar("Key")
Value = TypeVar("Value")


class Memo(Generic[Key, Value]):
    """A thread-safe in-memory memo that forgets the least recently used entry beyond ``size``.

    Parameters
    ----------
    size : int
        Most entries kept.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Key, Value] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> Value | None:
        """The value remembered for ``key`` (now the most recently used), or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def put(self, key: Key, value: Value) -> None:
        """Remember ``value`` for ``key``."""
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


# Keyed by the store's feature file: a clip's parameters are written to every store that holds
# it, even when another store of the same process computed them first.
_FEATURES: Memo[Path, tuple[pd.DataFrame, str | None]] = Memo(20_000)
_ANALYSES: Memo[tuple[str, str], GaitAnalysis] = Memo(32)


def analysis_sources() -> list[Path]:
    """The engine's source files whose code shapes a clip's gait parameters."""
    root = Path(__file__).resolve().parents[1]
    return [path for pattern in _ANALYSIS_MODULES for path in sorted(root.glob(pattern))]


def analysis_version() -> str:
    """Hash of the software that turns keypoints into gait parameters (a cache key part)."""
    global _analysis_version
    if _analysis_version is None:
        digest = hashlib.sha256(__version__.encode())
        for path in analysis_sources():
            digest.update(path.read_bytes())
        _analysis_version = digest.hexdigest()[:16]
    return _analysis_version


def _feature_file(store: CaseStore, keypoints_sha256: str, view: str) -> Path:
    return store.feature_dir / view / f"{keypoints_sha256}-{analysis_version()}.json"


def _write_features(path: Path, frame: pd.DataFrame, reason: str | None) -> None:
    payload = {
        "analysis_version": analysis_version(),
        "insufficient_reason": reason,
        "columns": list(frame.columns),
        "data": {c: frame[c].tolist() for c in frame.columns},
    }
    text = json.dumps(payload, allow_nan=True)
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def _read_features(path: Path) -> tuple[pd.DataFrame, str | None] | None:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        frame = pd.DataFrame({c: payload["data"][c] for c in payload["columns"]},
                             columns=payload["columns"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return _normalised(frame), payload.get("insufficient_reason")


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Fixed column types, whether the frame was just computed or read back from disk."""
    frame = frame.copy()
    numeric = [c for c in frame.columns if c not in META_COLUMNS]
    frame[numeric] = frame[numeric].astype(float)
    frame["walk_index"] = frame["walk_index"].astype(int)
    for column in ("start_s", "end_s", "cycle_weight", "walk_angle_deg"):
        frame[column] = frame[column].astype(float)
    for column in ("clip_id", "subject", "view", "direction", "condition", "foot"):
        frame[column] = frame[column].astype(object)
    return frame


def clip_features(store: CaseStore, keypoints_sha256: str, view: str,
                   sequence: KeypointSequence | None = None,
                  analysis: GaitAnalysis | None = None) -> tuple[pd.DataFrame, str | None]:
    """Per-cycle rows of one stored keypoints file, computed once (memo, then disk).

    Parameters
    ----------
    store : CaseStore
    keypoints_sha256 : str
        The keypoints blob.
    view : {"side", "front"}
    sequence, analysis : optional
        The keypoints and their gait analysis when the caller already has them.

    Returns
    -------
    frame : DataFrame
        One row per gait cycle (:data:`gait.walk.features.META_COLUMNS`, blank except
        ``view`` and ``direction``, then parameters and visibilities); a copy.
    reason : str or None
        Why there is no complete gait cycle (None when there is one).
    """
    path = _feature_file(store, keypoints_sha256, view)
    cached = _FEATURES.get(path)
    if cached is None:
        cached = _read_features(path) if path.is_file() else None
        if cached is None:
            if analysis is None:
                if sequence is None:
                    sequence = load_npz(store.blob_path(keypoints_sha256))
                analysis = analyse_gait(sequence, view)
            frame = _normalised(analysis_features(analysis, clip_id=""))
            cached = (frame, None if analysis.sufficient else
                      (analysis.insufficient_reason or "no complete gait cycle was found"))
            _write_features(path, *cached)
        _FEATURES.put(path, cached)
    frame, reason = cached
    return frame.copy(), reason


def clip_analysis(store: CaseStore, clip: Clip, view: str | None = None) -> GaitAnalysis:
    """Gait events and cycles of a stored clip (hash-checked keypoints; memoised)."""
    view = view or clip.view
    key = (clip.keypoints_sha256, view)
    analysis = _ANALYSES.get(key)
    if analysis is None:
        analysis = analyse_gait(store.keypoints(clip), view)
        _ANALYSES.put(key, analysis)
    return analysis


def clip_frame(store: CaseStore, clip: Clip, subject: str, view: str | None = None
               ) -> tuple[pd.DataFrame, str | None]:
    """:func:`clip_features` of a stored clip, with its id, subject, condition and direction."""
    view = view or clip.view
    frame, reason = clip_features(store, clip.keypoints_sha256, view)
    frame["clip_id"] = str(clip.clip_id)
    frame["subject"] = subject
    frame["condition"] = clip.condition
    if clip.direction != "unknown":
        frame["direction"] = clip.direction
    return frame, reason
