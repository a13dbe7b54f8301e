"""Who may do what: the roles, the actions of case work, and the one rule table between them.

A user has one role; a case has members, one of whom is its owner (its creator, or whom the
owner handed it to). Every action is allowed by the role *and*, for the actions on a case, by
membership:

====================  =============  ============  ==========  ======================
action                administrator  investigator  reviewer    and on a case
====================  =============  ============  ==========  ======================
manage users          yes            no            no          (not a case action)
read the account log  yes            no            no          (not a case action)
create a case         no             yes           no          (not a case action)
open a case           yes            yes           yes         a member
make a case report    yes            yes           yes         a member
change a case         no             yes           no          a member
manage members        yes            yes           yes         the owner
====================  =============  ============  ==========  ======================

"Change a case" is everything that adds to it: suspects, clips, evidence, models,
identifications. A disabled account may do nothing. The store
(:class:`gait.case.store.CaseStore` bound to a user with ``acting_as``) checks every read and
write against :func:`require`, so no page can forget a check.
"""

from __future__ import annotations

from dataclasses import dataclass

ADMINISTRATOR = "administrator"
INVESTIGATOR = "investigator"
REVIEWER = "reviewer"
USER_ROLES = (ADMINISTRATOR, INVESTIGATOR, REVIEWER)

MANAGE_USERS = "manage users"
READ_ACCOUNT_LOG = "read the accounts and log-in record"
CREATE_CASE = "create a case"
OPEN_CASE = "open the case"
MAKE_REPORT = "make a report of the case"
CHANGE_CASE = "change the case"
MANAGE_MEMBERS = "change the case's members"

# action -> (roles allowed, what membership of the case it needs: None, "member" or "owner")
RULES: dict[str, tuple[frozenset[str], str | None]] = {
    MANAGE_USERS: (frozenset({ADMINISTRATOR}), None),
    READ_ACCOUNT_LOG: (frozenset({ADMINISTRATOR}), None),
    CREATE_CASE: (frozenset({INVESTIGATOR}), None),
    OPEN_CASE: (frozenset(USER_ROLES), "member"),
    MAKE_REPORT: (frozenset(USER_ROLES), "member"),
    CHANGE_CASE: (frozenset({INVESTIGATOR}), "member"),
    MANAGE_MEMBERS: (frozenset(USER_ROLES), "owner"),
}
ACTIONS = tuple(RULES)

WHAT_ROLES_DO = {
    ADMINISTRATOR: "administrators manage accounts and see no case they are not a member of",
    INVESTIGATOR: "investigators work on the cases they are members of",
    REVIEWER: "reviewers read the cases they are members of and change nothing",
}


class AccessDenied(PermissionError):
    """An action the acting user's role or case membership does not allow (one readable
    line)."""


@dataclass(frozen=True)
class Standing:
    """What the store knows of a user when it checks an action.

    Attributes
    ----------
    user_name : str
    role : str
        One of :data:`USER_ROLES`.
    disabled : bool
    member : bool
        A member of the case in question (False when the action is not on a case).
    owner : bool
        The owner of the case in question.
    """

    user_name: str
    role: str
    disabled: bool = False
    member: bool = False
    owner: bool = False


def allowed(standing: Standing, action: str) -> bool:
    """True if the rule table lets ``standing`` do ``action``."""
    roles, needs = RULES[action]
    if standing.disabled or standing.role not in roles:
        return False
    if needs == "owner":
        return standing.owner
    return standing.member if needs == "member" else True


def require(standing: Standing, action: str, case_id: int | None = None) -> None:
    """Refuse ``action`` unless :func:`allowed`.

    Raises
    ------
    AccessDenied
        With one line naming the user, the action and why it is refused.
    """
    if allowed(standing, action):
        return
    on_case = f" #{case_id}" if case_id is not None and "case" in action else ""
    what = action.replace("the case", f"case{on_case}") if on_case else action
    who = f"{standing.user_name} ({standing.role})"
    if standing.disabled:
        reason = "the account is disabled"
    elif standing.role not in RULES[action][0]:
        reason = WHAT_ROLES_DO[standing.role]
    elif RULES[action][1] == "owner":
        reason = "only the case's owner changes its members"
    else:
        reason = "not a member of the case"
    raise AccessDenied(f"{who} may not {what}: {reason}")
