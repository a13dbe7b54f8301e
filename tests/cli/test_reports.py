"""The command line's signed reports: report, verify-report, public-key."""

from __future__ import annotations

from pathlib import Path

import pytest

from gait.cli import main


def test_report_then_verify(identified_case: tuple[Path, int, int], tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    data_dir, _, identification_id = identified_case
    out = tmp_path / "report.pdf"
    assert main(["report", "--data-dir", str(data_dir), "--identification",
                 str(identification_id), "--out", str(out)]) == 0
    assert f"wrote {out} and its signature {out}.sig" in capsys.readouterr().out
    assert main(["verify-report", str(out), "--data-dir", str(data_dir)]) == 0
    assert capsys.readouterr().out.startswith("intact: signed by installation")

    key = tmp_path / "lab.pem"
    assert main(["public-key", "--data-dir", str(data_dir), "--out", str(key)]) == 0
    assert main(["verify-report", str(out), "--public-key", str(key)]) == 0
    capsys.readouterr()
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0xFF
    out.write_bytes(bytes(data))
    assert main(["verify-report", str(out), "--public-key", str(key)]) == 1
    assert capsys.readouterr().out.startswith("altered: report.pdf is not the report")


def test_report_errors_are_one_line(identified_case: tuple[Path, int, int], tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    data_dir, _, _ = identified_case
    assert main(["report", "--data-dir", str(data_dir), "--identification", "999",
                 "--out", str(tmp_path / "r.pdf")]) == 2
    assert capsys.readouterr().err.strip() == "error: there is no identification #999"
    (tmp_path / "r.pdf").write_bytes(b"%PDF")
    assert main(["verify-report", str(tmp_path / "r.pdf"), "--data-dir",
                 str(tmp_path / "empty")]) == 2
    assert "has no signing key" in capsys.readouterr().err
    assert main(["verify-report", str(tmp_path / "r.pdf"), "--data-dir", str(data_dir)]) == 1
    assert capsys.readouterr().out.startswith("not signed: there is no signature file")
