"""Signed case reports: each installation's Ed25519 key, detached signatures, verification.

Every data folder has its own signing key, made on first use (``signing/ed25519.pem`` in the
folder, PKCS #8, readable by its owner only); the *installation id* is the first 16 hex digits
of the SHA-256 of the raw public key, printed in every report and signature. A report
``report.pdf`` is signed by a detached signature file beside it, ``report.pdf.sig`` (JSON):
the report's SHA-256 and size, the installation id, its public key, the software version and
the time of signing, and an Ed25519 signature over all of these (canonical JSON).

:func:`verify_report` says whether a report is intact, who signed it and when. A signature is
trusted only when made by a key the verifier knows (this installation's, or a public key it was
given): a signature file carries its public key, but anyone can make a key, so a valid
signature by an unknown key is reported as such, not as intact.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gait import __version__
from gait.case.store import CaseStore, utc_now
from gait.media.files import atomic_write

KEY_FILE = Path("signing") / "ed25519.pem"
SIGNATURE_SUFFIX = ".sig"
SIGNATURE_FORMAT = "gait-id detached report signature 1"
ALGORITHM = "Ed25519"
_SIGNED_FIELDS = ("format", "algorithm", "report_sha256", "report_bytes", "installation_id",
                  "public_key", "software_version", "signed_at")


class SignatureError(ValueError):
    """A report or signature cannot be read or made (one line for the user)."""


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def installation_id(public_key: Ed25519PublicKey) -> str:
    """The first 16 hex digits of the SHA-256 of the raw public key."""
    return hashlib.sha256(_raw_public(public_key)).hexdigest()[:16]


def signing_key(data_dir: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """This installation's private key, made (and stored, owner-readable only) on first use.

    Raises
    ------
    SignatureError
        If the key file exists but is not an Ed25519 private key, or cannot be written.
    """
    path = Path(data_dir) / KEY_FILE
    if path.is_file():
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError) as exc:
            raise SignatureError(f"{path} is not a readable signing key: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise SignatureError(f"{path} is not an Ed25519 key")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never world-readable
    except FileExistsError:  # another process made it first
        return signing_key(data_dir)
    except OSError as exc:
        raise SignatureError(f"cannot store the signing key in {path.parent}: {exc}") from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def public_key_pem(data_dir: str | os.PathLike[str]) -> bytes:
    """This installation's public key (PEM), to give to whoever verifies its reports."""
    return signing_key(data_dir).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def signature_path(report: str | os.PathLike[str]) -> Path:
    """Where the signature of ``report`` lives: beside it, with ``.sig`` added."""
    report = Path(report)
    return report.with_name(report.name + SIGNATURE_SUFFIX)


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps({k: fields[k] for k in _SIGNED_FIELDS}, sort_keys=True,
                      separators=(",", ":")).encode()


def _digest(path: Path) -> tuple[str, int]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SignatureError(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    return hashlib.sha256(data).hexdigest(), len(data)


def sign_report(store: CaseStore, report: str | os.PathLike[str], case_id: int | None = None,
                details: dict[str, Any] | None = None, actor: str = "") -> Path:
    """Sign a report with this installation's key; write ``<report>.sig`` and an audit event.

    Returns
    -------
    Path
        The signature file.
    """
    report = Path(report)
    key = signing_key(store.data_dir)
    sha, size = _digest(report)
    fields: dict[str, Any] = {
        "format": SIGNATURE_FORMAT, "algorithm": ALGORITHM, "report_sha256": sha,
        "report_bytes": size, "installation_id": installation_id(key.public_key()),
        "public_key": base64.b64encode(_raw_public(key.public_key())).decode(),
        "software_version": __version__, "signed_at": utc_now(),
    }
    fields["signature"] = base64.b64encode(key.sign(_canonical(fields))).decode()
    out = signature_path(report)
    try:
        text = (json.dumps(fields, indent=2, sort_keys=True) + "\n").encode()
        atomic_write(out, lambda handle: handle.write(text))
    except OSError as exc:
        raise SignatureError(f"cannot write {out}: {exc.strerror or exc}") from exc
    store.log("report signed", case_id, {
        **(details or {}), "report_name": report.name, "report_sha256": sha,
        "report_bytes": size, "installation_id": fields["installation_id"],
        "signed_at": fields["signed_at"]}, actor)
    return out


@dataclass(frozen=True)
class Verification:
    """What :func:`verify_report` found.

    Attributes
    ----------
    intact : bool
        The report is byte for byte the one signed, by a trusted key.
    message : str
        One line for the user.
    installation_id, software_version, signed_at : str or None
        From the signature file (None when it cannot be read).
    trusted_key : bool
        The signature was made by the key it was checked against.
    """

    intact: bool
    message: str
    installation_id: str | None = None
    software_version: str | None = None
    signed_at: str | None = None
    trusted_key: bool = False


def _read_signature(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise SignatureError(f"not signed: there is no signature file {path.name} beside the "
                             "report")
    try:
        fields = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SignatureError(f"{path.name} is not a gait-ID signature file") from exc
    if not isinstance(fields, dict) or fields.get("format") != SIGNATURE_FORMAT or \
            any(k not in fields for k in (*_SIGNED_FIELDS, "signature")):
        raise SignatureError(f"{path.name} is not a gait-ID signature file")
    return fields


def _public_key(raw_b64: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(raw_b64, validate=True))
    except ValueError as exc:
        raise SignatureError("the signature file's public key is damaged") from exc


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (as :func:`public_key_pem` writes it)."""
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise SignatureError("the public key file is not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureError("the public key is not an Ed25519 key")
    return key


def verify_report(report: str | os.PathLike[str], trusted: Ed25519PublicKey,
                  signature: str | os.PathLike[str] | None = None) -> Verification:
    """Check a report against its detached signature and a trusted public key.

    Parameters
    ----------
    report : path-like
        The PDF.
    trusted : Ed25519PublicKey
        The key the signature must be made with (this installation's, or one given).
    signature : path-like, optional
        The signature file (default: beside the report, :func:`signature_path`).

    Returns
    -------
    Verification
        Never raises for a bad report or signature: the message says what is wrong.
    """
    report = Path(report)
    try:
        if not report.is_file():
            raise SignatureError(f"there is no report {report}")
        fields = _read_signature(Path(signature) if signature else signature_path(report))
        signer = _public_key(fields["public_key"])
        try:
            signer.verify(base64.b64decode(fields["signature"]), _canonical(fields))
        except (InvalidSignature, ValueError):
            return Verification(False, "the signature file was altered or damaged: its "
                                       "signature does not verify")
        known: dict[str, Any] = dict(installation_id=str(fields["installation_id"]),
                                     software_version=str(fields["software_version"]),
                                     signed_at=str(fields["signed_at"]))
        if _raw_public(signer) != _raw_public(trusted):
            return Verification(False, f"signed by installation {known['installation_id']}, "
                                       f"whose key is not the trusted one (installation "
                                       f"{installation_id(trusted)}): cannot vouch for it",
                                **known)
        sha, size = _digest(report)
        if sha != fields["report_sha256"] or size != fields["report_bytes"]:
            return Verification(False, f"altered: {report.name} is not the report that was "
                                       f"signed (SHA-256 {sha[:12]}..., signed "
                                       f"{str(fields['report_sha256'])[:12]}...)",
                                trusted_key=True, **known)
        return Verification(True, f"intact: signed by installation {known['installation_id']} "
                                  f"(gait-ID {known['software_version']}) at "
                                  f"{known['signed_at']}", trusted_key=True, **known)
    except SignatureError as exc:
        return Verification(False, str(exc))
