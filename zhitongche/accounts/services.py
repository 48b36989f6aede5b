"""Writes on accounts: creating users, API tokens, login lock-out, display preferences."""

import functools
import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.utils import timezone

from zhitongche.core import audit
from zhitongche.core.errors import Conflict, InvalidInput, NotFound
from zhitongche.core.rows import Columns
from zhitongche.regions.models import Department, Division, Level
from zhitongche.registry.models import Enterprise

from . import tokencache
from .models import LOGIN_BOOKKEEPING, ROLE_NEEDS, ApiToken, Role, User

TOKEN_PREFIX = "ztc_"  # noqa: S105 — a public prefix, not a secret
AUDITED_USER_FIELDS = ("username", "role", "display_name", "department", "region", "enterprise", "is_active")

def _resolve_scope(role: str, department: str | None, region: str | None, enterprise: str | None) -> dict[str, Any]:
    scope: dict[str, Any] = {"department": None, "region": None, "enterprise": None}
    if department:
        scope["department"] = Department.objects.filter(code=department).first()
        if scope["department"] is None:
            raise InvalidInput(f"部门代码 {department} 不存在", code="unknown_department")
    if region:
        scope["region"] = Division.objects.filter(
            code=region, level__in=[Level.CITY, Level.COUNTY, Level.ZONE]).first()
        if scope["region"] is None:
            raise InvalidInput(f"区域代码 {region} 不是本市的市、区县或开发区", code="unknown_region")
    if enterprise:
        scope["enterprise"] = Enterprise.objects.filter(uscc=enterprise.strip().upper()).first()
        if scope["enterprise"] is None:
            raise InvalidInput(f"统一社会信用代码 {enterprise} 对应的企业不存在", code="unknown_enterprise")
    needed = ROLE_NEEDS.get(Role(role))
    if needed and scope[needed] is None:
        labels = {"department": "--department", "region": "--region", "enterprise": "--enterprise"}
        raise InvalidInput(f"角色 {Role(role).label} 必须指定 {labels[needed]}", code="missing_scope")
    if role == Role.DEPARTMENT and scope["region"] is None:
        scope["region"] = scope["department"].region
    return scope

def user_create(
    *, actor: Any, username: str, role: str, password: str | None = None, department: str | None = None,
    region: str | None = None, enterprise: str | None = None, display_name: str = "",
) -> tuple[User, str]:
    """Create a user with a valid role and scope; returns the user and the password (generated if not given)."""
    username = (username or "").strip()
    if not username or len(username) > 150:
        raise InvalidInput("用户名不能为空，且不超过 150 个字符", code="invalid_username")
    if role not in Role.values:
        raise InvalidInput(f"未知角色 {role}；可选：{', '.join(Role.values)}", code="unknown_role")
    scope = _resolve_scope(role, department, region, enterprise)
    password = password or secrets.token_urlsafe(12) + "-Zt1"
    candidate = User(username=username, role=role, **scope)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise InvalidInput("密码不符合要求：" + "；".join(exc.messages), code="weak_password") from exc
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise Conflict(f"用户名 {username} 已存在", code="duplicate_user")
        user = User(username=username, role=role, display_name=display_name, is_staff=role == Role.ADMIN,
                    is_superuser=role == Role.ADMIN, **scope)
        user.set_password(password)
        user.save()
        audit.record(actor=actor, action="user.create", obj=user,
                     changes=audit.diff({}, audit.snapshot(user, AUDITED_USER_FIELDS)))
    return user, password

def hash_token(raw: str) -> str:
    """SHA-256 of a token: the tokens are random enough that a slow hash adds nothing."""
    return hashlib.sha256(raw.encode()).hexdigest()

def token_create(*, actor: Any, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue a new API token; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name[:100], prefix=raw[:12], key_hash=hash_token(raw))
        audit.record(actor=actor, action="token.create", obj=token, changes={"user": [None, user.pk]})
    return token, raw

def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke a token for good."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise Conflict("令牌已吊销", code="already_revoked")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        # Other processes hear the trigger's notification; this one drops the row itself, once the revocation
        # commits, so that no call between the commit and the notification's arrival is answered from it.
        transaction.on_commit(functools.partial(tokencache.forget, token.key_hash))
        audit.record(actor=actor, action="token.revoke", obj=token,
                     changes={"revoked_at": [None, token.revoked_at.isoformat()]})
    return token

# The login bookkeeping is left deferred: logins update it, and the trigger that tells the token caches of changes
# (migration 0004) ignores it, so that a login does not empty them.
_TOKEN_USER = Columns(User, [f.name for f in User._meta.concrete_fields if f.name not in LOGIN_BOOKKEEPING])
_TOKEN = Columns(ApiToken, ["id", "last_used_at"])
_USER_REGION = Columns(Division, ["code", "level"])
_USER_DEPARTMENT = Columns(Department, ["id", "code"])


def _token_sql(connection: Any) -> str:
    qn = connection.ops.quote_name
    return (f"SELECT {_TOKEN.sql(connection, 't')}, {_TOKEN_USER.sql(connection, 'u')}, "  # noqa: S608 — fixed names only
            f"{_USER_REGION.sql(connection, 'r')}, {_USER_DEPARTMENT.sql(connection, 'd')} "
            f"FROM {qn(ApiToken._meta.db_table)} t INNER JOIN {qn(User._meta.db_table)} u ON u.id = t.user_id "
            f"LEFT JOIN {qn(Division._meta.db_table)} r ON r.code = u.region_id "
            f"LEFT JOIN {qn(Department._meta.db_table)} d ON d.id = u.department_id "
            "WHERE t.key_hash = %s AND t.revoked_at IS NULL")


def token_authenticate(raw: str) -> User | None:
    """The active user behind a raw token, recording when it was last used (at most once a minute).

    One query (the token, its user, the user's region level and department code), except where tokencache
    holds the row and knows it current: a revoked token or a deactivated user is refused on the next request.
    """
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    connection = connections[ApiToken.objects.db]
    key_hash = hash_token(raw)
    row, heard = tokencache.get(connection, key_hash)
    if row is None:
        with connection.cursor() as cursor:
            cursor.execute(_token_sql(connection), [key_hash])
            found = cursor.fetchone()
        if found is None:
            return None
        row = list(found)
        tokencache.put(key_hash, heard, row)
    token_id, last_used_at = _TOKEN.convert(connection, row[:2])
    user_end = 2 + len(_TOKEN_USER)
    user = _TOKEN_USER.build(connection, row[2:user_end])
    if not user.is_active:
        return None
    user.region = _USER_REGION.build(connection, row[user_end:user_end + 2]) if user.region_id else None
    user.department = _USER_DEPARTMENT.build(connection, row[user_end + 2:]) if user.department_id else None
    now = timezone.now()
    if last_used_at is None or now - last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)  # no notification: the trigger ignores it
        row[1] = now  # in the held row too (when not held, the list is this call's own)
    return user

def login_locked(user: User) -> bool:
    """True while the account is locked after too many failed logins."""
    return user.locked_until is not None and user.locked_until > timezone.now()

def login_failed(*, username: str) -> None:
    """Count a failed login; the fifth in a row locks the account for 15 minutes."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            return
        if user.locked_until and user.locked_until <= timezone.now():
            user.failed_logins = 0
        user.failed_logins += 1
        fields = ["failed_logins"]
        if user.failed_logins >= settings.LOGIN_LOCKOUT_ATTEMPTS:
            user.locked_until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            user.failed_logins = 0
            fields.append("locked_until")
            audit.record(actor=None, action="user.lock", obj=user,
                         changes={"locked_until": [None, user.locked_until.isoformat()]})
        user.save(update_fields=fields)

def login_succeeded(*, user: User) -> None:
    """Reset the failure count after a good login."""
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)

def user_set_large_type(*, actor: User, on: bool) -> None:
    """Persist the large-type high-contrast (适老化) preference for the acting user."""
    with transaction.atomic():
        before = actor.large_type
        actor.large_type = on
        actor.save(update_fields=["large_type"])
        audit.record(actor=actor, action="user.large_type", obj=actor, changes={"large_type": [before, on]})

def user_by_name(username: str) -> User:
    """Look a user up by name for operator commands."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"用户 {username} 不存在", code="unknown_user")
    return user
