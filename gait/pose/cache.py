"""On-disk cache of extracted keypoints (and overlay videos), addressed by content.

An entry's key is the SHA-256 of: the video file's SHA-256,
:data:`gait.pose.extraction.EXTRACTOR_VERSION`, a stable hash of
:meth:`gait.pose.settings.PoseSettings.to_dict` and the walk chosen
(:class:`gait.pose.extraction.WalkChoice`: track and time range). Renaming or moving a video
keeps its entry; changing one byte of it, the extractor, a setting or the choice makes a new
one. Entries are ``<key>.npz`` (:func:`gait.media.keypoints.save_npz`, written atomically)
and, when asked for, ``<key>.overlay.mp4``. A recording's scan for people and walks is kept
too, as ``<scan key>.scan.json`` (:func:`gait.pose.scan.save_scan`; key: the video's SHA-256,
:data:`gait.pose.scan.SCAN_VERSION` and the scan settings), so that it is made once for the
gallery, the choice and the extraction. An entry that cannot be read, or whose metadata does
not match its key, is treated as missing and replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

from gait.media.files import atomic_write
from gait.media.keypoints import KeypointSequence, load_npz, save_npz
from gait.media.overlay import render_overlay
from gait.media.video import sha256_file
from gait.pose import extraction
from gait.pose.extraction import WalkChoice
from gait.pose.scan import (
    SCAN_VERSION,
    RecordingScan,
    ScanSettings,
    load_scan,
    save_scan,
    scan_recording,
)
from gait.pose.settings import PoseSettings

CACHE_DIR_ENV = "GAIT_CACHE_DIR"
DEFAULT_CACHE_DIR = Path("~/.cache/gait-id/keypoints")


def default_cache_dir() -> Path:
    """``$GAIT_CACHE_DIR`` if set, else ``~/.cache/gait-id/keypoints``."""
    env = os.environ.get(CACHE_DIR_ENV)
    return Path(env).expanduser() if env else DEFAULT_CACHE_DIR.expanduser()


def settings_digest(settings: PoseSettings, choice: WalkChoice | None = None) -> str:
    """Stable SHA-256 (hex) of the settings' (and the walk choice's) JSON form."""
    values: dict[str, Any] = dict(settings.to_dict())
    if choice is not None and choice != WalkChoice():
        values["walk_choice"] = choice.to_dict()
    text = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class KeypointCache:
    """Content-addressed store of :class:`~gait.media.keypoints.KeypointSequence` per video.

    Parameters
    ----------
    root_dir : path-like, optional
        Folder of the entries (created on first write); default :func:`default_cache_dir`.

    Examples
    --------
    >>> cache = KeypointCache()                               # doctest: +SKIP
    >>> seq = cache.get_or_extract("walk.mp4", overlay=True)  # doctest: +SKIP
    >>> cache.overlay_path_for("walk.mp4")                    # doctest: +SKIP
    """

    def __init__(self, root_dir: str | os.PathLike[str] | None = None) -> None:
        self.root_dir = Path(root_dir).expanduser() if root_dir else default_cache_dir()
        # Hash of each file seen, keyed by (path, size, mtime, inode), to hash a file once.
        self._sha_memo: dict[tuple[str, int, int, int], str] = {}

    def __repr__(self) -> str:
        return f"KeypointCache({str(self.root_dir)!r})"

    # -- keys and paths ----------------------------------------------------------------------
    def video_sha256(self, video_path: str | os.PathLike[str]) -> str:
        """SHA-256 of the video file (remembered while the file stays unchanged)."""
        path = Path(video_path)
        try:
            st = path.stat()
        except OSError:
            return sha256_file(path)  # raises VideoError with a clear message
        memo_key = (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)
        sha = self._sha_memo.get(memo_key)
        if sha is None:
            sha = sha256_file(path)
            self._sha_memo[memo_key] = sha
        return sha

    def key(
        self, video_path: str | os.PathLike[str], settings: PoseSettings | None = None,
        choice: WalkChoice | None = None,
    ) -> str:
        """Cache key (64 hex digits) of a video extracted with ``settings`` and ``choice``."""
        return self._key(self.video_sha256(video_path), settings or PoseSettings(), choice)

    @staticmethod
    def _key(video_sha: str, settings: PoseSettings, choice: WalkChoice | None = None) -> str:
        text = "\n".join((video_sha, extraction.EXTRACTOR_VERSION,
                          settings_digest(settings, choice)))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def path_for(
        self, video_path: str | os.PathLike[str], settings: PoseSettings | None = None,
        choice: WalkChoice | None = None,
    ) -> Path:
        """Where the keypoints of the video are (or would be) cached."""
        return self.root_dir / f"{self.key(video_path, settings, choice)}.npz"

    def overlay_path_for(
        self, video_path: str | os.PathLike[str], settings: PoseSettings | None = None,
        choice: WalkChoice | None = None,
    ) -> Path:
        """Where the overlay video of the video is (or would be) cached."""
        return self.root_dir / f"{self.key(video_path, settings, choice)}.overlay.mp4"

    def scan_path_for(self, video_path: str | os.PathLike[str],
                      settings: ScanSettings | None = None) -> Path:
        """Where the scan of the video is (or would be) cached."""
        text = "\n".join((self.video_sha256(video_path), SCAN_VERSION,
                          json.dumps(asdict(settings or ScanSettings()), sort_keys=True)))
        return self.root_dir / f"{hashlib.sha256(text.encode('utf-8')).hexdigest()}.scan.json"

    def get_or_scan(self, video_path: str | os.PathLike[str],
                    settings: ScanSettings | None = None,
                    progress: Any = None) -> RecordingScan:
        """The recording's scan for people and walks, scanning and storing it on a miss.

        Parameters
        ----------
        video_path : path-like
        settings : ScanSettings, optional
        progress : callable, optional
            ``progress(seconds_scanned, seconds_total)`` while scanning.

        Raises
        ------
        gait.media.video.VideoError
            If the recording cannot be read.
        """
        settings = settings or ScanSettings()
        entry = self.scan_path_for(video_path, settings)
        scan = load_scan(entry) if entry.is_file() else None
        if scan is None or scan.settings != settings:
            scan = scan_recording(video_path, settings, progress=progress)
            save_scan(scan, entry)
        return scan

    # -- reading -----------------------------------------------------------------------------
    @staticmethod
    def _load(
        entry: Path, video_sha: str, settings: PoseSettings, clip_id: str,
        choice: WalkChoice | None = None,
    ) -> KeypointSequence | None:
        if not entry.is_file():
            return None
        try:
            sequence = load_npz(entry, clip_id=clip_id)
        except Exception:
            # A damaged .npz fails in many ways besides KeypointFormatError (BadZipFile,
            # zlib.error, even SyntaxError from a garbled array header): all mean "corrupt",
            # a miss that the next extraction replaces.
            entry.unlink(missing_ok=True)
            return None
        meta = sequence.meta
        if (
            meta.get("sha256") != video_sha
            or meta.get("extractor_version") != extraction.EXTRACTOR_VERSION
            or meta.get("settings") != settings.to_dict()
            or meta.get("choice") != (choice or WalkChoice()).to_dict()
        ):
            entry.unlink(missing_ok=True)
            return None
        return sequence

    def get(
        self, video_path: str | os.PathLike[str], settings: PoseSettings | None = None,
        choice: WalkChoice | None = None,
    ) -> KeypointSequence | None:
        """Cached keypoints of the video, or ``None`` (never runs the pose model).

        Raises
        ------
        gait.media.video.VideoError
            If the video file is missing.
        """
        settings = settings or PoseSettings()
        sha = self.video_sha256(video_path)
        entry = self.root_dir / f"{self._key(sha, settings, choice)}.npz"
        return self._load(entry, sha, settings, Path(video_path).stem, choice)

    def get_or_extract(
        self,
        video_path: str | os.PathLike[str],
        settings: PoseSettings | None = None,
        progress: extraction.ProgressCallback | None = None,
        overlay_path: str | os.PathLike[str] | None = None,
        *,
        overlay: bool = False,
        choice: WalkChoice | None = None,
        scan_progress: Any = None,
    ) -> KeypointSequence:
        """Cached keypoints of the video, extracting and storing them on a miss.

        Parameters
        ----------
        video_path : path-like
            Video file.
        settings : PoseSettings, optional
            Extraction settings (default ``PoseSettings()``).
        progress : callable, optional
            ``progress(frames_done, frames_total, frames_per_s)`` during an extraction.
        overlay_path : path-like, optional
            Also copy the overlay video here (implies ``overlay=True``).
        overlay : bool
            Make sure the overlay video is cached at :meth:`overlay_path_for`; on a cache hit
            it is drawn from the cached keypoints, without the pose model.
        choice : WalkChoice, optional
            Who and when to analyse (default: the longest steady walk).
        scan_progress : callable, optional
            ``progress(seconds_scanned, seconds_total)`` while the recording is scanned (only
            when its scan is not cached yet).

        Returns
        -------
        KeypointSequence
            See :func:`gait.pose.extraction.extract_keypoints`.

        Raises
        ------
        gait.media.video.VideoError, gait.pose.extraction.PoseError
            As :func:`gait.pose.extraction.extract_keypoints`.
        """
        settings = settings or PoseSettings()
        path = Path(video_path)
        sha = self.video_sha256(path)
        key = self._key(sha, settings, choice)
        entry = self.root_dir / f"{key}.npz"
        overlay_file = self.root_dir / f"{key}.overlay.mp4"
        want_overlay = overlay or overlay_path is not None
        sequence = self._load(entry, sha, settings, path.stem, choice)
        if sequence is None:
            sequence = extraction.extract_keypoints(
                path,
                settings,
                progress=progress,
                overlay_path=overlay_file if want_overlay else None,
                video_sha256=sha,
                choice=choice,
                scan=self.get_or_scan(path, scan_settings_for(settings), scan_progress),
            )
            save_npz(sequence, entry)
        elif want_overlay and not overlay_file.is_file():
            render_overlay(path, sequence, overlay_file)
        if overlay_path is not None:
            _copy_atomic(overlay_file, Path(overlay_path))
        return sequence


def scan_settings_for(settings: PoseSettings) -> ScanSettings:
    """The scan that goes with pose settings (frames downscaled alike)."""
    return ScanSettings(max_width_px=settings.max_width_px or ScanSettings().max_width_px)


def _copy_atomic(source: Path, destination: Path) -> None:
    if source.resolve() == destination.resolve():
        return

    def write(handle: Any) -> None:
        with source.open("rb") as src:
            shutil.copyfileobj(src, handle)

    atomic_write(destination, write)
