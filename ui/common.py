"""What every dashboard page shares: the case store, the case picker, errors, uploads, progress.

Pages stay thin: they lay out widgets and call the engine (`gait.case`) and `ui.plots`;
this module holds the few Streamlit-specific helpers they have in common. A page reaches the
case store only through :func:`store`, a handle acting for the signed-in account
(:mod:`ui.auth`), which refuses what that account's role or case membership does not allow.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import streamlit as st

from gait.case.store import Case, CaseStore, Clip, default_data_dir
from gait.case.store import one_line as store_one_line

LOG = logging.getLogger("gait.dashboard")
CASE_KEY = "case_id"
USER_KEY = "user_name"  # the signed-in account (set by ui.auth only)
LAST_SEEN_KEY = "last_seen_monotonic_s"

# Errors a user can cause (bad file, bad name, too few suspects, ...): their message is the
# whole explanation. ValueError covers the engine's own error types (VideoError, PoseError,
# KeypointFormatError, ModelError, StoreError all derive from it).
USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, FileNotFoundError, PermissionError)


@st.cache_resource(show_spinner=False)
def _store(data_dir: str) -> CaseStore:
    return CaseStore(Path(data_dir))


def machine_store() -> CaseStore:
    """The case store of this server (data directory from ``GAIT_DATA_DIR``, default ./data),
    acting for the machine: only the log-in (:mod:`ui.auth`) uses it."""
    return _store(str(default_data_dir().resolve()))


def store() -> CaseStore:
    """The case store as a handle acting for the signed-in account (the page stops when
    nobody is signed in)."""
    name = st.session_state.get(USER_KEY)
    if not name:
        st.warning("Log in first.", icon=":material/lock:")
        st.stop()
    return machine_store().acting_as(str(name))


def actor() -> str:
    """The signed-in account's user name, recorded in the audit log."""
    user = store().user
    return user.user_name if user is not None else ""


def may(action: str, case_id: int | None = None) -> bool:
    """True if the signed-in account may do ``action``
    (:data:`gait.case.store.permissions.ACTIONS`)."""
    return store().may(action, case_id)


def read_only_notice(case: Case) -> bool:
    """True if the signed-in account may change the case; else say it is read-only."""
    from gait.case.store.permissions import CHANGE_CASE

    if may(CHANGE_CASE, case.case_id):
        return True
    st.info("You read this case: your role does not change it (reviewers and administrators "
            "change nothing).", icon=":material/visibility:")
    return False


@contextlib.contextmanager
def guard(action: str = "") -> Iterator[None]:
    """Show any error raised inside as one readable line (never a traceback).

    Parameters
    ----------
    action : str
        What was being done, e.g. ``"Training"``; prefixes the message.
    """
    prefix = f"{action} failed: " if action else ""
    try:
        yield
    except USER_ERRORS as error:
        st.error(f"{prefix}{one_line(error)}", icon=":material/error:")
    except Exception as error:  # the last line of defence of the page
        LOG.exception("unexpected error in the dashboard")
        st.error(f"{prefix}unexpected error ({type(error).__name__}: {one_line(error)}). "
                 "Nothing stored was changed; the details are in the server log.",
                 icon=":material/error:")


def one_line(error: BaseException) -> str:
    """The error's message on one line (at most 400 characters)."""
    text = store_one_line(str(error)) or type(error).__name__
    return text if len(text) <= 400 else text[:397] + "..."


def case_picker(required: bool = True) -> Case | None:
    """Sidebar selector of the current case, shared by all pages through the session state.

    Parameters
    ----------
    required : bool
        When no case exists or none is chosen, tell the user where to create one and stop the
        page.
    """
    cases = store().cases()
    ids = [c.case_id for c in cases]
    names = {c.case_id: c.name + (" (synthetic)" if c.synthetic else "") for c in cases}
    current = st.session_state.get(CASE_KEY)
    if current not in ids:
        current = ids[0] if ids else None
    with st.sidebar:
        if ids:
            chosen = st.selectbox("Case", ids, index=ids.index(current),
                                  format_func=names.__getitem__, key="case_picker")
            st.session_state[CASE_KEY] = chosen
        else:
            chosen = None
            st.caption("No case yet.")
    if chosen is None:
        if required:
            st.info("There is no case yet that you are a member of. Create one (or the "
                    "synthetic demo case) on the Case page, or ask a case's owner to add you.",
                    icon=":material/info:")
            st.page_link("pages/case.py", label="Go to the Case page", icon=":material/home:")
            st.stop()
        return None
    return store().case(chosen)


def select_case(case_id: int) -> None:
    """Make ``case_id`` the current case of this session."""
    st.session_state[CASE_KEY] = case_id
    st.session_state.pop("case_picker", None)


def clip_label(clip: Clip, suspect_names: dict[int, str]) -> str:
    """One-line description of a clip for select boxes."""
    who = suspect_names.get(clip.suspect_id, "evidence") if clip.suspect_id else "evidence"
    walk = f" · {clip.walk_label}" if clip.walk_label else ""
    return (f"#{clip.clip_id} {who} · {clip.view}/{clip.direction} · {clip.condition} · "
            f"{clip.original_name}{walk}")


@contextlib.contextmanager
def uploaded_file(upload: Any) -> Iterator[Path]:
    """Write a Streamlit upload to a temporary file (kept only while the block runs)."""
    suffix = Path(upload.name).suffix.lower()
    handle, name = tempfile.mkstemp(prefix="gait-upload-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            upload.seek(0)
            while chunk := upload.read(8 << 20):
                out.write(chunk)
        yield path
    finally:
        path.unlink(missing_ok=True)


def progress_callback(label: str) -> Callable[[int, int, float], None]:
    """A progress bar for a keypoint extraction: frames done of total, frames/s, time left.

    Returns
    -------
    callable
        ``callback(frames_done, frames_total, frames_per_s)`` as the engine calls it.
    """
    bar = st.progress(0.0, text=f"{label}: starting the pose model ...")
    last = [0.0]

    def update(done: int, total: int, fps: float) -> None:
        now = time.monotonic()
        if now - last[0] < 0.2 and done < total:
            return
        last[0] = now
        fraction = min(done / total, 1.0) if total else 0.0
        left = f", about {(total - done) / fps:.0f} s left" if fps > 0 and total else ""
        of_total = f" of {total}" if total else ""
        bar.progress(fraction, text=f"{label}: frame {done}{of_total}, {fps:.1f} frames/s{left}")

    return update


def show_video(path: Path | None, missing: str = "No overlay video for this clip.") -> None:
    """Play an H.264 MP4 from the store, or say why there is none."""
    if path is not None and path.is_file():
        st.video(str(path))
    else:
        st.caption(missing)


def show_quality(card: Any) -> None:
    """A clip's quality card: frames with a person, visibility, gait cycles, warnings."""
    cols = st.columns(4)
    cols[0].metric("Frames with a person", f"{card.frames_with_person} / {card.n_frames}")
    cols[1].metric("Mean visibility", f"{card.mean_visibility:.2f}")
    cols[2].metric("Gait cycles", card.n_cycles)
    cols[3].metric("Duration", f"{card.duration_s:.1f} s")
    for warning in card.warnings:
        st.warning(warning, icon=":material/warning:")


def evidence_walk(case_store: CaseStore, case_id: int, recording: Any, view: str,
                  choice: Any, actor_name: str) -> int | None:
    """Add a walk of a stored evidence recording as an evidence clip (extraction with a
    progress bar); its clip id, or None after showing why it was refused."""
    from gait.case import intake

    report = intake.add_evidence_walk(
        case_store, case_id, recording.video_sha256, view, actor=actor_name, choice=choice,
        progress=progress_callback(recording.original_name))
    if report.clip is None:
        show_clip_report(recording.original_name, report, case_store)
        return None
    return int(report.clip.clip_id)


def show_clip_report(name: str, report: Any, case_store: CaseStore) -> None:
    """Outcome of one enrolment or evidence upload: refused with its reason, or its card."""
    with st.container(border=True):
        if report.refused_reason:
            st.error(f"{name}: refused, {report.refused_reason}", icon=":material/block:")
        else:
            st.success(f"{name}: stored as clip #{report.clip.clip_id}",
                       icon=":material/check_circle:")
        if report.quality is not None:
            show_quality(report.quality)
        if report.clip is not None:
            show_video(case_store.overlay_path(report.clip))
