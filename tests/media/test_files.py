"""Tests of gait.media.files: atomic writes leave the old file or the new one, never half;
the import root lets nothing out."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import IO

import pytest

from gait.media.files import atomic_write, sha256_bytes, sha256_file


def test_atomic_write_creates_folders_and_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.bin"
    atomic_write(target, lambda handle: handle.write(b"first"))
    atomic_write(target, lambda handle: handle.write(b"second"))
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["out.bin"]  # no temporary left


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"kept")

    def half_then_crash(handle: IO[bytes]) -> None:
        handle.write(b"half")
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError, match="disk gone"):
        atomic_write(target, half_then_crash)
    assert target.read_bytes() == b"kept"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


@pytest.mark.parametrize("payload", [b"", b"x", bytes(range(256)) * 5000])
def test_hashes_are_sha256(tmp_path: Path, payload: bytes) -> None:
    path = tmp_path / "blob"
    path.write_bytes(payload)
    expected = hashlib.sha256(payload).hexdigest()
    assert sha256_bytes(payload) == expected
    assert sha256_file(path, chunk_bytes=1000) == expected
    with pytest.raises(OSError):
        sha256_file(tmp_path / "missing")


def test_inside_root_refuses_every_way_out(tmp_path: Path) -> None:
    from gait.media.files import OutsideImportRoot, inside_root

    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "sets" / "enrol").mkdir(parents=True)
    outside.mkdir()
    (root / "link-out").symlink_to(outside)
    (root / "link-in").symlink_to(root / "sets")
    assert inside_root("sets/enrol", root) == (root / "sets" / "enrol").resolve()
    assert inside_root(str(root / "sets"), root) == (root / "sets").resolve()
    assert inside_root("link-in/enrol", root) == (root / "sets" / "enrol").resolve()
    for path, message in (("../outside", "'..' is not allowed"),
                          ("sets/../../outside", "'..' is not allowed"),
                          (str(outside), "outside the import folder"),
                          ("/etc/passwd", "outside the import folder"),
                          ("link-out", "through a symbolic link")):
        with pytest.raises(OutsideImportRoot, match=message) as refused:
            inside_root(path, root)
        assert "\n" not in str(refused.value)
    with pytest.raises(OutsideImportRoot, match="disabled"):
        inside_root("sets", None)
    assert issubclass(OutsideImportRoot, PermissionError)
