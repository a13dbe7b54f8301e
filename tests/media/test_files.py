"""Tests of gait.media.files: atomic writes leave the old file or the new one, never half."""

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
