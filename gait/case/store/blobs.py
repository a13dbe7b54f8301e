"""Content-addressed files of the case store: every file named by its SHA-256, checked on use.

``blobs/ab/<sha256>`` holds every stored file (videos, keypoints, photos, overlays), written
once and never changed. A blob's hash is computed again when it is used (remembered while the
file's size, times and inode stay those of the last check); a file that no longer matches its
name raises :class:`StoreError` and writes an ``integrity failure`` event.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from pathlib import Path
from typing import IO

from gait.case.store.records import StoreError
from gait.case.store.users import UserTable
from gait.media.files import atomic_write, sha256_bytes, sha256_file


class BlobFiles(UserTable):
    """The store's content-addressed files (see the module docstring)."""

    def __init__(self, data_dir: str | os.PathLike[str] | None = None) -> None:
        super().__init__(data_dir)
        # Hash checks of unchanged files are remembered (keyed by size, mtime, ctime, inode).
        self._verified: dict[str, tuple[int, int, int, int]] = {}
        self._lock = threading.Lock()

    def _blob_file(self, sha256: str) -> Path:
        sha256 = str(sha256).lower()
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise StoreError(f"not a SHA-256: {sha256!r}")
        return self.blob_dir / sha256[:2] / sha256

    def put_blob(self, data: bytes | str | os.PathLike[str]) -> str:
        """Store bytes or a file's content by its SHA-256 (once; atomic); return the hash.

        Raises
        ------
        StoreError
            If the file cannot be read.
        """
        if isinstance(data, bytes | bytearray | memoryview):
            payload = bytes(data)
            sha = sha256_bytes(payload)
            target = self._blob_file(sha)
            if not self._intact(target, sha):
                atomic_write(target, lambda handle: handle.write(payload))
                with self._lock:
                    self._verified[sha] = self._stat_key(target)
            return sha
        source = Path(data)
        try:
            sha = sha256_file(source)
        except OSError as exc:
            raise StoreError(f"cannot read {source.name}: {exc.strerror or exc}") from exc
        target = self._blob_file(sha)
        if not self._intact(target, sha):

            def copy(handle: IO[bytes]) -> None:
                with source.open("rb") as src:
                    shutil.copyfileobj(src, handle, 1 << 20)

            atomic_write(target, copy)
            if sha256_file(target) != sha:  # the source changed while it was copied
                target.unlink(missing_ok=True)
                raise StoreError(f"{source.name} changed while it was being stored; try again")
            with self._lock:
                self._verified[sha] = self._stat_key(target)
        return sha

    @staticmethod
    def _stat_key(path: Path) -> tuple[int, int, int, int]:
        st = path.stat()
        return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)

    def _intact(self, path: Path, sha: str) -> bool:
        """Whether ``path`` exists and its bytes hash to ``sha`` (remembered while unchanged)."""
        try:
            key = self._stat_key(path)
        except OSError:
            return False
        with self._lock:
            if self._verified.get(sha) == key:
                return True
        if sha256_file(path) != sha:
            return False
        with self._lock:
            self._verified[sha] = key
        return True

    def has_blob(self, sha256: str) -> bool:
        """Whether a blob with this hash is stored (not re-hashed)."""
        return self._blob_file(sha256).is_file()

    def blob_path(self, sha256: str, verify: bool = True) -> Path:
        """Path of a stored blob, after checking its bytes still hash to its name.

        Parameters
        ----------
        sha256 : str
        verify : bool
            Re-hash the file (skipped while its size, times and inode are those of the last
            successful check in this process).

        Raises
        ------
        StoreError
            If the blob is missing or was altered (an ``integrity failure`` event is logged).
        """
        path = self._blob_file(sha256)
        if not path.is_file():
            self._integrity_failure(sha256, "missing")
            raise StoreError(f"stored file {sha256[:12]}… is missing from {self.blob_dir}")
        if verify and not self._intact(path, sha256):
            self._integrity_failure(sha256, "altered")
            raise StoreError(
                f"stored file {sha256[:12]}… was altered after it was stored "
                "(its SHA-256 no longer matches): it cannot be used as evidence"
            )
        return path

    def _integrity_failure(self, sha256: str, what: str) -> None:
        with contextlib.suppress(Exception):  # reporting must not hide the failure itself
            self.log("integrity failure", None, {"sha256": sha256, "problem": what})



def check_image(data: bytes) -> None:
    """Raise StoreError unless ``data`` decodes as an image."""
    import cv2
    import numpy as np

    image = None
    with contextlib.suppress(cv2.error):
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise StoreError("the photo is not an image file that can be read (use JPEG or PNG)")
