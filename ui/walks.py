"""Choosing the walk to analyse in a recording: a gallery of its people and a range slider.

A recording of several people, or of one person walking more than once (a CCTV export), is
scanned once (:func:`gait.case.intake.store_recording`); the user picks one walking segment
from the thumbnails and may move the time range, and the page enrols or identifies that walk
(:class:`gait.pose.extraction.WalkChoice`).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from gait.case.intake import Recording
from gait.pose.extraction import WalkChoice, walk_segment_choice
from gait.pose.scan import ScannedTrack
from gait.pose.tracking import WalkingSegment

GALLERY_COLUMNS = 4


def _options(recording: Recording) -> list[tuple[ScannedTrack, WalkingSegment | None]]:
    """Every walking segment, then every person who never walks (their whole time on screen)."""
    walks: list[tuple[ScannedTrack, WalkingSegment | None]] = list(recording.scan.walks())
    walkers = {track.track_id for track, _ in walks}
    return walks + [(t, None) for t in recording.scan.tracks if t.track_id not in walkers]


def _label(track: ScannedTrack, segment: WalkingSegment | None) -> str:
    if segment is None:
        return (f"person {track.track_id}: on screen {track.track.start_s:.1f}-"
                f"{track.track.end_s:.1f} s, no steady walk")
    return f"person {track.track_id}: walks {segment.start_s:.1f}-{segment.end_s:.1f} s"


def walk_picker(recording: Recording, key: str) -> WalkChoice:
    """Show the recording's people and walks and return the walk the user chose.

    Parameters
    ----------
    recording : Recording
        A stored, scanned recording.
    key : str
        Prefix of the widgets' keys (one picker per recording on a page).

    Returns
    -------
    WalkChoice
        The person track and the time range (seconds) to analyse; by default the longest
        steady walk, with half a second on either side.
    """
    scan = recording.scan
    options = _options(recording)
    st.markdown(f"**{recording.original_name}**: {scan.duration_s:.1f} s, "
                f"{len(scan.tracks)} people, {len(scan.walks())} steady walks. "
                "Choose the walk to analyse.")
    shown = sorted(scan.tracks, key=lambda t: t.track_id)
    for row_start in range(0, len(shown), GALLERY_COLUMNS):
        row = shown[row_start:row_start + GALLERY_COLUMNS]
        for column, track in zip(st.columns(GALLERY_COLUMNS), row, strict=False):
            with column:
                st.image(track.thumbnail_jpeg, width=140)
                walking = ", ".join(f"{w.start_s:.1f}-{w.end_s:.1f} s" for w in track.walking)
                st.caption(f"person {track.track_id} · {track.track.start_s:.1f}-"
                           f"{track.track.end_s:.1f} s · {track.track.median_height_px:.0f} px"
                           f" · walks: {walking or 'none'}")
    longest = scan.longest_walk()
    default = next((i for i, (t, w) in enumerate(options)
                    if longest is not None and t is longest[0] and w is longest[1]), 0)
    index = st.radio("Walk", range(len(options)), index=default, key=f"{key}-walk",
                     format_func=lambda i: _label(*options[i]))
    track, segment = options[index]
    if segment is not None:
        chosen = walk_segment_choice(scan, track, segment)
        start_s, end_s = float(chosen.start_s or 0.0), float(chosen.end_s or scan.duration_s)
    else:
        start_s, end_s = track.track.start_s, track.track.end_s
    duration = round(scan.duration_s, 1)
    low, high = st.slider("Time range analysed (s)", 0.0, max(duration, 0.1),
                          (round(start_s, 1), min(round(end_s, 1), duration)), step=0.1,
                          key=f"{key}-range-{index}",
                          help="The pose model runs on the chosen person in this range only.")
    if high <= low:  # both ends pulled to one point: a tenth of a second around it
        low, high = max(0.0, high - 0.1), max(high, 0.1)
    return WalkChoice(track.track_id, float(low), float(high))


def scan_progress(label: str) -> Callable[[float, float], None]:
    """A progress bar for a recording's scan for people (seconds scanned of the total)."""
    bar = st.progress(0.0, text=f"{label}: looking for people ...")

    def update(done_s: float, total_s: float) -> None:
        fraction = min(done_s / total_s, 1.0) if total_s > 0 else 0.0
        bar.progress(fraction, text=f"{label}: looking for people, {done_s:.0f} of "
                                    f"{total_s:.0f} s")

    return update
