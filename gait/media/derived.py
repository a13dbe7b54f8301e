"""Recordings made from other recordings, for tests and benchmarks (no media is committed).

* :func:`write_h264` encodes RGB frames, streaming, as an H.264 MP4;
* :func:`paste_scaled` shrinks every frame of a recording and pastes it onto a larger canvas
  (a person far from the camera, in a landscape or portrait frame);
* :func:`repeat_recording` joins a recording to itself end to end without re-encoding (a long
  recording whose memory needs can be compared with the original's).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import av
import cv2
import numpy as np

from gait.media.files import atomic_write
from gait.media.video import iter_frames

CANVAS_GREY = 60


def write_h264(path: str | os.PathLike[str], frames: Iterable[np.ndarray], fps: float = 25,
               rotation_deg: int = 0) -> Path:
    """Encode RGB frames as an H.264 MP4 (yuv420p), one frame in memory at a time; the same
    frames give the same file in any process.

    Parameters
    ----------
    path : path-like
    frames : iterable of ndarray, shape (height, width, 3), uint8
        RGB frames, all of the first one's size (even width and height).
    fps : float
        Frame rate, frames per second.
    rotation_deg : int
        Display rotation written in the header (0, 90, 180 or 270).

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(path)
    with av.open(str(target), mode="w") as container:
        stream = None
        for rgb in frames:
            if stream is None:
                stream = container.add_stream("libx264", rate=round(fps))
                stream.height, stream.width = rgb.shape[:2]
                stream.pix_fmt = "yuv420p"
                # A fixed thread count: libx264's output depends on it, and its default (the
                # CPUs the process may use) changes once MediaPipe has run in the process, so
                # the same frames encoded before and after an extraction differed.
                stream.codec_context.thread_count = 2
                if rotation_deg:
                    stream.set_display_rotation(rotation_deg)
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        if stream is None:
            raise ValueError("a video needs at least one frame")
        for packet in stream.encode():
            container.mux(packet)
    return target


def paste_scaled(source: str | os.PathLike[str], target: str | os.PathLike[str],
                 scale: float, canvas_px: tuple[int, int], top_left_px: tuple[int, int]
                 ) -> Path:
    """Every frame of ``source`` shrunk by ``scale`` and pasted onto a grey canvas.

    Parameters
    ----------
    source, target : path-like
    scale : float
        Factor applied to the width and height, in (0, 1].
    canvas_px : (int, int)
        Width and height of the new frames, pixels.
    top_left_px : (int, int)
        Where the shrunk frame's top-left corner goes on the canvas, pixels.

    Returns
    -------
    Path
        ``target`` (H.264, the source's frame rate).
    """
    if not 0 < scale <= 1:
        raise ValueError(f"scale must lie in (0, 1], got {scale}")
    width, height = canvas_px
    x0, y0 = top_left_px
    with iter_frames(source) as stream:
        fps = stream.info.fps

        def pasted() -> Iterable[np.ndarray]:
            for frame in stream:
                small = cv2.resize(frame.rgb, None, fx=scale, fy=scale,
                                   interpolation=cv2.INTER_AREA)
                canvas = np.full((height, width, 3), CANVAS_GREY, np.uint8)
                h, w = min(small.shape[0], height - y0), min(small.shape[1], width - x0)
                canvas[y0:y0 + h, x0:x0 + w] = small[:h, :w]
                yield canvas

        return write_h264(target, pasted(), fps=fps)


def repeat_recording(source: str | os.PathLike[str], target: str | os.PathLike[str],
                     times: int) -> Path:
    """``source`` joined to itself ``times`` times, its packets copied (no re-encoding).

    Parameters
    ----------
    source, target : path-like
        Target is written atomically, in the source's container format.
    times : int
        At least 1.

    Returns
    -------
    Path
        ``target``.
    """
    if times < 1:
        raise ValueError(f"times must be at least 1, got {times}")
    suffix = Path(target).suffix.lstrip(".") or "mp4"

    def write(handle: object) -> None:
        with av.open(str(source)) as inp, av.open(handle, mode="w", format=suffix) as out:
            video_in = inp.streams.video[0]
            video_out = out.add_stream_from_template(video_in)
            offset = 0
            for _ in range(times):
                inp.seek(0)
                end = offset
                for packet in inp.demux(video_in):
                    if packet.dts is None or packet.pts is None:
                        continue
                    end = max(end, offset + packet.pts + (packet.duration or 0))
                    packet.pts += offset
                    packet.dts += offset
                    packet.stream = video_out
                    out.mux(packet)
                offset = end
    atomic_write(Path(target), write)
    return Path(target)
