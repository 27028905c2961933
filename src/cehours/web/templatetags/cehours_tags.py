"""Small template helpers."""

from django import template

from cehours.rules.hours import format_hours

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key)


@register.filter
def hours(value) -> str:
    """Hours as everywhere else: one decimal place ("90.0"), whatever the database returned."""
    return format_hours(value)


@register.filter
def level_name(value) -> str:
    """一级 / 二级 / 三级 管理权限, as 第十七条 writes them."""
    from cehours.access.models import level_name as name

    return name(value)


@register.filter
def who(user, label: str = "") -> str:
    """The name a page shows for an account (or, with none, for the process the label names)."""
    from cehours.access.names import display_name

    return display_name(user, label or "")


@register.filter
def percent(value) -> str:
    """A fraction as the percentage clerks speak of: 0.1 → 10%, 0.005 → 0.5%."""
    from decimal import Decimal

    shown = (Decimal(str(value)) * 100).quantize(Decimal("0.1")).normalize()
    return f"{shown:f}%"
