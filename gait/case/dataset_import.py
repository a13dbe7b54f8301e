"""Importing a keypoint data set folder (``.npz`` files + ``manifest.csv``) into a case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gait.case.clip_analysis import clip_features
from gait.case.intake import add_keypoint_clip
from gait.case.store import CaseStore, StoreError, one_line
from gait.case.store.permissions import CHANGE_CASE
from gait.media.datasets import read_manifest
from gait.media.files import import_root, inside_root
from gait.media.keypoints import KeypointFormatError, load_npz
from gait.walk.cycles import analyse_gait

ImportProgress = Callable[[int, int], None]
"""``progress(files_done, files_total)``."""


@dataclass(frozen=True)
class ImportReport:
    """The outcome of importing a keypoint data set folder.

    Attributes
    ----------
    n_added : int
        Clips recorded.
    n_existing : int
        Clips that were already in the case (same keypoints file).
    refused : tuple of (str, str)
        (clip id, reason) of every clip that was not recorded.
    suspects_created : tuple of str
        Names of the suspects created for subjects new to the case.
    """

    n_added: int
    n_existing: int
    refused: tuple[tuple[str, str], ...]
    suspects_created: tuple[str, ...]


def _suspect_id(store: CaseStore, case_id: int, name: str, actor: str,
                created: list[str]) -> int:
    suspect = store.suspect_by_name(case_id, name)
    if suspect is None:
        try:
            suspect = store.add_suspect(case_id, name, actor=actor)
            created.append(suspect.name)
        except StoreError:  # another session created them a moment ago
            suspect = store.suspect_by_name(case_id, name)
            if suspect is None:
                raise
    return suspect.suspect_id


def import_keypoint_folder(store: CaseStore, case_id: int, folder: str | Path, actor: str = "",
                           progress: ImportProgress | None = None) -> ImportReport:
    """Import a keypoint data set folder (``.npz`` files + ``manifest.csv``) as enrolment clips.

    Suspects are created by subject name; clips already in the case (same file content) are
    counted, not added twice; a damaged file or a clip without a gait cycle is refused with
    its reason while the others are imported.

    Parameters
    ----------
    store : CaseStore
    case_id : int
    folder : path-like
        See the data format in the README.
    actor : str
    progress : callable, optional
        ``progress(files_done, files_total)``.

    Raises
    ------
    StoreError
        If the folder has no readable manifest.
    OutsideImportRoot
        On a store acting for a user (the dashboard), if the folder or one of its files lies
        outside the import root (``GAIT_IMPORT_ROOT``; unset: no folder may be read). The
        machine's operator (the command line) reads any folder.
    """
    store.require(CHANGE_CASE, case_id)
    root = import_root() if store.user is not None else None
    if store.user is not None:
        folder = inside_root(folder, root)
    try:
        records = read_manifest(folder)
    except KeypointFormatError as exc:
        raise StoreError(one_line(exc)) from exc
    if store.user is not None:  # a file of the manifest may be a link out of the root
        for record in records:
            inside_root(record.file, root)
    n_added = n_existing = 0
    refused: list[tuple[str, str]] = []
    created: list[str] = []
    for done, record in enumerate(records, start=1):
        try:
            sequence = load_npz(record.file, clip_id=record.clip_id)
            keypoints_sha = store.put_blob(record.file)
        except (KeypointFormatError, StoreError) as exc:
            refused.append((record.clip_id, one_line(exc)))
        else:
            if store.clip_for_keypoints(case_id, keypoints_sha) is not None:
                n_existing += 1
            else:
                analysis = analyse_gait(sequence, record.view)
                clip_features(store, keypoints_sha, record.view, analysis=analysis)
                if not analysis.sufficient:
                    refused.append((record.clip_id, analysis.insufficient_reason
                                    or "no complete gait cycle was found"))
                else:
                    suspect_id = _suspect_id(store, case_id, record.subject, actor, created)
                    report = add_keypoint_clip(
                        store, case_id, suspect_id, sequence, keypoints_sha, record.file.name,
                        record.view, record.direction, record.condition, actor=actor)
                    if report.clip is None:
                        refused.append((record.clip_id, report.refused_reason or "refused"))
                    else:
                        n_added += 1
        if progress is not None:
            progress(done, len(records))
    store.log("keypoints imported", case_id, {
        "folder": str(folder), "n_files": len(records), "n_added": n_added,
        "n_existing": n_existing, "n_refused": len(refused), "suspects_created": created,
    }, actor)
    return ImportReport(n_added, n_existing, tuple(refused), tuple(created))
