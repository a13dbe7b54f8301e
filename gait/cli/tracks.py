"""``python -m gait tracks``: the people of a recording and their walks; every walk extracted.

Also the ``--track``, ``--start`` and ``--end`` options of ``extract`` and ``identify``, and the
line that says which person was analysed when the recording holds others.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gait.cli.output import UserError, print_json, progress_printer

WALKS_MANIFEST_EXTRA = ("track_id", "start_s", "end_s", "source_file", "source_sha256")


def add_walk_options(p: argparse.ArgumentParser) -> None:
    """``--track ID --start S --end S``: who and when to analyse in a recording."""
    p.add_argument("--track", type=int, help="person track to analyse (see `gait tracks`); "
                   "default: the person with the longest steady walk")
    p.add_argument("--start", type=float, help="start of the time range to analyse, seconds")
    p.add_argument("--end", type=float, help="end of the time range to analyse, seconds")


# Beyond this many other tracks (a crowd), the analysed line gives their number only.
MAX_LISTED_TRACKS = 8


def walk_choice(args: argparse.Namespace) -> Any:
    """The :class:`gait.pose.extraction.WalkChoice` of ``--track/--start/--end``."""
    from gait.pose.extraction import WalkChoice

    return WalkChoice(getattr(args, "track", None), getattr(args, "start", None),
                      getattr(args, "end", None))


def walk_line(sequence: Any) -> str | None:
    """Which person and range were analysed, and that others exist (None for keypoint files
    or a recording of one person)."""
    walk = sequence.meta.get("walk")
    tracks = (sequence.meta.get("scan") or {}).get("tracks") or []
    if not walk or len(tracks) < 2:
        return None
    ids = [str(t["track_id"]) for t in tracks if t["track_id"] != walk["track_id"]]
    others = ", ".join(ids) if len(ids) <= MAX_LISTED_TRACKS else f"{len(ids)} more"
    how = "as chosen" if walk["chosen_by_user"] else "the person with the longest steady walk"
    return (f"analysed: person track {walk['track_id']} of {len(tracks)} "
            f"({walk['start_s']:.1f}-{walk['end_s']:.1f} s), {how}; other tracks: {others} "
            "(`python -m gait tracks VIDEO` lists them, --track chooses one)")


def cmd_tracks(args: argparse.Namespace) -> int:
    """`tracks`: list the people and walks of a recording, write thumbnails, extract walks."""
    from gait.pose.cache import KeypointCache

    video = Path(args.video)
    if not video.exists():
        raise UserError(f"{video}: no such file")
    cache = KeypointCache()
    progress = None if args.quiet else _seconds_printer(f"scanning {video.name}")
    scan = cache.get_or_scan(video, progress=progress)
    payload: dict[str, Any] = {"fps": scan.fps, "duration_s": round(scan.duration_s, 3),
                               "tracks": [t.to_dict() for t in scan.tracks]}
    if args.thumbnails:
        folder = Path(args.thumbnails)
        folder.mkdir(parents=True, exist_ok=True)
        for track in scan.tracks:
            (folder / f"track_{track.track_id}.jpg").write_bytes(track.thumbnail_jpeg)
    if args.extract_walks:
        payload["walks"] = _extract_walks(cache, video, scan, Path(args.extract_walks),
                                          args.view, args.quiet)
    if args.json:
        print_json(payload, args.json)
    if args.json != "-":
        _print_table(scan, payload.get("walks"))
    return 0


def _seconds_printer(label: str) -> Any:
    show = progress_printer(label)
    return lambda done_s, total_s: show(round(done_s, 1), round(total_s, 1))


def _print_table(scan: Any, walks: list[dict[str, Any]] | None) -> None:
    print(f"{scan.source_file}: {scan.duration_s:.1f} s, {scan.fps:g} fps, "
          f"{len(scan.tracks)} person track{'s' if len(scan.tracks) != 1 else ''}")
    for track in scan.tracks:
        summary = track.to_dict()
        segments = ", ".join(f"{w['start_s']:.1f}-{w['end_s']:.1f} s" for w in summary["walking"])
        print(f"  track {track.track_id}: {summary['start_s']:.1f}-{summary['end_s']:.1f} s, "
              f"{summary['median_height_px']:.0f} px tall, walked "
              f"{summary['distance_body_heights']:.1f} body heights; walks: {segments or 'none'}")
    for walk in walks or []:
        print(f"  wrote {walk['file']} (track {walk['track_id']}, {walk['start_s']:.1f}-"
              f"{walk['end_s']:.1f} s, {walk['n_frames']} frames)")


def _extract_walks(cache: Any, video: Path, scan: Any, folder: Path, view: str,
                   quiet: bool) -> list[dict[str, Any]]:
    """Every walking segment as a keypoint file, plus ``manifest.csv`` (a data set)."""
    from gait.media.datasets import MANIFEST_COLUMNS, write_manifest
    from gait.media.keypoints import save_npz
    from gait.pose.extraction import walk_segment_choice

    walks = scan.walks()
    if not walks:
        raise UserError(f"{video.name}: nobody walks steadily for 1 s or more in it; "
                        "nothing to extract")
    folder.mkdir(parents=True, exist_ok=True)
    rows, written = [], []
    for number, (track, segment) in enumerate(walks, start=1):
        choice = walk_segment_choice(scan, track, segment)
        label = f"walk {number}/{len(walks)} (track {track.track_id})"
        sequence = cache.get_or_extract(video, choice=choice,
                                        progress=None if quiet else progress_printer(label))
        clip_id = f"{video.stem}_walk{number:02d}_track{track.track_id}"
        path = save_npz(sequence, folder / f"{clip_id}.npz")
        rows.append({"clip_id": clip_id, "subject": f"track-{track.track_id}", "view": view,
                     "direction": "unknown", "condition": "unknown", "take": str(number),
                     "fps": f"{sequence.fps:g}", "n_frames": sequence.n_frames,
                     "file": path.name, "track_id": track.track_id,
                     "start_s": f"{choice.start_s:g}", "end_s": f"{choice.end_s:g}",
                     "source_file": video.name, "source_sha256": sequence.meta.get("sha256")})
        written.append({"file": str(path), "track_id": track.track_id,
                        "start_s": choice.start_s, "end_s": choice.end_s,
                        "n_frames": sequence.n_frames})
    write_manifest(folder, rows, columns=(*MANIFEST_COLUMNS, *WALKS_MANIFEST_EXTRA))
    return written
