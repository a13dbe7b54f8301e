"""Pooling one protocol's figures over training seeds (gait.identification.seed_summary)."""

from __future__ import annotations

from typing import Any

import pytest

from gait.identification.seed_summary import summarise_seeds


def _clip(condition: str, rank: int | None, enrolled: bool = True) -> dict[str, Any]:
    return {"clip_id": "c", "subject": "S", "condition": condition, "enrolled": enrolled,
            "rank": rank}


def _decisions(genuine: int, named: int, supported: int, impostors_named: int
               ) -> dict[str, Any]:
    return {"supporting_lr": 10.0, "genuine_clips": genuine, "named_right": named,
            "right_lr_above": supported, "named_or_supported": supported, "named_wrong": 0,
            "impostor_clips": 2, "impostors_named": impostors_named}


def _report(clips: list[dict[str, Any]], cllr: float, max_llr_hd: float,
            decisions: dict[str, Any], fpir: float) -> dict[str, Any]:
    return {"protocol": "enrol-then-probe", "view": "side", "clips": clips,
            "lr": {"cllr": cllr, "max_log10_lr_hd": max_llr_hd, "decisions": decisions},
            "open_set": {"fpir": fpir, "fnir": 0.5}}


def test_rank_rates_are_counted_over_every_seeds_clips() -> None:
    # Seed 42: 3 of 4 coat/bag clips right (one coat clip lost: no gait cycle, a miss).
    # Seed 1: 1 of 2 clips right (a seed that lost clips to a setting weighs less).
    # Known answer from counts: 4 of 6 = 66.7 %; the mean of the per-seed rates would be
    # (75 + 50) / 2 = 62.5 %. Impostor clips count in no rank rate.
    reports = {
        42: _report([_clip("coat", 1), _clip("coat", None), _clip("bag", 1), _clip("bag", 1),
                     _clip("normal", 3, enrolled=False)], 0.8, 1.2, _decisions(4, 1, 2, 0),
                    0.0),
        1: _report([_clip("coat", 7), _clip("bag", 1)], 0.6, 2.5, _decisions(2, 1, 1, 1), 0.5),
    }
    summary = summarise_seeds(reports)
    assert summary["seeds"] == [42, 1]
    assert summary["n_clip_results"] == 6
    assert summary["clip_rank1"] == pytest.approx(4 / 6)
    assert summary["clip_rank5"] == pytest.approx(4 / 6)
    assert summary["clip_rank1_per_seed"] == pytest.approx([0.75, 0.5])
    assert summary["by_condition"]["coat"] == {"n_clips": 3, "rank1": pytest.approx(1 / 3),
                                               "rank5": pytest.approx(1 / 3)}
    assert summary["by_condition"]["bag"]["rank1"] == 1.0
    assert "normal" not in summary["by_condition"]  # impostors only
    lr = summary["lr"]
    assert lr["cllr"] == {"mean": pytest.approx(0.7), "per_seed": [0.8, 0.6]}
    assert lr["max_log10_lr_hd"] == 2.5
    assert lr["decisions"] == {"supporting_lr": 10.0, "genuine_clips": 6, "named_right": 2,
                               "right_lr_above": 3, "named_or_supported": 3, "named_wrong": 0,
                               "impostor_clips": 4, "impostors_named": 1}
    assert summary["open_set"]["fpir"] == {"mean": 0.25, "per_seed": [0.0, 0.5]}


def test_one_seed_gives_that_seeds_figures() -> None:
    clips = [_clip("normal", 1), _clip("normal", 2), _clip("normal", 9)]
    summary = summarise_seeds({5: _report(clips, 0.3, 0.1, _decisions(3, 1, 1, 0), 0.0)})
    assert summary["clip_rank1"] == pytest.approx(1 / 3)
    assert summary["clip_rank5"] == pytest.approx(2 / 3)
    assert summary["lr"]["cllr"]["mean"] == 0.3


def test_figures_a_protocol_lacks_are_left_out() -> None:
    """The 6-fold protocol's LRs have no decisions and it has no open set."""
    folds = {"protocol": "6-fold leave-one-clip-per-subject-out", "view": "front",
             "clips": [_clip("normal", 1)], "lr": {"cllr": 0.1, "max_log10_lr_hd": 0.4}}
    summary = summarise_seeds({42: folds, 1: folds})
    assert summary["clip_rank1"] == 1.0 and summary["n_clip_results"] == 2
    assert "decisions" not in summary["lr"] and "open_set" not in summary
    no_lr = {**folds, "lr": {"note": "LR figures need comparisons under both propositions"}}
    assert "lr" not in summarise_seeds({42: folds, 1: no_lr})


def test_reports_of_different_protocols_or_none_are_refused() -> None:
    side = _report([_clip("normal", 1)], 0.3, 0.1, _decisions(1, 1, 1, 0), 0.0)
    with pytest.raises(ValueError, match="different protocols or views"):
        summarise_seeds({42: side, 1: {**side, "view": "front"}})
    with pytest.raises(ValueError, match="at least one report"):
        summarise_seeds({})
