"""The caller's own account and API tokens."""

import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from zhitongche.api.auth import acting_user

from . import scopes, services
from .models import ApiToken

router = Router(tags=["账户"])


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    department: str | None
    region: str | None
    enterprise: str | None
    large_type: bool


@router.get("/me", response=MeOut, summary="当前用户")
def me(request: HttpRequest) -> dict:
    """Who the caller is and what bounds their scope."""
    user = acting_user(request)
    return {
        "username": user.username, "display_name": user.display_name, "role": user.role,
        "role_label": user.role_label,
        "department": user.department.code if user.department_id else None,
        "region": user.region_id, "enterprise": user.enterprise.uscc if user.enterprise_id else None,
        "large_type": user.large_type,
    }


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


class TokenIn(Schema):
    name: str = Field("", max_length=100)


class NewTokenOut(TokenOut):
    token: str = Field(description="令牌原文，只显示这一次")


@router.get("/tokens", response=list[TokenOut], summary="我的 API 令牌")
def token_list(request: HttpRequest) -> list[ApiToken]:
    """The caller's tokens (never their values)."""
    return list(ApiToken.objects.filter(user=acting_user(request)))


@router.post("/tokens", response={201: NewTokenOut}, summary="新建 API 令牌")
def token_new(request: HttpRequest, payload: TokenIn) -> Status:
    """Issue a token for the caller; its value is in this answer only."""
    user = acting_user(request)
    token, raw = services.token_create(actor=user, user=user, name=payload.name)
    return Status(201, {**TokenOut.model_validate(token).model_dump(), "token": raw})


@router.post("/tokens/{token_id}/revoke", response=TokenOut, summary="吊销 API 令牌")
def token_revoke(request: HttpRequest, token_id: int) -> ApiToken:
    """Revoke one of the caller's tokens (admins: anyone's)."""
    user = acting_user(request)
    token = scopes.get_visible(user, ApiToken.objects.all(), pk=token_id)
    return services.token_revoke(actor=user, token=token)
