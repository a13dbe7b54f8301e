"""The command line: help, errors of missing models and manifests, import, the catalogue.

Bad input files (missing, empty, not a video, no person, damaged keypoints, a model that
does not fit) are tested one by one in tests/test_bad_input.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import gait.identification.evaluate
import gait.walk.features
from gait.cli import main
from gait.media.keypoints import save_npz
from gait.pose.synthetic import synthetic_walk
from tests.helpers import PROJECT_ROOT

ROOT = PROJECT_ROOT


@pytest.mark.parametrize("command", ["extract", "import", "train", "identify", "evaluate",
                                     "bench", "catalogue"])
def test_every_command_has_help_with_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    assert "example" in capsys.readouterr().out


def test_bad_keypoint_file_and_missing_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_text("not numpy")
    save_npz(synthetic_walk(duration_s=3.0), tmp_path / "walk.npz")
    assert main(["identify", str(tmp_path / "walk.npz"), "--model", str(tmp_path / "m")]) == 2
    assert "needs both" in capsys.readouterr().err
    assert main(["import", str(tmp_path)]) == 2
    assert "manifest.csv" in capsys.readouterr().err


@pytest.mark.parametrize("lr", ["0", "0.5", "-3", "inf", "five"])
def test_name_at_lr_must_be_a_likelihood_ratio(lr: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "m"), "--view", "side",
              "--name-at-lr", lr])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "not a likelihood ratio of at least 1" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_name_at_lr_default_in_the_help_is_the_engine_default(
        capsys: pytest.CaptureFixture[str]) -> None:
    from gait.identification.calibration import DEFAULT_NAME_AT_LR

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert f"(default {DEFAULT_NAME_AT_LR:g})" in " ".join(capsys.readouterr().out.split())


def test_catalogue_document_is_up_to_date() -> None:
    from gait.walk.catalogue_doc import catalogue_markdown

    assert (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8") == catalogue_markdown()


def test_import_summarises_the_shared_data(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "summary.json"
    folder = shared_data / "keypoints" / "evidence_normal"
    assert main(["import", str(folder), "--json", str(out)]) == 0
    summary = json.loads(out.read_text())
    assert summary["n_clips"] == 100
    assert summary["views"]["side"]["n_subjects"] == 5


@pytest.mark.parametrize(("view", "width"), [("side", (64, 32)), ("front", (128, 64))])
def test_train_and_evaluate_use_the_settings_of_the_view(view: str, width: tuple[int, ...]
                                                         ) -> None:
    from gait.cli import build_parser
    from gait.cli.commands import model_settings

    for command in (["train", "--data", "DIR", "--out", "m"], ["evaluate", "--enrol", "DIR"]):
        args = build_parser().parse_args([*command, "--view", view, "--seed", "5"])
        settings = model_settings(args)
        assert (settings.hidden_units, settings.seed) == (width, 5)


def test_evaluate_prints_the_open_set_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    class Table:
        frame = pd.DataFrame({"clip_id": ["a"]})

    report = {"protocol": "enrol-then-probe", "clip_rank1": 0.9, "clip_rank5": 1.0,
              "n_probe_clips": 50, "failed_clips": [],
              "open_set": {"n_impostor_clips": 20, "fpir": 0.0, "fnir": 0.25,
                           "threshold": 2.0, "score": "log10_lr", "eer": 0.1,
                           "fnir_at_fpir_10pct": 0.05},
              "lr": {"n_genuine": 30, "n_impostor": 900, "cllr": 0.25, "cllr_min": 0.1,
                     "misleading_hp": 0.1, "misleading_hd": 0.01,
                     "decisions": {"supporting_lr": 10.0, "genuine_clips": 30, "named_right": 9,
                                   "right_lr_above": 14, "named_or_supported": 16,
                                   "named_wrong": 0, "impostor_clips": 20,
                                   "impostors_named": 1}}}
    monkeypatch.setattr(gait.walk.features, "load_table", lambda folder, view: Table())
    monkeypatch.setattr(gait.identification.evaluate, "evaluate_probe", lambda *a, **k: report)
    out = tmp_path / "report.json"
    assert main(["evaluate", "--enrol", "E", "--probe", "P", "--view", "side",
                 "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "FPIR 0.0%, FNIR 25.0% at the naming threshold 2.000 (log10_lr)" in printed
    assert ("Cllr 0.250 (min 0.100), misleading for Hp 10.0%, for Hd 1.0%") in printed
    assert "EER 10.0%; FNIR 5.0% at FPIR <= 10% on these impostors" in printed
    assert ("decisions: 16 of 30 genuine clips name the right suspect or give them LR > 10 "
            "(9 named), 0 name another; 1 of 20 impostor clips named") in printed
    assert json.loads(out.read_text())["open_set"]["fnir_at_fpir_10pct"] == 0.05


def test_covariate_shifts_remakes_the_shipped_file(shared_data: Path, tmp_path: Path) -> None:
    """The shifts gait-ID trains with are what `covariate-shifts` makes of the shared
    development set."""
    from gait.walk.covariate_shift import SHIFTS_FILE

    out = tmp_path / "shifts.json"
    keypoints = shared_data / "keypoints"
    assert main(["covariate-shifts", "--normal", str(keypoints / "evidence_normal"),
                 "--covariates", str(keypoints / "evidence_covariates_dev"),
                 "--out", str(out)]) == 0
    made, shipped = json.loads(out.read_text()), json.loads(SHIFTS_FILE.read_text())
    assert made["people"] == shipped["people"] == {"side": ["S13", "S14"],
                                                   "front": ["S13", "S14"]}
    assert made["views"] == shipped["views"]


def test_evaluate_over_seeds_pools_every_seeds_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    class Table:
        frame = pd.DataFrame({"clip_id": ["a"]})

    seeds_trained: list[int] = []

    def evaluate_probe(enrol: object, probe: object, settings: Any, **_: object
                       ) -> dict[str, Any]:
        seeds_trained.append(settings.seed)
        right = {42: 3, 1: 2}[settings.seed]  # of 4 coat clips
        return {"protocol": "enrol-then-probe", "view": "side", "clip_rank1": right / 4,
                "clips": [{"condition": "coat", "enrolled": True, "rank": 1 if i < right
                           else 2} for i in range(4)],
                "lr": {"cllr": 0.5 if settings.seed == 42 else 0.7, "max_log10_lr_hd": 1.0,
                       "decisions": {"supporting_lr": 10.0, "genuine_clips": 4,
                                     "named_right": 1, "right_lr_above": 2,
                                     "named_or_supported": 2, "named_wrong": 0,
                                     "impostor_clips": 0, "impostors_named": 0}}}

    monkeypatch.setattr(gait.walk.features, "load_table", lambda folder, view: Table())
    monkeypatch.setattr(gait.identification.evaluate, "evaluate_probe", evaluate_probe)
    out = tmp_path / "seeds.json"
    assert main(["evaluate", "--enrol", "E", "--probe", "P", "--view", "side",
                 "--seeds", "42,1", "--setting", "dropout=0.4", "--json", str(out)]) == 0
    assert seeds_trained == [42, 1]
    captured = capsys.readouterr()
    assert "seed 42: clip rank-1 75.0%" in captured.err
    assert ("enrol-then-probe, side, seeds 42, 1: clip rank-1 62.5% of 8 clip results "
            "(per seed 75.0, 50.0 %)") in captured.out
    assert "Cllr 0.600 (per seed 0.500, 0.700); the strongest impostor comparison LR 10" \
        in captured.out
    assert "decisions over the seeds: 4 of 8 genuine clips" in captured.out
    report = json.loads(out.read_text())
    assert report["clip_rank1"] == 0.625 and set(report["per_seed"]) == {"42", "1"}


@pytest.mark.parametrize("arguments", [["--seeds", "42,x"], ["--seeds", "1,1"],
                                       ["--seeds", "-3"], ["--seeds", ""]])
def test_evaluate_refuses_bad_seed_lists_in_one_line(
        arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["evaluate", "--enrol", "E", "--view", "side", *arguments])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "is not a list of distinct seeds" in err and "Traceback" not in err


def test_evaluate_refuses_a_seed_and_seeds_together(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--enrol", str(tmp_path), "--view", "side", "--seed", "5",
                 "--seeds", "1,2"]) == 2
    assert "give --seed or --seeds, not both" in capsys.readouterr().err
