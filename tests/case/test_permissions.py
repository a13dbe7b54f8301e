"""Roles and membership: the rule table, every role against every action, and the store handle
acting for a user that enforces it on every read and write."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from gait.case.accounts import hash_password
from gait.case.store import AccessDenied, CaseStore, StoreError
from gait.case.store.permissions import (
    ACTIONS,
    ADMINISTRATOR,
    CHANGE_CASE,
    CREATE_CASE,
    INVESTIGATOR,
    MAKE_REPORT,
    MANAGE_MEMBERS,
    MANAGE_USERS,
    OPEN_CASE,
    READ_ACCOUNT_LOG,
    REVIEWER,
    USER_ROLES,
    Standing,
    allowed,
    require,
)

# (role, member, owner) -> the actions allowed; everything else is refused.
EXPECTED = {
    (ADMINISTRATOR, False, False): {MANAGE_USERS, READ_ACCOUNT_LOG},
    (ADMINISTRATOR, True, False): {MANAGE_USERS, READ_ACCOUNT_LOG, OPEN_CASE, MAKE_REPORT},
    (ADMINISTRATOR, True, True): {MANAGE_USERS, READ_ACCOUNT_LOG, OPEN_CASE, MAKE_REPORT,
                                  MANAGE_MEMBERS},
    (INVESTIGATOR, False, False): {CREATE_CASE},
    (INVESTIGATOR, True, False): {CREATE_CASE, OPEN_CASE, MAKE_REPORT, CHANGE_CASE},
    (INVESTIGATOR, True, True): {CREATE_CASE, OPEN_CASE, MAKE_REPORT, CHANGE_CASE,
                                 MANAGE_MEMBERS},
    (REVIEWER, False, False): set(),
    (REVIEWER, True, False): {OPEN_CASE, MAKE_REPORT},
    (REVIEWER, True, True): {OPEN_CASE, MAKE_REPORT, MANAGE_MEMBERS},
}


@pytest.mark.parametrize(("standing", "action"), [
    (key, action) for key, action in itertools.product(EXPECTED, ACTIONS)])
def test_every_role_against_every_action(standing: tuple[str, bool, bool], action: str) -> None:
    role, member, owner = standing
    who = Standing("someone", role, member=member, owner=owner)
    assert allowed(who, action) == (action in EXPECTED[standing])
    disabled = Standing("someone", role, disabled=True, member=member, owner=owner)
    assert not allowed(disabled, action)


def test_a_refusal_is_one_line_naming_who_what_and_why() -> None:
    with pytest.raises(AccessDenied) as refused:
        require(Standing("rita", REVIEWER, member=True), CHANGE_CASE, case_id=4)
    message = str(refused.value)
    assert message == ("rita (reviewer) may not change case #4: reviewers read the cases they "
                       "are members of and change nothing")
    with pytest.raises(AccessDenied, match="not a member of the case"):
        require(Standing("ivan", INVESTIGATOR), OPEN_CASE, case_id=4)
    with pytest.raises(AccessDenied, match="account is disabled"):
        require(Standing("ivan", INVESTIGATOR, disabled=True, member=True), OPEN_CASE, 4)
    with pytest.raises(AccessDenied, match="only the case's owner"):
        require(Standing("ivan", INVESTIGATOR, member=True), MANAGE_MEMBERS, 4)
    assert isinstance(refused.value, PermissionError)


def _hash() -> str:
    return hash_password("correct horse battery")


@pytest.fixture
def people(tmp_path: Path) -> tuple[CaseStore, dict[str, CaseStore]]:
    """A store with an administrator, two investigators and a reviewer; (store, handles)."""
    store = CaseStore(tmp_path)
    password_hash = _hash()
    for name, role in (("ada", ADMINISTRATOR), ("ivan", INVESTIGATOR), ("iris", INVESTIGATOR),
                       ("rita", REVIEWER)):
        store.add_user(name, name.title(), role, password_hash)
    return store, {u.user_name: store.acting_as(u) for u in store.users()}


def test_the_creator_owns_a_case_and_only_members_reach_it(
        people: tuple[CaseStore, dict[str, CaseStore]]) -> None:
    store, as_ = people
    case = as_["ivan"].create_case("Harbour Street")
    assert case.owner_id == store.user_by_name("ivan").user_id
    suspect = as_["ivan"].add_suspect(case.case_id, "J. Doe")
    assert [c.case_id for c in as_["ivan"].cases()] == [case.case_id]
    for outsider in ("iris", "rita", "ada"):
        handle = as_[outsider]
        assert handle.cases() == []
        for read in (lambda h: h.case(case.case_id), lambda h: h.summary(case.case_id),
                     lambda h: h.suspects(case.case_id), lambda h: h.clips(case.case_id),
                     lambda h: h.models(case.case_id), lambda h: h.audit(case.case_id),
                     lambda h: h.identifications(case.case_id),
                     lambda h: h.suspect(suspect.suspect_id),
                     lambda h: h.case_by_name("Harbour Street"),
                     lambda h: h.log("note", case.case_id)):
            with pytest.raises(AccessDenied, match="not a member"):
                read(handle)
    # The audit log names the user, never a session.
    assert {e.actor for e in store.audit(case.case_id)} == {"ivan"}


def test_a_handle_never_becomes_another_account(
        people: tuple[CaseStore, dict[str, CaseStore]]) -> None:
    _, as_ = people
    with pytest.raises(AccessDenied, match="cannot act for another account"):
        as_["ivan"].acting_as("ada")
    assert as_["ivan"].acting_as("IVAN").user.user_name == "ivan"
    with pytest.raises(AttributeError):
        as_["ivan"].user = None  # type: ignore[misc]
    with pytest.raises(AccessDenied, match="log-in only"):
        as_["ivan"].set_login_failures("account:ada", 0, 0.0, 0.0)


def test_a_reviewer_member_reads_and_changes_nothing(
        people: tuple[CaseStore, dict[str, CaseStore]]) -> None:
    store, as_ = people
    case = as_["ivan"].create_case("Case")
    as_["ivan"].add_member(case.case_id, "rita")
    rita = as_["rita"]
    assert rita.case(case.case_id).name == "Case"
    assert rita.may(MAKE_REPORT, case.case_id) and not rita.may(CHANGE_CASE, case.case_id)
    with pytest.raises(AccessDenied, match=r"rita \(reviewer\) may not change case"):
        rita.add_suspect(case.case_id, "X")
    with pytest.raises(AccessDenied, match="may not create a case"):
        rita.create_case("Mine")
    with pytest.raises(AccessDenied, match="only the case's owner"):
        rita.add_member(case.case_id, "iris")
    assert store.suspects(case.case_id) == []


def test_members_are_managed_by_the_owner_and_recorded(
        people: tuple[CaseStore, dict[str, CaseStore]]) -> None:
    store, as_ = people
    case = as_["ivan"].create_case("Case")
    as_["ivan"].add_member(case.case_id, "iris")
    with pytest.raises(StoreError, match="already a member"):
        as_["ivan"].add_member(case.case_id, "iris")
    as_["iris"].add_suspect(case.case_id, "J. Doe")  # a member investigator works on it
    with pytest.raises(AccessDenied, match="only the case's owner"):
        as_["iris"].remove_member(case.case_id, "ivan")
    with pytest.raises(StoreError, match="owner cannot be removed"):
        as_["ivan"].remove_member(case.case_id, "ivan")
    with pytest.raises(StoreError, match="active investigator"):
        as_["ivan"].transfer_ownership(case.case_id, "rita")
    as_["ivan"].transfer_ownership(case.case_id, "iris")
    as_["iris"].remove_member(case.case_id, "ivan")
    assert as_["ivan"].cases() == []
    assert [(m.user.user_name, m.owner) for m in store.members(case.case_id)] == [("iris", True)]
    actions = [(e.action, e.actor) for e in store.audit(case.case_id)]
    assert ("member added", "ivan") in actions
    assert ("case handed over", "ivan") in actions
    assert ("member removed", "iris") in actions


def test_a_disabled_account_or_changed_role_takes_effect_at_once(
        people: tuple[CaseStore, dict[str, CaseStore]]) -> None:
    store, as_ = people
    case = as_["ivan"].create_case("Case")
    as_["ada"].set_user_role("ivan", REVIEWER)
    with pytest.raises(AccessDenied, match="reviewer"):
        as_["ivan"].add_suspect(case.case_id, "X")  # the handle made before the change
    as_["ada"].set_user_disabled("ivan", True)
    with pytest.raises(AccessDenied, match="disabled"):
        as_["ivan"].case(case.case_id)
    assert as_["ivan"].cases() == []
    with pytest.raises(AccessDenied, match="disabled"):
        store.acting_as("ivan")
    events = [(e.action, e.actor, e.details.get("user_name")) for e in store.audit()]
    assert ("role changed", "ada", "ivan") in events
    assert ("account disabled", "ada", "ivan") in events


def test_only_administrators_manage_accounts_and_one_always_remains(
        people: tuple[CaseStore, dict[str, CaseStore]]) -> None:
    store, as_ = people
    with pytest.raises(AccessDenied, match="may not manage users"):
        as_["ivan"].add_user("eve", "Eve", ADMINISTRATOR, _hash())
    with pytest.raises(AccessDenied, match="may not read the accounts and log-in record"):
        as_["ivan"].audit()
    as_["ivan"].create_case("Not for the administrator")
    assert as_["ada"].audit() and all(e.case_id is None for e in as_["ada"].audit())
    assert any(e.case_id is not None for e in store.audit())
    with pytest.raises(StoreError, match="own account"):
        as_["ada"].set_user_disabled("ada", True)
    with pytest.raises(StoreError, match="no active administrator"):
        as_["ada"].set_user_role("ada", INVESTIGATOR)
    with pytest.raises(StoreError, match="already exists"):
        as_["ada"].add_user("IVAN", "Ivan again", INVESTIGATOR, _hash())
    with pytest.raises(StoreError, match="unknown role"):
        as_["ada"].add_user("eve", "Eve", "superuser", _hash())
    with pytest.raises(StoreError, match="Argon2id"):
        as_["ada"].set_password_hash("ivan", "plain text password")
    with pytest.raises(AccessDenied, match="hashes"):
        as_["ada"].credentials("ivan")
    assert {u.role for u in store.users()} == set(USER_ROLES)


def test_the_first_account_is_an_administrator_given_the_existing_cases(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    old = store.create_case("From before accounts", actor="dashboard-session-1234")
    assert old.owner_id is None
    with pytest.raises(StoreError, match="first account must be an administrator"):
        store.add_user("ivan", "Ivan", INVESTIGATOR, _hash())
    ada = store.add_user("ada", "Ada", ADMINISTRATOR, _hash())
    assert store.case(old.case_id).owner_id == ada.user_id
    assert store.acting_as("ada").case(old.case_id).name == "From before accounts"
    events = store.audit(old.case_id)
    assert events[0].actor == "dashboard-session-1234"  # an older event keeps its session id
    assert events[-1].action == "case given to the first administrator"
    store.add_user("ivan", "Ivan", INVESTIGATOR, _hash())
    ada_handle = store.acting_as("ada")
    ada_handle.add_member(old.case_id, "ivan")
    ada_handle.transfer_ownership(old.case_id, "ivan")
    assert store.case(old.case_id).owner_id == store.user_by_name("ivan").user_id
