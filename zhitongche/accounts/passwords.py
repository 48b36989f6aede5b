"""Password rule beyond Django's: not all of one character class."""

import re

from django.core.exceptions import ValidationError

CLASSES = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9]"), re.compile(r"[^a-zA-Z0-9]"))


class CharacterClassValidator:
    """Reject passwords made of only one class (only digits, only lower-case letters, …)."""

    def validate(self, password: str, user: object = None) -> None:
        """Raise ValidationError when fewer than two character classes occur."""
        if sum(1 for c in CLASSES if c.search(password)) < 2:
            raise ValidationError("密码不能全部由同一类字符组成（请混合字母、数字或符号）", code="password_one_class")

    def get_help_text(self) -> str:
        """Shown beside password fields."""
        return "密码须混合至少两类字符（小写字母、大写字母、数字、符号）。"
