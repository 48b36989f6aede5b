"""The login form with lock-out after repeated failures."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone

from . import services
from .models import User


class LoginForm(AuthenticationForm):
    """Username and password; five failures in a row lock the account for 15 minutes."""

    error_messages = {
        "invalid_login": "用户名或密码错误。",
        "inactive": "该账户已停用。",
        "locked": "连续登录失败次数过多，账户已锁定，请在 %(minutes)s 分钟后再试。",
    }

    def clean(self) -> dict[str, Any]:
        """Refuse locked accounts before checking the password; count failures."""
        username = self.cleaned_data.get("username")
        if username:
            user = User.objects.filter(username=username).first()
            if user is not None and user.locked_until and services.login_locked(user):
                minutes = max(1, int((user.locked_until - timezone.now()).total_seconds() // 60) + 1)
                raise forms.ValidationError(self.error_messages["locked"], code="locked",
                                            params={"minutes": minutes})
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                services.login_failed(username=username)
            raise
        user = self.get_user()
        if user is not None:  # None when a field was left empty: its own "required" error says so
            services.login_succeeded(user=user)
        return cleaned
