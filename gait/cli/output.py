"""What every command shares: one-line user errors, JSON and progress output, quality lines.

User errors (missing or unreadable files, bad arguments, a model that does not fit) print one
line on stderr and exit with status 2; nothing is half-written. What TensorFlow, TFLite and
MediaPipe write straight to file descriptor 2 (start-up notices, absl warnings) is discarded
so that it cannot bury that line; set ``GAIT_NATIVE_LOGS=1`` to see it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

EXIT_USER_ERROR = 2


class UserError(Exception):
    """An error the user can fix; printed as one line."""


# --- clip quality -------------------------------------------------------------------------------
# Measured on the shared videos (gait.pose.tracks person tracks): CASIA-B walkers are 117-134 px
# tall in 240-px frames and give sound cycles; in crowd_elevated_10fps.avi the selected person is
# 82 px tall among 6 people on screen for >= 1 s, and the runner-up track scores 0.8 of it. In
# side_walk_park_two_people.mp4 (walker + a man jumping on a box) 3 tracks last >= 1 s and the
# runner-up scores 0.4 of the walker.
def quality_of(sequence: Any) -> dict[str, Any]:
    """``{"quality": "ok" | "low", "warnings": [...]}`` of an extracted clip."""
    from gait.walk.quality import tracking_warnings

    warnings = tracking_warnings(sequence.meta, sequence.fps)
    return {"quality": "low" if warnings else "ok", "warnings": warnings}


def print_quality(quality: dict[str, Any]) -> None:
    """Print a low quality and its warnings (nothing for a clip of good quality)."""
    if quality["warnings"]:
        print("quality: low")
        for warning in quality["warnings"]:
            print(f"warning: {warning['message']}")


@contextlib.contextmanager
def native_stderr_discarded() -> Iterator[None]:
    """Send what native libraries write to file descriptor 2 to /dev/null for a while.

    Python's ``sys.stderr`` (progress, error lines, warnings) keeps the real stderr. Nothing
    is changed when ``sys.stderr`` is not the process's own (e.g. captured by a test) or when
    ``GAIT_NATIVE_LOGS`` is set.
    """
    python_stderr: Any = sys.stderr
    own = python_stderr is not None and python_stderr is sys.__stderr__
    if os.environ.get("GAIT_NATIVE_LOGS") or not own:
        yield
        return
    try:
        python_stderr.flush()
        null_fd = os.open(os.devnull, os.O_WRONLY)
    except (OSError, AttributeError, ValueError):  # no usable file descriptor 2
        null_fd = -1
    if null_fd < 0:
        yield
        return
    saved_fd = os.dup(2)
    sys.stderr = open(saved_fd, "w", buffering=1, encoding=python_stderr.encoding,  # noqa: SIM115
                      errors="backslashreplace", closefd=False)
    os.dup2(null_fd, 2)
    os.close(null_fd)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved_fd, 2)
        sys.stderr = python_stderr
        os.close(saved_fd)


def user_errors() -> tuple[type[BaseException], ...]:
    """The error types whose message is the whole explanation for the user."""
    from gait.case.store import StoreError
    from gait.identification.model import ModelError
    from gait.media.keypoints import KeypointFormatError

    errors: list[type[BaseException]] = [UserError, StoreError, KeypointFormatError, ModelError,
                                         FileNotFoundError, IsADirectoryError, PermissionError]
    try:
        from gait.media.video import VideoError
        from gait.pose.extraction import PoseError

        errors += [VideoError, PoseError]
    except ImportError:  # pragma: no cover - mediapipe missing
        pass
    return tuple(errors)


def print_json(data: Any, path: str | None) -> None:
    """Write ``data`` as indented JSON to ``path`` (atomically), or to stdout for None/'-'."""
    text = json.dumps(data, indent=2, sort_keys=False, default=str)
    if path in (None, "-"):
        print(text)
    else:
        from gait.media.files import atomic_write

        atomic_write(Path(str(path)), lambda h: h.write((text + "\n").encode("utf-8")))


# True while a progress line without its final newline is on stderr (an error then starts a
# new line, so that it stays one whole line).
progress_line_open = [False]


def progress_printer(label: str) -> Any:
    """A ``progress(done, total, per_s=0)`` callback that keeps one line on stderr."""
    last = [0.0]

    def show(done: int, total: int, fps: float = 0.0) -> None:
        now = time.monotonic()
        if now - last[0] < 0.5 and done < total:
            return
        last[0] = now
        rate = f", {fps:.1f} frames/s" if fps else ""
        print(f"\r{label}: {done}/{total}{rate}", end="", file=sys.stderr, flush=True)
        progress_line_open[0] = True
        if done >= total:
            print(file=sys.stderr)
            progress_line_open[0] = False

    return show
