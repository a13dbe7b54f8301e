"""``python -m gait users add|disable|enable|role|list|passwd``: the accounts of a case store.

The data folder is ``--data-dir``, else ``$GAIT_DATA_DIR``, else ``./data``, as for the
dashboard. Whoever runs the command line on the server acts as the machine's operator (the
audit log records ``command line (<system user>)``): it is how the first administrator of a
store that is never opened in a browser is made, and how a locked-out administrator gets back
in. A password is read from the terminal (asked twice), or from the first line of standard
input when that is not a terminal, never from the command line, where other users of the
machine could see it.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from gait.cli.output import UserError

if TYPE_CHECKING:
    from gait.case.store import CaseStore

ROLES = ("administrator", "investigator", "reviewer")  # gait.case.store.USER_ROLES; a test


def add_user_commands(add: Callable[[str, str, str], argparse.ArgumentParser]) -> None:
    """Register ``users`` and its actions with the parser's ``add(name, help, example)``."""
    p = add("users", "Create, disable, enable, list accounts or set their passwords.",
            "python -m gait users add ivan --role investigator --display-name 'Ivan Petrov'")
    p.add_argument("--data-dir", help="the case store (default $GAIT_DATA_DIR or ./data)")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("add", help="create an account (asks for its password)")
    a.add_argument("name", help="user name (no spaces; an e-mail address for single sign-on)")
    a.add_argument("--role", required=True, choices=ROLES)
    a.add_argument("--display-name", help="the name shown and printed (default: NAME)")
    a.add_argument("--single-sign-on", action="store_true",
                   help="no password: the account logs in through the organisation's OpenID "
                        "Connect provider only")
    a.set_defaults(func=cmd_add)
    for name, what in (("disable", "disable an account (it can no longer log in or act)"),
                       ("enable", "enable a disabled account again")):
        d = actions.add_parser(name, help=what)
        d.add_argument("name")
        d.set_defaults(func=cmd_disable, disabled=name == "disable")
    r = actions.add_parser("role", help="change an account's role")
    r.add_argument("name")
    r.add_argument("role", choices=ROLES)
    r.set_defaults(func=cmd_role)
    w = actions.add_parser("passwd", help="set an account's password (asks for it) and lift "
                                          "a lock after failed log-ins")
    w.add_argument("name")
    w.set_defaults(func=cmd_passwd)
    s = actions.add_parser("list", help="list the accounts")
    s.add_argument("--json", action="store_true", help="as JSON on stdout")
    s.set_defaults(func=cmd_list)


def _store(args: argparse.Namespace) -> CaseStore:
    from gait.case.store import CaseStore, StoreError

    try:
        return CaseStore(args.data_dir)
    except StoreError as exc:
        raise UserError(str(exc)) from exc


def _operator() -> str:
    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):
        return "command line"


def read_password(user_name: str) -> str:
    """The new password: asked twice on a terminal, else the first line of standard input."""
    from gait.case.accounts import check_password

    if sys.stdin.isatty():
        password = getpass.getpass(f"password for {user_name}: ")
        if getpass.getpass("the same again: ") != password:
            raise UserError("the two passwords differ; nothing was changed")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    check_password(password, user_name)
    return password


def cmd_add(args: argparse.Namespace) -> int:
    """``users add NAME --role ROLE``."""
    from gait.case.accounts import hash_password

    store = _store(args)
    password_hash = None if args.single_sign_on else hash_password(read_password(args.name),
                                                                   args.name)
    user = store.add_user(args.name, args.display_name or args.name, args.role, password_hash,
                          actor=_operator())
    print(f"created {user.label}")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    """``users disable NAME`` and ``users enable NAME``."""
    user = _store(args).set_user_disabled(args.name, args.disabled, actor=_operator())
    print(f"{'disabled' if user.disabled else 'enabled'} {user.label}")
    return 0


def cmd_role(args: argparse.Namespace) -> int:
    """``users role NAME ROLE``."""
    user = _store(args).set_user_role(args.name, args.role, actor=_operator())
    print(f"{user.user_name} is now {user.role}")
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    """``users passwd NAME`` (also lifts a lock after failed log-ins)."""
    from gait.case.accounts import hash_password

    store = _store(args)
    if store.user_by_name(args.name) is None:
        raise UserError(f"there is no account {args.name!r}")
    store.set_password_hash(args.name, hash_password(read_password(args.name), args.name),
                            actor=_operator())
    print(f"password of {args.name} changed; its failed log-ins are forgotten")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """``users list``: name, display name, role, state, how they log in."""
    users = _store(args).users()
    if args.json:
        print(json.dumps([{"user_name": u.user_name, "display_name": u.display_name,
                           "role": u.role, "disabled": u.disabled,
                           "password": u.has_password, "created_at": u.created_at}
                          for u in users], indent=2))
        return 0
    if not users:
        print("no accounts yet: `users add NAME --role administrator` makes the first")
    for u in users:
        state = "disabled" if u.disabled else "active"
        login = "password" if u.has_password else "single sign-on"
        print(f"{u.user_name:<24} {u.role:<13} {state:<8} {login:<14} {u.display_name}")
    return 0
