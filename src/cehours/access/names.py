"""How people and accounts are named on pages (issue 12): by name and organisation, never by login.

The audit trail and the ledger store the stable identifier (a username, `system:<code>`, `demo`):
that is right for a record. What a reader sees is asked of this module.
"""

from __future__ import annotations

# What stands behind a label with no account: the platform's own processes.
PROCESS_NAMES = {
    "system": "平台",
    "demo": "演示数据",
    "intake": "对接系统报送",
    "cehours backup": "系统备份",
    "cehours restore": "系统恢复",
    "cehours rotate-field-key": "密钥轮换",
}


def display_name(user, label: str = "") -> str:
    """A person's name, a staff member's display name, or what the process is called."""
    if user is not None:
        person = getattr(user, "person", None) if hasattr(user, "person") else None
        if person is not None:
            return person.name
        if user.first_name or user.last_name:
            return f"{user.last_name}{user.first_name}"
        return organisation(user) or "工作人员"  # an account without a display name: where it works
    if label.startswith("system:"):
        return "对接系统"
    return PROCESS_NAMES.get(label, "平台")


def organisation(user) -> str:
    """Where a staff member works, as their first grant places them; empty for a professional."""
    from .policy import user_grants  # read once per request, as the policy reads them

    grants = user_grants(user)
    if not grants:
        return ""
    grant = grants[0]
    if grant.unit is not None:
        return grant.unit.name
    place = grant.county.name if grant.county is not None else "丽水市"
    return f"{place} · {grant.get_role_display()}"
