"""Evaluation protocols: report keys, failed clips counted as wrong, open-set figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gait.identification.evaluate import evaluate_folds, evaluate_probe, open_set_figures
from gait.identification.settings import ModelSettings
from gait.media.datasets import ClipRecord
from gait.pose.synthetic import WalkerStyle, synthetic_walk
from gait.walk.features import FeatureTable, build_table

TINY = ModelSettings(hidden_units=(32,), n_members=2, max_epochs=60, patience_epochs=10,
                     augment_copies=0)
PEOPLE = {
    "ann": WalkerStyle(cadence_steps_per_min=96, thigh_fh=0.18, knee_flex_deg=50),
    "bob": WalkerStyle(cadence_steps_per_min=112, thigh_fh=0.15, arm_swing_deg=30),
    "cat": WalkerStyle(cadence_steps_per_min=104, shank_fh=0.19, hip_swing_deg=28),
    "dan": WalkerStyle(cadence_steps_per_min=120, trunk_fh=0.26, knee_flex_deg=65),
}
STRANGER = {"eve": WalkerStyle(cadence_steps_per_min=88, thigh_fh=0.21, arm_swing_deg=12)}
REPORT_KEYS = {"protocol", "view", "features", "n_subjects", "n_probe_clips", "clip_rank1",
               "clip_rank5", "cycle_accuracy", "by_condition", "failed_clips", "clips",
               "seconds"}
LR_KEYS = {"cllr", "cllr_min", "cllr_cal", "eer", "n_genuine", "n_impostor", "misleading_hp",
           "misleading_hd", "log10_lr_range", "max_log10_lr_hd", "min_log10_lr_hp"}


def _table(people: dict[str, WalkerStyle], takes: range, short: str | None = None
           ) -> FeatureTable:
    """Synthetic side-view walks; the clip named ``short`` lasts 0.8 s (no gait cycle)."""
    def clips():
        for name, style in people.items():
            for take in takes:
                clip_id = f"{name}_{take}"
                direction = "right" if take % 2 else "left"
                yield (ClipRecord(clip_id, name, "side", direction, "normal", str(take),
                                  Path(f"{clip_id}.npz")),
                       synthetic_walk(style, "side", duration_s=0.8 if clip_id == short else 5.0,
                                      direction=direction, noise_fh=0.003, seed=take,
                                      clip_id=clip_id))
    return build_table(clips(), "side")


def test_open_set_figures_known_answer() -> None:
    results = pd.DataFrame({
        "enrolled": [True, True, True, True, False, False, False, False],
        "rank": [1, 1, 2, None, None, None, None, None],
        "open_set_score": [0.9, 0.6, 0.95, np.nan, 0.7, 0.5, 0.3, 0.1],
    })
    figures = open_set_figures(results, threshold=0.65)
    # Impostors at or above 0.65: 1 of 4. Genuine named rightly: only the 0.9 one (the 0.95
    # clip ranks the true suspect second, the last one has no cycle).
    assert figures["fpir"] == pytest.approx(0.25)
    assert figures["fnir"] == pytest.approx(0.75)
    assert figures["dir"] == pytest.approx(0.25)
    assert figures["n_impostor_clips"] == 4 and figures["n_genuine_clips"] == 4
    # The rates are equal only at threshold 0.5 (FPIR 2/4, FNIR 2/4: at most two genuine
    # clips can ever be named rightly); at 0.3 they are 0.75 / 0.5, at 0.6 0.25 / 0.5.
    assert figures["eer"] == pytest.approx(0.5)
    # FPIR <= 10 % on 4 impostors allows none: the threshold lies just above 0.7, where only
    # the 0.9 clip is named rightly.
    assert figures["fnir_at_fpir_10pct"] == pytest.approx(0.75)


def test_fnir_at_fpir_uses_the_probe_impostors_threshold() -> None:
    impostor = [0.1 * k for k in range(10)]  # 0.0 .. 0.9; FPIR 10 % allows the 0.9 one
    results = pd.DataFrame({
        "enrolled": [True] * 4 + [False] * 10,
        "rank": [1, 1, 1, 1] + [None] * 10,
        "open_set_score": [0.95, 0.85, 0.81, 0.5, *impostor],
    })
    figures = open_set_figures(results, threshold=2.0)
    assert figures["fpir"] == 0.0 and figures["fnir"] == 1.0
    # Threshold just above 0.8: 0.95, 0.85 and 0.81 named, 0.5 missed.
    assert figures["fnir_at_fpir_10pct"] == pytest.approx(0.25)


def test_probe_protocol_reports_every_clip_and_the_open_set() -> None:
    enrol = _table(PEOPLE, range(4))
    probe = _table({**PEOPLE, **STRANGER}, range(10, 12), short="bob_10")
    report = evaluate_probe(enrol, probe, TINY, name_at_lr=3.0)
    assert set(report) >= REPORT_KEYS | {"open_set", "lr"}
    assert report["n_probe_clips"] == 10 and report["n_subjects"] == 4
    # The clip without a cycle is listed and counted as wrong (7 of 8 genuine clips at best).
    assert [f["clip_id"] for f in report["failed_clips"]] == ["bob_10"]
    assert report["clip_rank1"] <= 7 / 8
    assert report["by_condition"]["normal"]["n"] == 8
    records = {r["clip_id"]: r for r in report["clips"]}
    assert set(records) == set(probe.clips["clip_id"])
    assert records["bob_10"]["top"] is None and records["bob_10"]["rank"] is None
    assert not records["bob_10"]["named"]
    assert records["eve_10"]["enrolled"] is False and records["eve_10"]["rank"] is None
    open_set = report["open_set"]
    assert open_set["n_impostor_clips"] == 2
    named_impostors = sum(records[c]["named"] for c in ("eve_10", "eve_11"))
    assert open_set["fpir"] == pytest.approx(named_impostors / 2)
    assert open_set["score"] == "log10_lr" and open_set["threshold"] == pytest.approx(np.log10(3))
    lr = report["lr"]
    assert set(lr) >= LR_KEYS and lr["name_at_lr"] == 3.0
    # 9 clips with a cycle, each compared with the 4 suspects: 7 genuine comparisons.
    assert (lr["n_genuine"], lr["n_impostor"]) == (7, 9 * 4 - 7)
    assert lr["cllr"] < 1.0 and lr["misleading_hd"] < 0.1  # synthetic walkers differ clearly
    # The decision counts, clip by clip, against the records and their own person's LR.
    genuine = [r for r in records.values() if r["enrolled"]]
    supported = [r for r in genuine if r.get("log10_lr_true", -np.inf) > 1.0]
    named_right = [r for r in genuine if r["named"] and r["rank"] == 1]
    assert "log10_lr_true" not in records["bob_10"] and "log10_lr_true" not in records["eve_10"]
    assert lr["decisions"] == {
        "supporting_lr": 10.0, "genuine_clips": 8, "named_right": len(named_right),
        "right_lr_above": len(supported),
        "named_or_supported": len({r["clip_id"] for r in supported + named_right}),
        "named_wrong": sum(r["named"] and r["rank"] != 1 for r in genuine),
        "impostor_clips": 2, "impostors_named": named_impostors}
    assert lr["decisions"]["named_or_supported"] >= 4  # of the 7 clips with a cycle
    json.dumps(report)  # the CLI writes it as JSON


def test_six_folds_test_every_clip_once() -> None:
    table = _table(dict(list(PEOPLE.items())[:3]), range(6), short="ann_3")
    report = evaluate_folds(table, TINY)
    assert set(report) >= REPORT_KEYS and "open_set" not in report
    assert set(report["lr"]) >= LR_KEYS and report["lr"]["n_genuine"] == 17
    assert report["lr"]["n_impostor"] == 17 * 2
    ids = [r["clip_id"] for r in report["clips"]]
    assert sorted(ids) == sorted(table.clips["clip_id"]) and len(set(ids)) == 18
    assert [f["clip_id"] for f in report["failed_clips"]] == ["ann_3"]
    assert report["clip_rank1"] <= 17 / 18
    ranks = [r["rank"] for r in report["clips"] if r["clip_id"] != "ann_3"]
    assert all(rank is not None and 1 <= rank <= 3 for rank in ranks)
    assert report["clip_rank1"] == pytest.approx(sum(rank == 1 for rank in ranks) / 18)
