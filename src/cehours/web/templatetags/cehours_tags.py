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
