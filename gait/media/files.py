"""Writing files so that no reader ever sees half of one, and naming files by their content."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write(path: str | os.PathLike[str], write: Any) -> Path:
    """Call ``write(binary_file)`` on a temporary file, then rename it to ``path``.

    A crash or an exception never leaves a partial file at ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_name, 0o666 & ~umask)  # mkstemp makes owner-only files; keep normal rights
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def sha256_bytes(data: bytes) -> str:
    """SHA-256 of ``data`` as 64 hex digits."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike[str], chunk_bytes: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes as 64 hex digits, read in chunks of ``chunk_bytes``.

    Raises
    ------
    OSError
        If the file cannot be read.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


IMPORT_ROOT_ENV = "GAIT_IMPORT_ROOT"


class OutsideImportRoot(PermissionError):
    """A server-side path that is not inside the import root (one readable line)."""


def import_root() -> Path | None:
    """The folder under which the dashboard may read server-side files (``GAIT_IMPORT_ROOT``,
    resolved), or ``None`` when it is not set: import from the server disabled."""
    text = os.environ.get(IMPORT_ROOT_ENV, "").strip()
    return Path(text).expanduser().resolve() if text else None


def inside_root(path: str | os.PathLike[str], root: Path | None,
                base: Path | None = None) -> Path:
    """``path`` resolved, if it lies inside ``root``; else OutsideImportRoot.

    A relative ``path`` is taken relative to ``base`` (default ``root``). ``..`` components
    are refused outright, and symbolic links are followed before the check, so a link inside
    the root that points out of it is refused too.

    Parameters
    ----------
    path : path-like
    root : Path or None
        The import root (:func:`import_root`); None refuses every path (import disabled).
    base : Path, optional

    Raises
    ------
    OutsideImportRoot
    """
    if root is None:
        raise OutsideImportRoot(f"reading folders on the server is disabled; an administrator "
                                f"sets {IMPORT_ROOT_ENV} to the folder it may read from")
    text = os.fspath(path).strip()
    candidate = Path(text).expanduser()
    if ".." in candidate.parts:
        raise OutsideImportRoot(f"{text}: '..' is not allowed in a path to import")
    if not candidate.is_absolute():
        candidate = (base or root) / candidate
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root.resolve()):
        link = " (through a symbolic link)" if candidate.absolute() != resolved and \
            candidate.absolute().is_relative_to(root.resolve()) else ""
        raise OutsideImportRoot(f"{text} is outside the import folder {root}{link}")
    return resolved
