"""The command line: user errors are one line on stderr with exit status 2, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gait.cli import main
from gait.keypoints import save_npz
from gait.synthetic import synthetic_walk

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gait", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def _assert_user_error(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["extract", "import", "train", "identify", "evaluate",
                                     "bench", "catalogue"])
def test_every_command_has_help_with_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    assert "example" in capsys.readouterr().out


def test_missing_keypoint_file_is_one_line(tmp_path: Path) -> None:
    code = main(["identify", str(tmp_path / "none.npz"), "--model", str(tmp_path / "m")])
    assert code == 2


def test_bad_keypoint_file_and_missing_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_text("not numpy")
    save_npz(synthetic_walk(duration_s=3.0), tmp_path / "walk.npz")
    assert main(["identify", str(tmp_path / "walk.npz"), "--model", str(tmp_path / "m")]) == 2
    assert "needs both" in capsys.readouterr().err
    assert main(["import", str(tmp_path)]) == 2
    assert "manifest.csv" in capsys.readouterr().err


def test_zero_byte_and_text_videos_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    _assert_user_error(_run("extract", str(empty), "--out", str(tmp_path / "o.npz")), "empty.mp4")
    text = tmp_path / "text.mp4"
    text.write_text("hello, I am not a video\n" * 20)
    _assert_user_error(_run("extract", str(text), "--out", str(tmp_path / "o.npz")), "text.mp4")
    assert not (tmp_path / "o.npz").exists()


def test_catalogue_document_is_up_to_date() -> None:
    from gait.parameters import catalogue_markdown

    assert (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8") == catalogue_markdown()


def test_import_summarises_the_shared_data(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "summary.json"
    assert main(["import", str(shared_data / "keypoints" / "evidence_normal"), "--json", str(out)]) == 0
    summary = json.loads(out.read_text())
    assert summary["n_clips"] == 100
    assert summary["views"]["side"]["n_subjects"] == 5
