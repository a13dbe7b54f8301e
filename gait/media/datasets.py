"""Keypoint data sets: a folder of clip files (``.npz``) plus ``manifest.csv``.

``manifest.csv`` has the columns :data:`MANIFEST_COLUMNS`: ``clip_id, subject, view
(side|front), direction (left|right|front|back|unknown), condition, take, fps, n_frames, file``
(``file`` relative to the folder). ``clip_id``, ``subject``, ``view`` and ``file`` are required.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gait.media.files import atomic_write
from gait.media.keypoints import (
    DIRECTIONS,
    VIEWS,
    KeypointFormatError,
    KeypointSequence,
    load_npz,
)

MANIFEST_COLUMNS = (
    "clip_id",
    "subject",
    "view",
    "direction",
    "condition",
    "take",
    "fps",
    "n_frames",
    "file",
)


@dataclass(frozen=True)
class ClipRecord:
    """One row of a data set's ``manifest.csv``: who walks, seen how, in which file."""

    clip_id: str
    subject: str
    view: str
    direction: str
    condition: str
    take: str
    file: Path

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise KeypointFormatError(f"clip {self.clip_id}: view must be one of {VIEWS}")
        if self.direction not in DIRECTIONS:
            raise KeypointFormatError(
                f"clip {self.clip_id}: direction must be one of {DIRECTIONS}"
            )
        if not self.clip_id or not self.subject:
            raise KeypointFormatError("every manifest row needs a clip_id and a subject")


def read_manifest(folder: str | os.PathLike[str]) -> list[ClipRecord]:
    """Read ``folder/manifest.csv`` into clip records (files resolved inside ``folder``)."""
    folder = Path(folder)
    manifest = folder / "manifest.csv"
    if not manifest.is_file():
        raise KeypointFormatError(f"{folder}: no manifest.csv (see the data format in README)")
    with manifest.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        needed = {"clip_id", "subject", "view", "file"}
        if reader.fieldnames is None or not needed <= set(reader.fieldnames):
            raise KeypointFormatError(f"{manifest}: needs the columns {sorted(needed)}")
        records = [
            ClipRecord(
                clip_id=row["clip_id"].strip(),
                subject=row["subject"].strip(),
                view=row["view"].strip(),
                direction=(row.get("direction") or "unknown").strip(),
                condition=(row.get("condition") or "normal").strip(),
                take=(row.get("take") or "").strip(),
                file=folder / row["file"].strip(),
            )
            for row in reader
        ]
    ids = [r.clip_id for r in records]
    if len(set(ids)) != len(ids):
        raise KeypointFormatError(f"{manifest}: clip_id values are not unique")
    return records


def write_manifest(folder: str | os.PathLike[str], rows: list[dict[str, Any]],
                   columns: tuple[str, ...] = MANIFEST_COLUMNS) -> Path:
    """Write ``folder/manifest.csv`` atomically from dictionaries keyed by ``columns`` (the
    :data:`MANIFEST_COLUMNS`, and any extra ones after them)."""

    def write(handle: Any) -> None:
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        handle.write(text.getvalue().encode("utf-8"))

    return atomic_write(Path(folder) / "manifest.csv", write)


def load_dataset(
    folder: str | os.PathLike[str], view: str | None = None
) -> Iterator[tuple[ClipRecord, KeypointSequence]]:
    """Yield (record, sequence) for every clip of a data set folder, optionally of one view."""
    for record in read_manifest(folder):
        if view is not None and record.view != view:
            continue
        yield record, load_npz(record.file, clip_id=record.clip_id)
