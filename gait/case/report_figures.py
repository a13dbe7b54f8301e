"""Static figures of a case report (PNG bytes, drawn with matplotlib's Agg canvas, no browser).

Every figure is deterministic: the same data give the same bytes (no time stamp or software
name is written into the PNG).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gait.case.store import CaseStore, Clip
from gait.identification.likelihood import VERBAL_SCALE, empirical_cross_entropy, tippett
from gait.media.keypoints import KeypointSequence
from gait.media.overlay import draw_skeleton
from gait.media.video import FrameSelection, VideoError, iter_frames

HP_COLOUR, HD_COLOUR, NEUTRAL = "#2ca02c", "#d62728", "#7f7f7f"  # as on the dashboard
FRAME_HEIGHT_PX = 720  # evidence frames are decoded at most this tall
CROP_MARGIN = 0.3  # of the person's height, around the landmarks
_DPI = 150


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None},
                   bbox_inches="tight")
    return buffer.getvalue()


def _figure(width_in: float, height_in: float) -> tuple[Figure, Any]:
    figure = Figure(figsize=(width_in, height_in))
    return figure, figure.add_subplot()


def lr_ranking_png(ranking: Sequence[dict[str, Any]], name_at_lr: float | None) -> bytes:
    """Bars of log10 LR per suspect (ranked order), on the verbal scale's bands.

    Parameters
    ----------
    ranking : sequence of dict
        ``suspect`` and ``log10_lr`` (None: not shown) per suspect, best first.
    name_at_lr : float or None
        The LR that names a suspect (a dashed line).
    """
    rows = [r for r in ranking if r.get("log10_lr") is not None][::-1]
    figure, axes = _figure(6.5, 0.45 * len(rows) + 1.4)
    values = np.array([r["log10_lr"] for r in rows], dtype=float)
    limit = max(3.0, float(np.abs(values).max(initial=0)) + 0.5)
    lower = 0.0
    for upper, words in VERBAL_SCALE[:4]:
        for sign in (1, -1):
            axes.axvspan(sign * lower, sign * upper, color=HP_COLOUR if sign > 0 else
                         HD_COLOUR, alpha=0.04 + 0.03 * VERBAL_SCALE.index((upper, words)),
                         lw=0)
        lower = upper
    axes.barh([r["suspect"] for r in rows], values,
              color=[HP_COLOUR if v > 0 else HD_COLOUR for v in values])
    axes.axvline(0, color="black", lw=0.8)
    if name_at_lr is not None:
        axes.axvline(np.log10(name_at_lr), color="black", ls="--", lw=1,
                     label=f"names a suspect (LR {name_at_lr:g})")
        axes.legend(loc="lower right", fontsize=7)
    axes.set_xlim(-limit, limit)
    axes.set_xlabel("log10 LR  (left: supports Hd, someone else; right: supports Hp, the "
                    "suspect)", fontsize=8)
    axes.tick_params(labelsize=8)
    return _png(figure)


def tippett_png(log10_lrs: Sequence[float], hp: Sequence[int]) -> bytes:
    """Tippett plot of a model's cross-validated calibration LRs."""
    curves = tippett(np.asarray(log10_lrs), np.asarray(hp))
    figure, axes = _figure(3.3, 2.6)
    axes.plot(curves["log10_lr"], curves["hp"], color=HP_COLOUR, label="Hp true")
    axes.plot(curves["log10_lr"], curves["hd"], color=HD_COLOUR, label="Hd true")
    axes.axvline(0, color=NEUTRAL, lw=0.8)
    axes.set_xlabel("log10 LR", fontsize=8)
    axes.set_ylabel("share with LR at or above", fontsize=8)
    axes.set_title("Tippett plot", fontsize=9)
    axes.legend(fontsize=7)
    axes.tick_params(labelsize=7)
    return _png(figure)


def ece_png(log10_lrs: Sequence[float], hp: Sequence[int]) -> bytes:
    """Empirical cross-entropy plot of a model's cross-validated calibration LRs."""
    curves = empirical_cross_entropy(np.asarray(log10_lrs), np.asarray(hp))
    figure, axes = _figure(3.3, 2.6)
    x = curves["log10_prior_odds"]
    axes.plot(x, curves["lrs"], color=HP_COLOUR, label="these LRs")
    axes.plot(x, curves["pav"], color=HP_COLOUR, ls="--", label="after PAV (best)")
    axes.plot(x, curves["reference"], color=NEUTRAL, ls=":", label="LR 1 always")
    axes.set_xlabel("log10 prior odds", fontsize=8)
    axes.set_ylabel("empirical cross-entropy (bits)", fontsize=8)
    axes.set_title("ECE plot", fontsize=9)
    axes.legend(fontsize=7)
    axes.tick_params(labelsize=7)
    return _png(figure)


def _frame_at(store: CaseStore, clip: Clip, frame_index: int, fps: float) -> np.ndarray | None:
    """The video frame ``frame_index`` of a clip's recording (None without a video)."""
    path = store.video_path(clip)
    if path is None:
        return None
    at_s = frame_index / fps
    try:
        selection = FrameSelection(start_s=max(0.0, at_s - 0.5), end_s=at_s + 0.5)
        best = None
        for frame in iter_frames(path, max_height_px=FRAME_HEIGHT_PX, frames=selection):
            if best is None or abs(frame.frame_index - frame_index) < abs(best[0] - frame_index):
                best = (frame.frame_index, frame.rgb)
    except VideoError:
        return None
    return None if best is None else best[1].copy()


def _crop(rgb: np.ndarray, xyzv: np.ndarray) -> np.ndarray:
    height, width = rgb.shape[:2]
    xy = xyzv[:, :2] * np.array([width, height])
    low, high = np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)
    margin = CROP_MARGIN * max(high[1] - low[1], 1.0)
    size = (width, height)
    x0, y0 = (int(np.clip(low[a] - margin, 0, size[a] - 2)) for a in (0, 1))
    x1, y1 = (int(np.clip(high[a] + margin, 2, size[a])) for a in (0, 1))
    if x1 - x0 < 2 or y1 - y0 < 2:  # the person is outside the frame: show all of it
        return rgb
    return rgb[y0:y1, x0:x1]


def evidence_frames_png(store: CaseStore, clip: Clip, sequence: KeypointSequence,
                        n_frames: int = 3) -> bytes | None:
    """Frames of the evidence with the skeleton drawn, cropped around the walker.

    The frames are spread over the frames where the person was found (at 20 %, 50 % and 80 %
    for three). Clips without a stored video are drawn on a grey background.

    Returns
    -------
    bytes or None
        PNG, or None when the person was found in no frame.
    """
    detected = np.flatnonzero(sequence.detected)
    if detected.size == 0:
        return None
    picks = detected[np.round(np.linspace(0.2, 0.8, n_frames) * (detected.size - 1))
                     .astype(int)]
    width, height = sequence.frame_size_px or (1280, 720)
    figure = Figure(figsize=(2.2 * n_frames, 3.2))
    for k, i in enumerate(picks):
        frame_index = int(sequence.frame_index[i])
        rgb = _frame_at(store, clip, frame_index, sequence.fps)
        if rgb is None:
            scale = FRAME_HEIGHT_PX / height
            rgb = np.full((FRAME_HEIGHT_PX, int(width * scale), 3), 90, np.uint8)
        draw_skeleton(rgb, sequence.xyzv[i])
        axes = figure.add_subplot(1, n_frames, k + 1)
        axes.imshow(_crop(rgb, sequence.xyzv[i]))
        axes.set_title(f"frame {frame_index} ({frame_index / sequence.fps:.2f} s)", fontsize=7)
        axes.axis("off")
    return _png(figure)
