"""``python -m gait``: the engine's command line.

User errors (missing or unreadable files, bad arguments, a model that does not fit) print one
line on stderr and exit with status 2; nothing is half-written. What TensorFlow, TFLite and
MediaPipe write straight to file descriptor 2 (start-up notices, absl warnings) is discarded
so that it cannot bury that line; set ``GAIT_NATIVE_LOGS=1`` to see it.

``extract`` and ``identify`` flag clips extracted from hard footage as low quality (a small
person, a crowded scene, another person who walks as much as the one analysed); the dashboard
uses the same rules (:func:`gait.walk.quality.tracking_warnings`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from gait import __version__

EXIT_USER_ERROR = 2

EPILOG = """examples:
  python -m gait extract walk.mp4 --out walk.npz --overlay walk_overlay.mp4
  python -m gait import ../shared/data/keypoints/enrol
  python -m gait train --data ../shared/data/keypoints/enrol --view side --out models/side
  python -m gait identify evidence.mp4 --model models/side --json
  python -m gait evaluate --enrol ../shared/data/keypoints/enrol --view side --json side.json
  python -m gait evaluate --enrol ../shared/data/keypoints/enrol \\
      --probe ../shared/data/keypoints/evidence_normal --view front --json front.json
  python -m gait bench --json bench.json
  python -m gait catalogue --markdown docs/parameters.md
"""


class UserError(Exception):
    """An error the user can fix; printed as one line."""


# --- clip quality -------------------------------------------------------------------------------
# Measured on the shared videos (gait.pose.tracks person tracks): CASIA-B walkers are 117-134 px
# tall in 240-px frames and give sound cycles; in crowd_elevated_10fps.avi the selected person is
# 82 px tall among 6 people on screen for >= 1 s, and the runner-up track scores 0.8 of it. In
# side_walk_park_two_people.mp4 (walker + a man jumping on a box) 3 tracks last >= 1 s and the
# runner-up scores 0.4 of the walker.
def _quality(sequence: Any) -> dict[str, Any]:
    from gait.walk.quality import tracking_warnings

    warnings = tracking_warnings(sequence.meta, sequence.fps)
    return {"quality": "low" if warnings else "ok", "warnings": warnings}


def _print_quality(quality: dict[str, Any]) -> None:
    if quality["warnings"]:
        print("quality: low")
        for warning in quality["warnings"]:
            print(f"warning: {warning['message']}")


@contextlib.contextmanager
def _native_stderr_discarded() -> Iterator[None]:
    """Send what native libraries write to file descriptor 2 to /dev/null for a while.

    Python's ``sys.stderr`` (progress, error lines, warnings) keeps the real stderr. Nothing
    is changed when ``sys.stderr`` is not the process's own (e.g. captured by a test) or when
    ``GAIT_NATIVE_LOGS`` is set.
    """
    python_stderr: Any = sys.stderr
    own = python_stderr is not None and python_stderr is sys.__stderr__
    if os.environ.get("GAIT_NATIVE_LOGS") or not own:
        yield
        return
    try:
        python_stderr.flush()
        null_fd = os.open(os.devnull, os.O_WRONLY)
    except (OSError, AttributeError, ValueError):  # no usable file descriptor 2
        null_fd = -1
    if null_fd < 0:
        yield
        return
    saved_fd = os.dup(2)
    sys.stderr = open(saved_fd, "w", buffering=1, encoding=python_stderr.encoding,  # noqa: SIM115
                      errors="backslashreplace", closefd=False)
    os.dup2(null_fd, 2)
    os.close(null_fd)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved_fd, 2)
        sys.stderr = python_stderr
        os.close(saved_fd)


def _user_errors() -> tuple[type[BaseException], ...]:
    from gait.identification.model import ModelError
    from gait.media.keypoints import KeypointFormatError

    errors: list[type[BaseException]] = [UserError, KeypointFormatError, ModelError,
                                         FileNotFoundError, IsADirectoryError, PermissionError]
    try:
        from gait.media.video import VideoError
        from gait.pose.extraction import PoseError

        errors += [VideoError, PoseError]
    except ImportError:  # pragma: no cover - mediapipe missing
        pass
    return tuple(errors)


def _print_json(data: Any, path: str | None) -> None:
    text = json.dumps(data, indent=2, sort_keys=False, default=str)
    if path in (None, "-"):
        print(text)
    else:
        from gait.media.files import atomic_write

        atomic_write(Path(str(path)), lambda h: h.write((text + "\n").encode("utf-8")))


# True while a progress line without its final newline is on stderr (an error then starts a
# new line, so that it stays one whole line).
_progress_line_open = [False]


def _progress_printer(label: str) -> Any:
    last = [0.0]

    def show(done: int, total: int, fps: float = 0.0) -> None:
        now = time.monotonic()
        if now - last[0] < 0.5 and done < total:
            return
        last[0] = now
        rate = f", {fps:.1f} frames/s" if fps else ""
        print(f"\r{label}: {done}/{total}{rate}", end="", file=sys.stderr, flush=True)
        _progress_line_open[0] = True
        if done >= total:
            print(file=sys.stderr)
            _progress_line_open[0] = False

    return show


def _load_clip(path: Path, quiet: bool) -> Any:
    """A KeypointSequence from a keypoint file or a video (through the keypoint cache)."""
    from gait.media.keypoints import load_npz

    if not path.exists():
        raise UserError(f"{path}: no such file")
    if path.suffix.lower() == ".npz":
        return load_npz(path)
    from gait.pose.cache import KeypointCache

    progress = None if quiet else _progress_printer(f"extracting {path.name}")
    return KeypointCache().get_or_extract(path, progress=progress)


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


# --- commands ------------------------------------------------------------------------------------


def cmd_extract(args: argparse.Namespace) -> int:
    """`extract`: keypoints of a video to a .npz file (through the cache)."""
    from gait.media.keypoints import save_npz
    from gait.pose.cache import KeypointCache
    from gait.pose.settings import PoseSettings

    settings = PoseSettings(model_complexity=args.model_complexity)
    progress = None if args.quiet else _progress_printer(f"extracting {Path(args.video).name}")
    cache = KeypointCache()
    sequence = cache.get_or_extract(Path(args.video), settings, progress=progress,
                                    overlay_path=Path(args.overlay) if args.overlay else None)
    save_npz(sequence, args.out)
    detected = int(sequence.detected.sum())
    print(f"{args.out}: {sequence.n_frames} frames, {detected} with a person, "
          f"{sequence.fps:g} fps")
    _print_quality(_quality(sequence))
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
        _print_json(summary, args.json)
    else:
        print(f"{args.folder}: {len(records)} clips")
        for view, info in summary["views"].items():
            print(f"  {view}: {info['n_clips']} clips of {info['n_subjects']} subjects, "
                  f"{info['n_cycles']} gait cycles, "
                  f"{len(info['clips_without_cycles'])} clips without a cycle")
    return 0


def _rate(text: str) -> float:
    """An argparse type: a rate strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a rate between 0 and 1")
    return value


# gait.identification.identify.DEFAULT_TARGET_FPIR; a test keeps them equal.
_DEFAULT_TARGET_FPIR_TEXT = "0.05"


def _target_fpir(args: argparse.Namespace) -> float:
    """``--target-fpir``, or the engine's default."""
    from gait.identification.identify import DEFAULT_TARGET_FPIR

    return DEFAULT_TARGET_FPIR if args.target_fpir is None else float(args.target_fpir)


def _settings(args: argparse.Namespace) -> Any:
    from gait.identification.settings import ModelSettings

    return ModelSettings.for_view(args.view, with_visibility=args.visibility, seed=args.seed)


def cmd_train(args: argparse.Namespace) -> int:
    """`train`: train and calibrate a per-view model, save it."""
    from gait.identification.identify import train_identifier
    from gait.walk.features import load_table

    table = load_table(args.data, args.view)
    if table.frame.empty:
        raise UserError(f"{args.data}: no {args.view}-view clip with a gait cycle")
    started = time.perf_counter()
    model = train_identifier(table, _settings(args), target_fpir=_target_fpir(args))
    keras_path, json_path = model.save(args.out)
    calibration = model.metadata.get("open_set")
    print(f"trained {args.view}-view model on {len(model.suspects)} suspects, "
          f"{len(table.frame)} cycles, in {time.perf_counter() - started:.1f} s: "
          f"{keras_path} + {json_path}")
    if calibration:
        print(f"open-set threshold {calibration['threshold']:.3f} "
              f"(target FPIR {calibration['target_fpir']:.0%}, calibration FPIR "
              f"{calibration['measured_fpir']:.0%}, FNIR {calibration['measured_fnir']:.0%})")
    return 0


def cmd_identify(args: argparse.Namespace) -> int:
    """`identify`: rank the suspects for one clip and give the verdict."""
    from gait.identification.identify import identify_table
    from gait.walk.cycles import analyse_gait
    from gait.walk.features import FeatureTable, analysis_features

    model = _load_model(args.model)
    sequence = _load_clip(Path(args.clip), quiet=bool(args.json))
    analysis = analyse_gait(sequence, model.view)
    frame = analysis_features(analysis, clip_id=Path(args.clip).stem)
    table = FeatureTable(model.view, frame)
    result = identify_table(model, table, analysis.insufficient_reason)
    quality = _quality(sequence)
    if args.json:
        _print_json({"clip": str(args.clip), "model": str(args.model), **result.to_dict(),
                     **quality}, args.json)
        return 0
    _print_quality(quality)
    print(f"verdict: {result.verdict}" + (f" ({result.suspect})" if result.suspect else ""))
    print(f"reason: {result.reason}")
    if result.calibrated_probability is not None:
        print(f"calibrated probability that {result.ranking[0][0]} is the person: "
              f"{result.calibrated_probability:.2f}")
    for rank, (suspect, score) in enumerate(result.ranking[: args.top], start=1):
        print(f"{rank:>3}. {suspect:<20} {score:.3f}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """`evaluate`: the 6-fold or the enrol-then-probe protocol, as JSON."""
    from gait.identification.evaluate import evaluate_folds, evaluate_probe
    from gait.walk.features import load_table

    enrol = load_table(args.enrol, args.view)
    if enrol.frame.empty:
        raise UserError(f"{args.enrol}: no {args.view}-view clip with a gait cycle")
    if args.probe:
        report = evaluate_probe(enrol, load_table(args.probe, args.view), _settings(args),
                                target_fpir=_target_fpir(args))
    else:
        report = evaluate_folds(enrol, _settings(args),
                                progress=_progress_printer("folds") if not args.quiet else None)
    _print_json(report, args.json)
    if args.json not in (None, "-"):
        print(f"{report['protocol']}, {args.view}: clip rank-1 {report['clip_rank1']:.1%}, "
              f"rank-5 {report['clip_rank5']:.1%}, {report['n_probe_clips']} clips, "
              f"{len(report['failed_clips'])} without a cycle -> {args.json}")
        if "open_set" in report:
            o = report["open_set"]
            print(f"open set, {o['n_impostor_clips']} impostor clips: FPIR {o['fpir']:.1%}, "
                  f"FNIR {o['fnir']:.1%} at the calibrated threshold {o['threshold']:.3f} "
                  f"(target FPIR {o['target_fpir']:.0%}); EER {o['eer']:.1%}; FNIR "
                  f"{o['fnir_at_fpir_10pct']:.1%} at FPIR <= 10% on these impostors")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """`bench`: speed and memory figures, as JSON."""
    from gait.bench import run_benchmark

    report = run_benchmark(Path(args.video), Path(args.enrol), quick=args.quick)
    _print_json(report, None)
    if args.json:
        _print_json(report, args.json)
    return 0


def cmd_catalogue(args: argparse.Namespace) -> int:
    """`catalogue`: the parameter catalogue as Markdown."""
    from gait.walk.parameters import catalogue_markdown

    text = catalogue_markdown()
    if args.markdown:
        from gait.media.files import atomic_write

        atomic_write(Path(args.markdown), lambda h: h.write(text.encode("utf-8")))
        print(f"wrote {args.markdown}")
    else:
        print(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m gait``."""
    parser = argparse.ArgumentParser(
        prog="python -m gait",
        description="gait-ID: identify a person among suspects from the way they walk.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gait-ID {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str, example: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text,
                              epilog=f"example:\n  {example}",
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    p = add("extract", "Extract MediaPipe Pose keypoints from a video into a .npz file.",
            "python -m gait extract walk.mp4 --out walk.npz --overlay overlay.mp4")
    p.add_argument("video")
    p.add_argument("--out", required=True, help="output .npz (the shared keypoint format)")
    p.add_argument("--overlay", help="also write an annotated H.264 MP4 here")
    p.add_argument("--model-complexity", type=int, choices=(1,), default=1,
                   help="only 1 (the full model) ships in the mediapipe wheel")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_extract)

    p = add("import", "Read and check a keypoint data set folder (.npz files + manifest.csv).",
            "python -m gait import ../shared/data/keypoints/enrol --json summary.json")
    p.add_argument("folder")
    p.add_argument("--json", help="write the summary as JSON to this file ('-': stdout)")
    p.set_defaults(func=cmd_import)

    def model_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--view", required=True, choices=("side", "front"))
        features = p.add_mutually_exclusive_group()
        features.add_argument("--no-visibility", dest="visibility", action="store_false",
                              help="parameter values only (the default: visibility scores "
                                   "describe the recording more than the walker and cost "
                                   "accuracy across sessions)")
        features.add_argument("--visibility", dest="visibility", action="store_true",
                              help="also feed every parameter's visibility score")
        p.set_defaults(visibility=False)
        p.add_argument("--seed", type=int, default=42)

    def target_fpir_option(p: argparse.ArgumentParser) -> None:
        # Default None, resolved by _target_fpir: importing gait.identification.identify here
        # would add about a second to every command, --help included.
        p.add_argument("--target-fpir", type=_rate, default=None,
                       help="open-set calibration: wanted share of people who are not suspects "
                            f"named as one (default {_DEFAULT_TARGET_FPIR_TEXT})")

    p = add("train", "Train a per-view identification model on a keypoint data set.",
            "python -m gait train --data ../shared/data/keypoints/enrol --view side "
            "--out models/side")
    p.add_argument("--data", required=True, help="keypoint data set folder")
    p.add_argument("--out", required=True, help="model path (writes OUT.keras and OUT.json)")
    target_fpir_option(p)
    model_options(p)
    p.set_defaults(func=cmd_train)

    p = add("identify", "Name the suspect who walks like the person in a clip (or none).",
            "python -m gait identify evidence.mp4 --model models/side")
    p.add_argument("clip", help="a video or a .npz keypoint file")
    p.add_argument("--model", required=True, help="model path (without or with .keras)")
    p.add_argument("--top", type=int, default=5, help="suspects to list (default 5)")
    p.add_argument("--json", nargs="?", const="-", help="JSON output (to a file, or stdout)")
    p.set_defaults(func=cmd_identify)

    p = add("evaluate", "Measure identification on a data set (6-fold, or enrol -> probe).",
            "python -m gait evaluate --enrol DIR --probe DIR2 --view side --json out.json")
    p.add_argument("--enrol", required=True)
    p.add_argument("--probe")
    p.add_argument("--json", default="-", help="report file (default: stdout)")
    p.add_argument("--quiet", action="store_true")
    target_fpir_option(p)
    model_options(p)
    p.set_defaults(func=cmd_evaluate)

    p = add("bench", "Measure speed and memory on a real clip and the enrolment set.",
            "python -m gait bench --json bench.json")
    p.add_argument("--video", default=str(_shared_data() / "videos" / "side_walk_1080p.mp4"))
    p.add_argument("--enrol", default=str(_shared_data() / "keypoints" / "enrol"))
    p.add_argument("--json", help="also write the figures to this file")
    p.add_argument("--quick", action="store_true", help="fewer repetitions (for tests)")
    p.set_defaults(func=cmd_bench)

    p = add("catalogue", "Print (or write) the gait parameter catalogue as Markdown.",
            "python -m gait catalogue --markdown docs/parameters.md")
    p.add_argument("--markdown", help="write to this file")
    p.set_defaults(func=cmd_catalogue)
    return parser


def _shared_data() -> Path:
    import os

    return Path(os.environ.get("GAIT_SHARED_DATA", "../shared/data"))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with _native_stderr_discarded():
            return int(args.func(args))
    except _user_errors() as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if _progress_line_open[0]:
            print(file=sys.stderr)
            _progress_line_open[0] = False
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
