"""The commands of ``python -m gait`` for signed case reports: ``report``, ``verify-report``
and ``public-key``.

The data folder is ``--data-dir``, else ``$GAIT_DATA_DIR``, else ``./data``, as for the
dashboard. ``verify-report`` trusts the data folder's own key, or the key given with
``--public-key`` (a PEM written by ``public-key``), so a report can be checked on another
machine; it exits 0 when the report is intact and 1 when it is not.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from gait.cli.output import UserError

if TYPE_CHECKING:
    from gait.case.store import CaseStore

EXIT_NOT_INTACT = 1


def add_report_commands(add: Callable[[str, str, str], argparse.ArgumentParser]) -> None:
    """Register the commands with the parser's ``add(name, help, example)``."""
    p = add("report", "Write the signed PDF case report of a stored identification.",
            "python -m gait report --data-dir data --identification 3 --out report.pdf")
    p.add_argument("--data-dir", help="the case store (default $GAIT_DATA_DIR or ./data)")
    p.add_argument("--identification", type=int, required=True, metavar="N",
                   help="the identification's number (as on the Prediction page)")
    p.add_argument("--out", required=True, help="the PDF; its signature goes to OUT.sig")
    p.set_defaults(func=cmd_report)

    p = add("verify-report", "Check that a case report is intact and who signed it.",
            "python -m gait verify-report report.pdf --public-key lab.pem")
    p.add_argument("report")
    p.add_argument("--signature", help="the signature file (default REPORT.sig)")
    key = p.add_mutually_exclusive_group()
    key.add_argument("--public-key", help="trust this PEM public key (from `public-key`)")
    key.add_argument("--data-dir", help="trust this data folder's key (default "
                                        "$GAIT_DATA_DIR or ./data)")
    p.set_defaults(func=cmd_verify_report)

    p = add("public-key", "Print (or write) this installation's report-signing public key.",
            "python -m gait public-key --out lab.pem")
    p.add_argument("--data-dir", help="the case store (default $GAIT_DATA_DIR or ./data)")
    p.add_argument("--out", help="write the PEM here")
    p.set_defaults(func=cmd_public_key)


def _store(data_dir: str | None) -> CaseStore:
    from gait.case.store import CaseStore, StoreError

    try:
        return CaseStore(data_dir)
    except StoreError as exc:
        raise UserError(str(exc)) from exc


def cmd_report(args: argparse.Namespace) -> int:
    """`report`: the signed PDF of one identification."""
    from gait.case.report_pdf import write_case_report
    from gait.case.signing import SignatureError
    from gait.case.store import StoreError

    store = _store(args.data_dir)
    try:
        pdf, signature = write_case_report(store, args.identification, Path(args.out),
                                           actor="command line")
    except (StoreError, SignatureError) as exc:
        raise UserError(str(exc)) from exc
    print(f"wrote {pdf} and its signature {signature}")
    return 0


def cmd_verify_report(args: argparse.Namespace) -> int:
    """`verify-report`: intact or not, signed by whom and when."""
    from gait.case.signing import (
        KEY_FILE,
        SignatureError,
        load_public_key,
        signing_key,
        verify_report,
    )
    from gait.case.store import default_data_dir

    try:
        if args.public_key:
            trusted = load_public_key(Path(args.public_key).read_bytes())
        else:
            folder = Path(args.data_dir) if args.data_dir else default_data_dir()
            if not (folder / KEY_FILE).is_file():
                raise UserError(f"{folder} has no signing key: give the signer's key with "
                                "--public-key, or its data folder with --data-dir")
            trusted = signing_key(folder).public_key()
    except OSError as exc:
        raise UserError(f"cannot read the public key: {exc.strerror or exc}") from exc
    except SignatureError as exc:
        raise UserError(str(exc)) from exc
    result = verify_report(args.report, trusted, args.signature)
    print(result.message)
    return 0 if result.intact else EXIT_NOT_INTACT


def cmd_public_key(args: argparse.Namespace) -> int:
    """`public-key`: this installation's public key, for whoever verifies its reports."""
    from gait.case.signing import SignatureError, public_key_pem
    from gait.media.files import atomic_write

    store = _store(args.data_dir)
    try:
        pem = public_key_pem(store.data_dir)
    except SignatureError as exc:
        raise UserError(str(exc)) from exc
    if args.out:
        atomic_write(Path(args.out), lambda handle: handle.write(pem))
        print(f"wrote {args.out}")
    else:
        print(pem.decode().strip())
    return 0
