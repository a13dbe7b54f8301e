"""``python -m gait``: the engine's command line.

User errors (missing or unreadable files, bad arguments, a model that does not fit) print one
line on stderr and exit with status 2; nothing is half-written. What TensorFlow, TFLite and
MediaPipe write straight to file descriptor 2 (start-up notices, absl warnings) is discarded
so that it cannot bury that line; set ``GAIT_NATIVE_LOGS=1`` to see it.

``extract`` and ``identify`` flag clips extracted from hard footage as low quality (a small
person, a crowded scene, another person who walks as much as the one analysed); the dashboard
uses the same rules (:func:`gait.walk.quality.tracking_warnings`).

The parser imports no part of the engine (``--help`` answers at once); each command imports
what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from gait import __version__
from gait.cli import commands, reports, tracks, users
from gait.cli.output import (
    EXIT_USER_ERROR,
    native_stderr_discarded,
    progress_line_open,
    user_errors,
)

EPILOG = """examples:
  python -m gait extract walk.mp4 --out walk.npz --overlay walk_overlay.mp4
  python -m gait tracks cctv.mp4 --json tracks.json --extract-walks walks/
  python -m gait identify cctv.mp4 --model models/side --track 2 --start 12.5 --end 20
  python -m gait import ../shared/data/keypoints/enrol
  python -m gait train --data ../shared/data/keypoints/enrol --view side --out models/side
  python -m gait identify evidence.mp4 --model models/side --json
  python -m gait evaluate --enrol ../shared/data/keypoints/enrol --view side --json side.json
  python -m gait evaluate --enrol ../shared/data/keypoints/enrol \\
      --probe ../shared/data/keypoints/evidence_normal --view front --json front.json
  python -m gait evaluate --enrol ../shared/data/keypoints/enrol \\
      --probe ../shared/data/keypoints/evidence_covariates_dev --view side \\
      --seeds 42,1,2,3 --json side_covariates.json
  python -m gait bench --json bench.json
  python -m gait catalogue --markdown docs/parameters.md
  python -m gait report --data-dir data --identification 3 --out report.pdf
  python -m gait verify-report report.pdf --public-key lab.pem
  python -m gait users add ivan --role investigator --display-name "Ivan Petrov"
"""


# gait.identification.calibration.DEFAULT_NAME_AT_LR; a test keeps them equal.
_DEFAULT_NAME_AT_LR_TEXT = "100"


def _likelihood_ratio(text: str) -> float:
    """An argparse type: a likelihood ratio of at least 1."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 1 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a likelihood ratio of at least 1")
    return value


def _seed_list(text: str) -> tuple[int, ...]:
    """An argparse type: distinct non-negative integer seeds, comma-separated."""
    try:
        seeds = tuple(int(part) for part in text.split(","))
    except ValueError:
        seeds = ()
    if not seeds or min(seeds) < 0 or len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of distinct seeds (non-negative integers, e.g. 42,1,2,3)")
    return seeds


def _setting(text: str) -> tuple[str, str]:
    """An argparse type: ``NAME=VALUE`` (checked against the settings when they are made)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name.strip(), value.strip()


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
    tracks.add_walk_options(p)
    p.set_defaults(func=commands.cmd_extract)

    p = add("tracks", "List the people of a recording and their walks; extract every walk.",
            "python -m gait tracks cctv.mp4 --json tracks.json --thumbnails thumbs/")
    p.add_argument("video")
    p.add_argument("--json", nargs="?", const="-", help="JSON output (to a file, or stdout)")
    p.add_argument("--thumbnails", help="write a JPEG of each person here (track_ID.jpg)")
    p.add_argument("--extract-walks", metavar="DIR",
                   help="write every walk as a keypoint file, with manifest.csv, here")
    p.add_argument("--view", choices=("side", "front"), default="side",
                   help="camera view written to the manifest of --extract-walks")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=tracks.cmd_tracks)

    p = add("import", "Read and check a keypoint data set folder (.npz files + manifest.csv).",
            "python -m gait import ../shared/data/keypoints/enrol --json summary.json")
    p.add_argument("folder")
    p.add_argument("--json", help="write the summary as JSON to this file ('-': stdout)")
    p.set_defaults(func=commands.cmd_import)

    p = add("covariate-shifts", "Learn how bags, coats and walking at an angle shift the gait "
            "parameters, from people filmed both ways on one day (the training shifts).",
            "python -m gait covariate-shifts --normal ../shared/data/keypoints/evidence_normal "
            "--covariates ../shared/data/keypoints/evidence_covariates_dev "
            "--out gait/walk/covariate_shifts.json")
    p.add_argument("--normal", required=True, help="keypoint data set of normal walks")
    p.add_argument("--covariates", required=True,
                   help="keypoint data set of the same people with covariates (condition "
                        "column: bag, coat, angle ...), the same day")
    p.add_argument("--out", required=True, help="the JSON file to write")
    p.set_defaults(func=commands.cmd_covariate_shifts)

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
        p.add_argument("--seed", type=int, default=None,
                       help="seed of the network's initialisation, the augmentation and the "
                            "calibration folds (default 42)")
        p.add_argument("--setting", action="append", default=[], type=_setting,
                       metavar="NAME=VALUE",
                       help="override one network or augmentation setting (a field of "
                            "gait.identification.settings.ModelSettings, e.g. "
                            "augment_clothing_bl=0.005); repeatable")

    def name_at_lr_option(p: argparse.ArgumentParser) -> None:
        # Default None, resolved by _name_at_lr: importing gait.identification here would add
        # about a second to every command, --help included.
        p.add_argument("--name-at-lr", type=_likelihood_ratio, default=None,
                       help="the likelihood ratio at or above which the top-ranked suspect is "
                            f"named (default {_DEFAULT_NAME_AT_LR_TEXT})")

    p = add("train", "Train a per-view identification model on a keypoint data set.",
            "python -m gait train --data ../shared/data/keypoints/enrol --view side "
            "--out models/side")
    p.add_argument("--data", required=True, help="keypoint data set folder")
    p.add_argument("--out", required=True, help="model path (writes OUT.keras and OUT.json)")
    name_at_lr_option(p)
    model_options(p)
    p.set_defaults(func=commands.cmd_train)

    p = add("identify", "Name the suspect who walks like the person in a clip (or none).",
            "python -m gait identify evidence.mp4 --model models/side")
    p.add_argument("clip", help="a video or a .npz keypoint file")
    p.add_argument("--model", required=True, help="model path (without or with .keras)")
    p.add_argument("--top", type=int, default=5, help="suspects to list (default 5)")
    p.add_argument("--json", nargs="?", const="-", help="JSON output (to a file, or stdout)")
    tracks.add_walk_options(p)
    p.set_defaults(func=commands.cmd_identify)

    p = add("evaluate", "Measure identification on a data set (6-fold, or enrol -> probe).",
            "python -m gait evaluate --enrol DIR --probe DIR2 --view side --json out.json")
    p.add_argument("--enrol", required=True)
    p.add_argument("--probe")
    p.add_argument("--json", default="-", help="report file (default: stdout)")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--seeds", type=_seed_list, metavar="S1,S2,...",
                   help="train and measure once per seed, and pool the figures over the seeds "
                        "(rank rates from the clips of every seed, decisions summed, Cllr "
                        "averaged), e.g. 42,1,2,3; the JSON keeps every seed's report")
    name_at_lr_option(p)
    model_options(p)
    p.set_defaults(func=commands.cmd_evaluate)

    p = add("bench", "Measure speed and memory on a real clip and the enrolment set.",
            "python -m gait bench --json bench.json")
    p.add_argument("--video", default=str(_shared_data() / "videos" / "side_walk_1080p.mp4"))
    p.add_argument("--enrol", default=str(_shared_data() / "keypoints" / "enrol"))
    p.add_argument("--json", help="also write the figures to this file")
    p.add_argument("--quick", action="store_true", help="fewer repetitions (for tests)")
    p.set_defaults(func=commands.cmd_bench)

    p = add("catalogue", "Print (or write) the gait parameter catalogue as Markdown.",
            "python -m gait catalogue --markdown docs/parameters.md")
    p.add_argument("--markdown", help="write to this file")
    p.set_defaults(func=commands.cmd_catalogue)
    reports.add_report_commands(add)
    users.add_user_commands(add)
    return parser


def _shared_data() -> Path:
    import os

    return Path(os.environ.get("GAIT_SHARED_DATA", "../shared/data"))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with native_stderr_discarded():
            return int(args.func(args))
    except user_errors() as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if progress_line_open[0]:
            print(file=sys.stderr)
            progress_line_open[0] = False
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
