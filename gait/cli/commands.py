"""The commands of ``python -m gait`` that work on clips, models and data sets."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from gait.cli.output import (
    UserError,
    print_json,
    print_quality,
    progress_printer,
    quality_of,
)
from gait.cli.tracks import walk_choice, walk_line


def _load_clip(path: Path, quiet: bool, args: argparse.Namespace) -> Any:
    """A KeypointSequence from a keypoint file or a video (through the keypoint cache), of the
    person and range of ``--track/--start/--end``."""
    from gait.media.keypoints import load_npz

    if not path.exists():
        raise UserError(f"{path}: no such file")
    if path.suffix.lower() == ".npz":
        if any(getattr(args, k, None) is not None for k in ("track", "start", "end")):
            raise UserError(f"{path.name} holds the keypoints of one person already: "
                            "--track, --start and --end are for videos")
        return load_npz(path)
    from gait.pose.cache import KeypointCache

    progress = None if quiet else progress_printer(f"extracting {path.name}")
    return KeypointCache().get_or_extract(path, progress=progress, choice=walk_choice(args))


def _load_model(path: str) -> Any:
    """:meth:`GaitModel.load`, with metadata that is damaged or does not fit the network (e.g.
    a ``.json`` beside another model's ``.keras``) as a one-line user error."""
    from gait.identification.model import GaitModel, ModelError
    from gait.media.keypoints import VIEWS

    try:
        model = GaitModel.load(path)
    except ModelError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"{path}: not a valid gait-ID model (metadata lacks or garbles "
                        f"{str(exc) or type(exc).__name__})") from exc
    if model.view not in VIEWS:
        raise UserError(f"{path}: the model's view is {model.view!r}, not one of {VIEWS}")
    n_inputs = getattr(model.network, "input_shape", (None,))[-1]
    n_outputs = model.n_suspect_outputs
    names, impute = len(model.feature_names), len(model.impute_values)
    expected = getattr(model, "n_inputs", names)  # features (+ one-hot direction columns)
    if (n_inputs is not None and n_inputs != expected) or names != impute:
        raise UserError(f"{path}: the model's feature schema does not match its network "
                        f"({names} feature names, {impute} imputation values, {n_inputs} "
                        "network inputs); the .json and .keras files do not belong together")
    if n_outputs is not None and n_outputs != len(model.suspects):
        raise UserError(f"{path}: the model lists {len(model.suspects)} suspects but its "
                        f"network has {n_outputs} outputs")
    return model


def cmd_extract(args: argparse.Namespace) -> int:
    """`extract`: keypoints of a video to a .npz file (through the cache)."""
    from gait.media.keypoints import save_npz
    from gait.pose.cache import KeypointCache
    from gait.pose.settings import PoseSettings

    settings = PoseSettings(model_complexity=args.model_complexity)
    progress = None if args.quiet else progress_printer(f"extracting {Path(args.video).name}")
    video = Path(args.video)
    if not video.exists():
        raise UserError(f"{video}: no such file")
    cache = KeypointCache()
    sequence = cache.get_or_extract(video, settings, progress=progress,
                                    overlay_path=Path(args.overlay) if args.overlay else None,
                                    choice=walk_choice(args))
    save_npz(sequence, args.out)
    detected = int(sequence.detected.sum())
    print(f"{args.out}: {sequence.n_frames} frames, {detected} with a person, "
          f"{sequence.fps:g} fps")
    line = walk_line(sequence)
    if line:
        print(line)
    print_quality(quality_of(sequence))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """`import`: check a keypoint data set folder and summarise it."""
    from gait.media.datasets import read_manifest
    from gait.walk.features import load_table

    records = read_manifest(args.folder)
    summary: dict[str, Any] = {"folder": str(args.folder), "n_clips": len(records), "views": {}}
    for view in sorted({r.view for r in records}):
        table = load_table(args.folder, view)
        summary["views"][view] = {
            "n_clips": len(table.clips),
            "n_subjects": int(table.clips["subject"].nunique()),
            "n_cycles": len(table.frame),
            "clips_without_cycles": [
                {"clip_id": f.clip_id, "reason": f.reason} for f in table.failures
            ],
        }
    if args.json:
        print_json(summary, args.json)
    else:
        print(f"{args.folder}: {len(records)} clips")
        for view, info in summary["views"].items():
            print(f"  {view}: {info['n_clips']} clips of {info['n_subjects']} subjects, "
                  f"{info['n_cycles']} gait cycles, "
                  f"{len(info['clips_without_cycles'])} clips without a cycle")
    return 0


def cmd_covariate_shifts(args: argparse.Namespace) -> int:
    """`covariate-shifts`: estimate the covariate shifts of both views, write them."""
    from gait.walk.covariate_shift import estimate_shifts, shifts_document
    from gait.walk.features import load_table

    shifts, people = {}, {}
    for view in ("side", "front"):
        normal, covariates = (load_table(folder, view).frame
                              for folder in (args.normal, args.covariates))
        shifts[view], people[view] = estimate_shifts(normal, covariates, view)
    source = (f"normal walks {Path(args.normal).name}, covariates "
              f"{Path(args.covariates).name} (python -m gait covariate-shifts)")
    Path(args.out).write_text(json.dumps(shifts_document(shifts, people, source), indent=1,
                                         sort_keys=True) + "\n")
    print(f"{args.out}: shifts of {', '.join(sorted(shifts['side']))} from "
          f"{', '.join(people['side'])} (side) and {', '.join(people['front'])} (front)")
    return 0


def _name_at_lr(args: argparse.Namespace) -> float:
    """``--name-at-lr``, or the engine's default."""
    from gait.identification.calibration import DEFAULT_NAME_AT_LR

    return DEFAULT_NAME_AT_LR if args.name_at_lr is None else float(args.name_at_lr)


def model_settings(args: argparse.Namespace) -> Any:
    """The network settings of `train` and `evaluate` (view defaults, seed, visibility and
    every ``--setting NAME=VALUE``)."""
    from gait.identification.settings import ModelSettings

    overrides = ModelSettings.parse_overrides(args.setting)
    seed = {} if args.seed is None else {"seed": args.seed}  # None: the default seed
    return ModelSettings.for_view(args.view, **{"with_visibility": args.visibility, **seed,
                                                **overrides})


def cmd_train(args: argparse.Namespace) -> int:
    """`train`: train and calibrate a per-view model, save it."""
    from gait.identification.calibration import train_identifier
    from gait.walk.features import load_table

    table = load_table(args.data, args.view)
    if table.frame.empty:
        raise UserError(f"{args.data}: no {args.view}-view clip with a gait cycle")
    started = time.perf_counter()
    model = train_identifier(table, model_settings(args), name_at_lr=_name_at_lr(args))
    keras_path, json_path = model.save(args.out)
    likelihood = model.metadata.get("likelihood")
    print(f"trained {args.view}-view model on {len(model.suspects)} suspects, "
          f"{len(table.frame)} cycles, in {time.perf_counter() - started:.1f} s: "
          f"{keras_path} + {json_path}")
    if likelihood:
        v = likelihood["validation"]
        print(f"likelihood ratios calibrated on {v['n_genuine']} + {v['n_impostor']} "
              f"comparisons: Cllr {v['cllr']:.3f} (cross-validated); a suspect is named at "
              f"LR >= {likelihood['name_at_lr']:g} (calibration clips: FPIR {v['fpir']:.0%}, "
              f"FNIR {v['fnir']:.0%})")
    return 0


def cmd_identify(args: argparse.Namespace) -> int:
    """`identify`: rank the suspects for one clip and give the verdict."""
    from gait.identification.identify import identify_table, lr_text
    from gait.walk.cycles import analyse_gait
    from gait.walk.features import FeatureTable, analysis_features

    model = _load_model(args.model)
    sequence = _load_clip(Path(args.clip), quiet=bool(args.json), args=args)
    analysis = analyse_gait(sequence, model.view)
    frame = analysis_features(analysis, clip_id=Path(args.clip).stem)
    table = FeatureTable(model.view, frame)
    result = identify_table(model, table, analysis.insufficient_reason)
    quality = quality_of(sequence)
    walk = sequence.meta.get("walk")
    if args.json:
        n_tracks = len((sequence.meta.get("scan") or {}).get("tracks") or [])
        print_json({"clip": str(args.clip), "model": str(args.model), **result.to_dict(),
                    **quality, "walk": walk, "n_person_tracks": n_tracks}, args.json)
        return 0
    line = walk_line(sequence)
    if line:
        print(line)
    print_quality(quality)
    print(f"verdict: {result.verdict}" + (f" ({result.suspect})" if result.suspect else ""))
    print(f"reason: {result.reason}")
    if result.calibrated_probability is not None:
        print(f"calibrated probability that {result.ranking[0][0]} is the person: "
              f"{result.calibrated_probability:.2f}")
    likelihood = result.likelihood()
    if likelihood is not None:
        print(f"Hp: {likelihood['propositions']['Hp']}")
        print(f"Hd: {likelihood['propositions']['Hd']}")
    for rank, (suspect, score) in enumerate(result.ranking[: args.top], start=1):
        llr = result.log10_lr_of(suspect)
        print(f"{rank:>3}. {suspect:<20} {score:.3f}"
              + ("" if llr is None else f"  {lr_text(llr)}"))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """`evaluate`: the 6-fold or the enrol-then-probe protocol, as JSON; with ``--seeds``, once
    per training seed and pooled (:func:`gait.identification.seed_summary.summarise_seeds`)."""
    from gait.identification.evaluate import evaluate_folds, evaluate_probe
    from gait.walk.features import load_table

    if args.seeds and args.seed is not None:
        raise UserError("give --seed or --seeds, not both")
    enrol = load_table(args.enrol, args.view)
    if enrol.frame.empty:
        raise UserError(f"{args.enrol}: no {args.view}-view clip with a gait cycle")
    probe = load_table(args.probe, args.view) if args.probe else None
    settings = model_settings(args)

    def run(seed: int) -> dict[str, Any]:
        seeded = replace(settings, seed=seed)
        if probe is not None:
            return evaluate_probe(enrol, probe, seeded, name_at_lr=_name_at_lr(args))
        return evaluate_folds(enrol, seeded,
                              progress=progress_printer("folds") if not args.quiet else None)

    if not args.seeds:
        report = run(settings.seed)
        print_json(report, args.json)
        if args.json not in (None, "-"):
            _print_figures(report, args.view, args.json)
        return 0
    from gait.identification.seed_summary import summarise_seeds

    reports = {}
    for seed in args.seeds:
        reports[seed] = run(seed)
        if not args.quiet:
            print(f"seed {seed}: clip rank-1 {reports[seed]['clip_rank1']:.1%}",
                  file=sys.stderr, flush=True)
    summary = summarise_seeds(reports)
    print_json({**summary, "per_seed": {str(s): r for s, r in reports.items()}}, args.json)
    if args.json not in (None, "-"):
        _print_seed_summary(summary, args.json)
    return 0


def _print_figures(report: dict[str, Any], view: str, path: str) -> None:
    """The one-run figures of `evaluate`, a line each."""
    print(f"{report['protocol']}, {view}: clip rank-1 {report['clip_rank1']:.1%}, "
          f"rank-5 {report['clip_rank5']:.1%}, {report['n_probe_clips']} clips, "
          f"{len(report['failed_clips'])} without a cycle -> {path}")
    if "open_set" in report:
        o = report["open_set"]
        print(f"open set, {o['n_impostor_clips']} impostor clips: FPIR {o['fpir']:.1%}, "
              f"FNIR {o['fnir']:.1%} at the naming threshold {o['threshold']:.3f} "
              f"({o['score']}); EER {o['eer']:.1%}; FNIR "
              f"{o['fnir_at_fpir_10pct']:.1%} at FPIR <= 10% on these impostors")
    lr = report.get("lr") or {}
    if "cllr" in lr:
        print(f"likelihood ratios, {lr['n_genuine']} + {lr['n_impostor']} comparisons: "
              f"Cllr {lr['cllr']:.3f} (min {lr['cllr_min']:.3f}), misleading for Hp "
              f"{lr['misleading_hp']:.1%}, for Hd {lr['misleading_hd']:.1%}")
    if "decisions" in lr:
        print(f"decisions: {_decisions_text(lr['decisions'])}")


def _decisions_text(d: dict[str, Any]) -> str:
    return (f"{d['named_or_supported']} of {d['genuine_clips']} genuine clips name the right "
            f"suspect or give them LR > {d['supporting_lr']:g} ({d['named_right']} named), "
            f"{d['named_wrong']} name another; {d['impostors_named']} of "
            f"{d['impostor_clips']} impostor clips named")


def _print_seed_summary(summary: dict[str, Any], path: str) -> None:
    """The figures of `evaluate --seeds`, pooled over the seeds, a line each."""
    seeds = ", ".join(str(s) for s in summary["seeds"])
    per_seed = ", ".join(f"{100 * r:.1f}" for r in summary["clip_rank1_per_seed"])
    n = summary["n_clip_results"]
    print(f"{summary['protocol']}, {summary['view']}, seeds {seeds}: clip rank-1 "
          f"{summary['clip_rank1']:.1%} of {n} clip results (per seed {per_seed} %), "
          f"rank-5 {summary['clip_rank5']:.1%} -> {path}")
    conditions = summary["by_condition"]
    if len(conditions) > 1:
        print("by condition: " + ", ".join(
            f"{c} {r['rank1']:.1%} of {r['n_clips']}" for c, r in conditions.items()))
    lr = summary.get("lr")
    if lr:
        cllr = ", ".join(f"{v:.3f}" for v in lr["cllr"]["per_seed"])
        print(f"likelihood ratios: Cllr {lr['cllr']['mean']:.3f} (per seed {cllr}); the "
              f"strongest impostor comparison LR {10 ** lr['max_log10_lr_hd']:.3g}")
        if "decisions" in lr:
            print(f"decisions over the seeds: {_decisions_text(lr['decisions'])}")
    if "open_set" in summary:
        o = summary["open_set"]
        print(f"open set: FPIR {o['fpir']['mean']:.1%}, FNIR {o['fnir']['mean']:.1%} "
              "(means over the seeds)")


def cmd_bench(args: argparse.Namespace) -> int:
    """`bench`: speed and memory figures, as JSON."""
    from gait.bench import run_benchmark

    report = run_benchmark(Path(args.video), Path(args.enrol), quick=args.quick)
    print_json(report, None)
    if args.json:
        print_json(report, args.json)
    return 0


def cmd_catalogue(args: argparse.Namespace) -> int:
    """`catalogue`: the parameter catalogue as Markdown."""
    from gait.walk.catalogue_doc import catalogue_markdown

    text = catalogue_markdown()
    if args.markdown:
        from gait.media.files import atomic_write

        atomic_write(Path(args.markdown), lambda h: h.write(text.encode("utf-8")))
        print(f"wrote {args.markdown}")
    else:
        print(text)
    return 0
