"""The declaration workflow as a state machine (R16.2, R17): what may follow what, and nothing else.

Pure: no database. Who may act is the services' business and is tested in tests/declarations/.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cehours.rules.review import (
    NEEDS_REASON,
    PERSON_ACTIONS,
    REVIEWER_ACTIONS,
    STATE_LABELS,
    TRANSITIONS,
    Action,
    State,
    TransitionError,
    is_decided,
    next_state,
)

ALL_PAIRS = list(itertools.product(State, Action))
FORBIDDEN = [pair for pair in ALL_PAIRS if pair not in TRANSITIONS]


@pytest.mark.parametrize(
    ("state", "action", "after"),
    [
        (State.DRAFT, Action.SUBMIT, State.SUBMITTED),
        (State.SUBMITTED, Action.APPROVE, State.APPROVED),
        (State.SUBMITTED, Action.REJECT, State.REJECTED),
        (State.SUBMITTED, Action.RETURN, State.RETURNED),
        (State.RETURNED, Action.RESUBMIT, State.SUBMITTED),
        (State.DRAFT, Action.WITHDRAW, State.WITHDRAWN),
        (State.SUBMITTED, Action.WITHDRAW, State.WITHDRAWN),
        (State.RETURNED, Action.WITHDRAW, State.WITHDRAWN),
    ],
)
def test_r16_2_each_allowed_step_leads_to_its_state(state, action, after):
    assert next_state(state, action) == after
    assert next_state(state.value, action.value) == after  # as stored in the database


@pytest.mark.parametrize(("state", "action"), FORBIDDEN, ids=[f"{s.value}-{a.value}" for s, a in FORBIDDEN])
def test_r16_2_every_step_not_in_the_table_is_refused_naming_the_state(state, action):
    with pytest.raises(TransitionError) as caught:
        next_state(state, action)
    assert f"“{STATE_LABELS[state]}”状态的申报不能执行此操作" in str(caught.value)


@given(st.sampled_from(State), st.sampled_from(Action))
def test_r16_2_a_step_either_follows_the_table_or_raises(state, action):
    if (state, action) in TRANSITIONS:
        assert next_state(state, action) == TRANSITIONS[(state, action)]
    else:
        with pytest.raises(TransitionError):
            next_state(state, action)


def test_r16_2_the_table_is_not_trivially_permissive():
    # 6 states × 6 actions = 36 pairs, of which only 8 are allowed.
    assert len(ALL_PAIRS) == 36
    assert len(FORBIDDEN) == 28


def test_r16_2_a_decided_or_withdrawn_declaration_cannot_move_again():
    for final in (State.APPROVED, State.REJECTED, State.WITHDRAWN):
        for action in Action:
            with pytest.raises(TransitionError):
                next_state(final, action)


def test_r16_2_a_person_cannot_withdraw_after_a_decision():
    with pytest.raises(TransitionError):
        next_state(State.APPROVED, Action.WITHDRAW)
    with pytest.raises(TransitionError):
        next_state(State.REJECTED, Action.WITHDRAW)


def test_r17_reviewers_decide_only_submitted_declarations():
    for action in REVIEWER_ACTIONS:
        allowed_from = {state for state, a in TRANSITIONS if a == action}
        assert allowed_from == {State.SUBMITTED}, action


def test_r17_person_and_reviewer_actions_do_not_overlap_and_cover_every_step():
    assert not PERSON_ACTIONS & REVIEWER_ACTIONS
    assert {a for _, a in TRANSITIONS} == PERSON_ACTIONS | REVIEWER_ACTIONS


def test_r16_2_reject_and_return_need_a_reason_approve_does_not():
    assert {Action.REJECT, Action.RETURN} == NEEDS_REASON
    assert Action.APPROVE not in NEEDS_REASON


def test_r16_2_only_approved_and_rejected_count_as_decided():
    assert [s for s in State if is_decided(s)] == [State.APPROVED, State.REJECTED]


def test_unknown_state_or_action_is_a_value_error():
    with pytest.raises(ValueError):
        next_state("lost", Action.SUBMIT)
    with pytest.raises(ValueError):
        next_state(State.DRAFT, "delete")
