"""Tests of gait.case.dataset_import: a keypoint data set folder imported into a case."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from gait.case.dataset_import import import_keypoint_folder
from gait.case.store import CaseStore, StoreError
from gait.case.tables import case_table


def _subset(shared_data: Path, target: Path, subjects: tuple[str, ...], per_subject: int) -> int:
    source = shared_data / "keypoints" / "enrol"
    target.mkdir()
    with (source / "manifest.csv").open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["view"] == "side"
                and r["subject"] in subjects]
    chosen = []
    for subject in subjects:
        chosen += [r for r in rows if r["subject"] == subject][:per_subject]
    for row in chosen:
        shutil.copy(source / row["file"], target / row["file"])
    damaged = dict(chosen[0], clip_id="damaged", file="damaged.npz")
    (target / "damaged.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with (target / "manifest.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(chosen[0]))
        writer.writeheader()
        writer.writerows([*chosen, damaged])
    return len(chosen)


def test_import_keypoint_folder(shared_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "subset"
    n_files = _subset(shared_data, folder, ("S01", "S02", "S03"), 2)
    store = CaseStore(tmp_path / "data")
    case = store.create_case("Imported")
    store.add_suspect(case.case_id, "S01")
    seen: list[tuple[int, int]] = []
    report = import_keypoint_folder(store, case.case_id, folder, actor="s",
                                    progress=lambda d, t: seen.append((d, t)))
    assert report.suspects_created == ("S02", "S03")
    assert report.n_added + len(report.refused) == n_files + 1
    assert ("damaged" in dict(report.refused))
    assert report.n_added >= n_files - 1
    assert seen[-1] == (n_files + 1, n_files + 1)
    clips = store.clips(case.case_id, view="side", role="enrolment")
    assert len(clips) == report.n_added
    assert {c.source for c in clips} == {"keypoints"}
    assert all(c.video_sha256 is None and c.n_cycles >= 1 for c in clips)
    again = import_keypoint_folder(store, case.case_id, folder)
    assert again.n_added == 0 and again.n_existing == report.n_added
    with pytest.raises(StoreError, match="manifest"):
        import_keypoint_folder(store, case.case_id, tmp_path)

    table = case_table(store, case.case_id, "side")
    assert set(table.subjects) == {"S01", "S02", "S03"}
    assert table.frame["clip_id"].nunique() == report.n_added
