"""Tests of gait.case.signing: installation keys, detached signatures and their verification."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from gait.case.signing import (
    KEY_FILE,
    SignatureError,
    installation_id,
    load_public_key,
    public_key_pem,
    sign_report,
    signature_path,
    signing_key,
    verify_report,
)
from gait.case.store import CaseStore


@pytest.fixture
def signed(tmp_path: Path) -> tuple[CaseStore, Path]:
    store = CaseStore(tmp_path / "data")
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.7 a report" + bytes(range(256)))
    sign_report(store, report, None, {"identification_id": 7}, actor="investigator")
    return store, report


def _trusted(store: CaseStore):  # type: ignore[no-untyped-def]
    return signing_key(store.data_dir).public_key()


def test_the_key_is_made_once_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    first = signing_key(tmp_path)
    mode = stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode)
    assert mode == 0o600
    again = signing_key(tmp_path)
    assert installation_id(first.public_key()) == installation_id(again.public_key())
    assert len(installation_id(first.public_key())) == 16
    assert installation_id(signing_key(tmp_path / "other").public_key()) != \
        installation_id(first.public_key())


def test_an_intact_report_names_its_signer_and_the_signing_is_audited(
        signed: tuple[CaseStore, Path]) -> None:
    store, report = signed
    result = verify_report(report, _trusted(store))
    assert result.intact and result.trusted_key
    assert result.message.startswith(f"intact: signed by installation {result.installation_id}")
    assert result.installation_id == installation_id(_trusted(store))
    assert result.software_version and result.signed_at
    event = store.audit()[-1]
    assert event.action == "report signed" and event.actor == "investigator"
    assert event.details["identification_id"] == 7
    assert event.details["report_sha256"] == json.loads(
        signature_path(report).read_text())["report_sha256"]


def test_one_changed_byte_is_detected(signed: tuple[CaseStore, Path]) -> None:
    store, report = signed
    data = bytearray(report.read_bytes())
    data[100] ^= 0x01
    report.write_bytes(bytes(data))
    result = verify_report(report, _trusted(store))
    assert not result.intact and result.message.startswith("altered: report.pdf is not")


def test_an_appended_byte_is_detected(signed: tuple[CaseStore, Path]) -> None:
    store, report = signed
    report.write_bytes(report.read_bytes() + b"\n")
    assert not verify_report(report, _trusted(store)).intact


def test_a_changed_signature_file_does_not_verify(signed: tuple[CaseStore, Path]) -> None:
    store, report = signed
    path = signature_path(report)
    fields = json.loads(path.read_text())
    fields["signed_at"] = "2020-01-01T00:00:00.000+00:00"  # back-dated
    path.write_text(json.dumps(fields))
    result = verify_report(report, _trusted(store))
    assert not result.intact and "does not verify" in result.message


def test_another_installation_s_key_is_not_trusted(signed: tuple[CaseStore, Path],
                                                   tmp_path: Path) -> None:
    _, report = signed
    stranger = signing_key(tmp_path / "elsewhere").public_key()
    result = verify_report(report, stranger)
    assert not result.intact and not result.trusted_key
    assert "whose key is not the trusted one" in result.message


def test_a_report_re_signed_by_another_key_is_not_trusted(signed: tuple[CaseStore, Path],
                                                          tmp_path: Path) -> None:
    store, report = signed
    report.write_bytes(report.read_bytes() + b"forged")
    sign_report(CaseStore(tmp_path / "forger"), report)  # a valid signature, by a stranger
    result = verify_report(report, _trusted(store))
    assert not result.intact and "not the trusted one" in result.message


def test_missing_or_foreign_signature_files_are_clear_answers(
        signed: tuple[CaseStore, Path]) -> None:
    store, report = signed
    path = signature_path(report)
    path.write_text("not json")
    assert verify_report(report, _trusted(store)).message == \
        "report.pdf.sig is not a gait-ID signature file"
    path.unlink()
    assert verify_report(report, _trusted(store)).message == \
        "not signed: there is no signature file report.pdf.sig beside the report"
    assert verify_report(report.with_name("none.pdf"), _trusted(store)).message.startswith(
        "there is no report")


def test_the_exported_public_key_verifies(signed: tuple[CaseStore, Path]) -> None:
    store, report = signed
    key = load_public_key(public_key_pem(store.data_dir))
    assert verify_report(report, key).intact
    with pytest.raises(SignatureError, match="not a PEM public key"):
        load_public_key(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")


def test_a_damaged_key_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).parent.mkdir(parents=True)
    (tmp_path / KEY_FILE).write_text("garbage")
    with pytest.raises(SignatureError, match="not a readable signing key"):
        signing_key(tmp_path)
