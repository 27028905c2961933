"""Password rules beyond Django's own validators (等保 2.0 第三级: 口令复杂度).

Listed in AUTH_PASSWORD_VALIDATORS, so Django's `validate_password` applies them on every path that
sets a password: `password_set` (create-staff, the demo, the change-password page) calls it.
"""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError

# The four classes of character; a password must mix at least `min_classes` of them.
CHARACTER_CLASSES: tuple[tuple[str, str], ...] = (
    ("小写字母", string.ascii_lowercase),
    ("大写字母", string.ascii_uppercase),
    ("数字", string.digits),
    ("其他符号", ""),  # anything not in the three above, Chinese characters included
)


def character_classes(password: str) -> set[str]:
    """The names of the classes of character the password uses."""
    used = set()
    for char in password:
        for name, members in CHARACTER_CLASSES:
            if not members or char in members:
                used.add(name)
                break
    return used


class ComplexityValidator:
    """At least `min_length` characters drawn from at least `min_classes` of: lower case, upper case,
    digits, other symbols."""

    def __init__(self, min_length: int = 8, min_classes: int = 3):
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        problems = []
        if len(password) < self.min_length:
            problems.append(
                ValidationError(
                    f"密码至少 {self.min_length} 个字符",
                    code="password_too_short_for_complexity",
                )
            )
        if len(character_classes(password)) < self.min_classes:
            problems.append(
                ValidationError(
                    f"密码须包含小写字母、大写字母、数字、其他符号中的至少 {self.min_classes} 类",
                    code="password_not_complex",
                )
            )
        if problems:
            raise ValidationError(problems)

    def get_help_text(self) -> str:
        return (
            f"至少 {self.min_length} 个字符，且包含小写字母、大写字母、数字、其他符号中的至少 {self.min_classes} 类。"
        )
