"""Overlay videos: the analysed person's skeleton drawn on the frames, as browser-ready MP4.

Videos are encoded H.264 (libx264 through PyAV; OpenCV's wheels have no H.264 encoder) in
yuv420p with even frame sizes and the ``moov`` index at the start of the file
(``+faststart``), which is what browsers need to play them in a ``<video>`` element. Files are
written to a temporary name and renamed, so a crash never leaves a half-written video.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from gait.media.keypoints import KeypointSequence
from gait.media.landmarks import SKELETON_EDGES
from gait.media.video import Frame, FrameSelection, iter_frames, probe_video

# Colours (RGB): left side warm, right side cool, midline white.
LEFT_RGB = (255, 140, 0)
RIGHT_RGB = (0, 170, 255)
MIDDLE_RGB = (255, 255, 255)
OVERLAY_MAX_HEIGHT_PX = 720


class OverlayError(ValueError):
    """An overlay video cannot be made (e.g. the sequence does not belong to the video)."""


def _side_colour(a: int, b: int) -> tuple[int, int, int]:
    # MediaPipe numbers left landmarks odd and right ones even from 11 (shoulders) on; the
    # face (0-10) is drawn in white.
    if a <= 10 and b <= 10:
        return MIDDLE_RGB
    if a % 2 == 1 and b % 2 == 1:
        return LEFT_RGB
    if a % 2 == 0 and b % 2 == 0:
        return RIGHT_RGB
    return MIDDLE_RGB


_EDGE_COLOURS = tuple(_side_colour(a, b) for a, b in SKELETON_EDGES)


def draw_skeleton(rgb: np.ndarray, xyzv: np.ndarray, min_visibility: float = 0.0) -> None:
    """Draw a person's skeleton (edges of ``SKELETON_EDGES``) and landmarks, in place.

    Parameters
    ----------
    rgb : ndarray, shape (height, width, 3), uint8
        Frame to draw on.
    xyzv : ndarray, shape (33, 4)
        Landmarks with x, y normalised to the frame's width and height; rows with NaN are
        not drawn.
    min_visibility : float
        Landmarks less visible than this are not drawn.
    """
    height, width = rgb.shape[:2]
    if np.isnan(xyzv[:, :2]).any():
        return
    thickness = max(1, round(height / 240))
    radius = max(3, round(height / 180))
    xy = np.round(xyzv[:, :2] * np.array([width, height])).astype(np.int64)
    xy = np.clip(xy, -4 * max(width, height), 4 * max(width, height))
    visible = xyzv[:, 3] >= min_visibility
    for (a, b), colour in zip(SKELETON_EDGES, _EDGE_COLOURS, strict=True):
        if visible[a] and visible[b]:
            p, q = (int(v) for v in xy[a]), (int(v) for v in xy[b])
            cv2.line(rgb, tuple(p), tuple(q), colour, thickness + 1, cv2.LINE_AA)
    for i in np.flatnonzero(visible):
        colour = _side_colour(i, i) if i > 10 else MIDDLE_RGB
        centre = (int(xy[i, 0]), int(xy[i, 1]))
        cv2.circle(rgb, centre, radius, (0, 0, 0), -1, cv2.LINE_AA)
        cv2.circle(rgb, centre, radius - 1, colour, -1, cv2.LINE_AA)


def _label(rgb: np.ndarray, text: str) -> None:
    scale = max(0.35, rgb.shape[0] / 720)
    org = (int(10 * scale), int(32 * scale))
    font, size = cv2.FONT_HERSHEY_SIMPLEX, 0.9 * scale
    outline = max(2, round(4 * scale))
    cv2.putText(rgb, text, org, font, size, (0, 0, 0), outline, cv2.LINE_AA)
    cv2.putText(rgb, text, org, font, size, (255, 255, 255), max(1, outline // 2), cv2.LINE_AA)


def write_h264(
    frames: Iterable[tuple[int, np.ndarray]],
    out_path: str | os.PathLike[str],
    fps: float,
    *,
    crf: int = 23,
    preset: str = "veryfast",
) -> Path:
    """Encode RGB frames as a browser-playable H.264 MP4, atomically.

    Parameters
    ----------
    frames : iterable of (frame_index, rgb)
        ``rgb`` of shape (height, width, 3) uint8, all of the same size; ``frame_index``
        strictly increasing (gaps keep their duration).
    out_path : path-like
        Destination ``.mp4``; replaced only once the video is complete.
    fps : float
        Frame rate in frames per second.
    crf, preset : int, str
        libx264 quality (lower is better, 23 default) and speed preset.

    Returns
    -------
    Path
        ``out_path``.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{uuid.uuid4().hex[:12]}.tmp")
    rate = Fraction(fps).limit_denominator(1001)
    container = av.open(str(tmp), mode="w", format="mp4", options={"movflags": "+faststart"})
    try:
        stream = None
        n_written = 0
        for frame_index, rgb in frames:
            if stream is None:
                height, width = rgb.shape[:2]
                stream = container.add_stream("libx264", rate=rate)
                stream.width, stream.height = width - width % 2, height - height % 2
                stream.pix_fmt = "yuv420p"
                stream.codec_context.time_base = 1 / rate
                stream.options = {"crf": str(crf), "preset": preset, "movflags": "+faststart"}
            height, width = stream.height, stream.width
            picture = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(rgb[:height, :width]), format="rgb24"
            )
            picture.pts = int(frame_index)
            picture.time_base = 1 / rate
            for packet in stream.encode(picture):
                container.mux(packet)
            n_written += 1
        if stream is None or n_written == 0:
            raise OverlayError(f"{out_path.name}: no frame to write")
        for packet in stream.encode():
            container.mux(packet)
        container.close()
        os.replace(tmp, out_path)
    except BaseException:
        with contextlib.suppress(Exception):  # already failing: the first error matters
            container.close()
        tmp.unlink(missing_ok=True)
        raise
    return out_path


def render_overlay(
    video_path: str | os.PathLike[str],
    sequence: KeypointSequence,
    out_path: str | os.PathLike[str],
    *,
    max_height_px: int = OVERLAY_MAX_HEIGHT_PX,
) -> Path:
    """Draw an extracted sequence on its video and save it as a browser-playable MP4.

    Does not run the pose model: the landmarks come from ``sequence`` (e.g. from the cache).

    Parameters
    ----------
    video_path : path-like
        The video the sequence was extracted from.
    sequence : KeypointSequence
        Landmarks; row ``i`` is drawn on the video frame ``sequence.frame_index[i]``. Only
        the frames from its first to its last row are written.
    out_path : path-like
        Destination ``.mp4`` (written atomically).
    max_height_px : int
        Frames are downscaled to at most this height (default 720 px) to keep files small.

    Returns
    -------
    Path
        ``out_path``.

    Raises
    ------
    gait.media.video.VideoError
        If the video cannot be read.
    OverlayError
        If the sequence's frame size does not match the video's.
    """
    info = probe_video(video_path)
    if sequence.frame_size_px is not None and sequence.frame_size_px != info.frame_size_px:
        raise OverlayError(
            f"{info.path.name}: the landmarks were extracted from a {sequence.frame_size_px} "
            f"video, this one is {info.frame_size_px}"
        )
    rows = {int(f): i for i, f in enumerate(sequence.frame_index)}

    def annotated(stream: Iterable[Frame]) -> Iterable[tuple[int, np.ndarray]]:
        for frame in stream:
            rgb = frame.rgb
            if not rgb.flags.writeable:
                rgb = rgb.copy()
            row = rows.get(frame.frame_index)
            if row is not None:
                draw_skeleton(rgb, sequence.xyzv[row])
            _label(rgb, f"frame {frame.frame_index}  {frame.timestamp_s:6.2f} s")
            yield frame.frame_index, rgb

    # Only the frames the sequence covers (an extraction of one walk of a long recording).
    frames = FrameSelection()
    if sequence.n_frames:
        first_s = int(sequence.frame_index[0]) / info.fps
        frames = FrameSelection(first_s, (int(sequence.frame_index[-1]) + 0.5) / info.fps)
    with iter_frames(video_path, max_height_px=max_height_px, frames=frames) as stream:
        return write_h264(annotated(stream), out_path, info.fps)
