"""The declaration workflow (R16.2, R17) as a state machine: which action is allowed in which state."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"  # 退回补充材料
    RESUBMIT = "resubmit"


STATE_LABELS = {
    State.DRAFT: "草稿",
    State.SUBMITTED: "待审核",
    State.RETURNED: "退回补充材料",
    State.APPROVED: "已通过",
    State.REJECTED: "未通过",
    State.WITHDRAWN: "已撤回",
}

# (state, action) → new state. Who may act is the services' business; this says only what can follow what.
TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.DRAFT, Action.SUBMIT): State.SUBMITTED,
    (State.DRAFT, Action.WITHDRAW): State.WITHDRAWN,
    (State.SUBMITTED, Action.WITHDRAW): State.WITHDRAWN,
    (State.SUBMITTED, Action.APPROVE): State.APPROVED,
    (State.SUBMITTED, Action.REJECT): State.REJECTED,
    (State.SUBMITTED, Action.RETURN): State.RETURNED,
    (State.RETURNED, Action.RESUBMIT): State.SUBMITTED,
    (State.RETURNED, Action.WITHDRAW): State.WITHDRAWN,
}

PERSON_ACTIONS = frozenset({Action.SUBMIT, Action.WITHDRAW, Action.RESUBMIT})
REVIEWER_ACTIONS = frozenset({Action.APPROVE, Action.REJECT, Action.RETURN})
# A reviewer must say why for these; the person reads it.
NEEDS_REASON = frozenset({Action.REJECT, Action.RETURN})


class TransitionError(ValueError):
    pass


def next_state(state: State | str, action: Action | str) -> State:
    key = (State(state), Action(action))
    if key not in TRANSITIONS:
        raise TransitionError(f"“{STATE_LABELS[State(state)]}”状态的申报不能执行此操作")
    return TRANSITIONS[key]


def is_decided(state: State | str) -> bool:
    return State(state) in {State.APPROVED, State.REJECTED}
