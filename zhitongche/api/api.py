"""The one NinjaAPI of the platform, at /api/v1/."""

from importlib import import_module

from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI

from . import errors
from .auth import AUTH
from .renderers import OrjsonRenderer
from .routers import ROUTERS

api = NinjaAPI(
    title="政企直通车 API",
    version="1",
    description="营商环境服务平台接口。认证：`Authorization: Bearer <token>`（令牌由 `ztc token NAME` 生成）。",
    auth=AUTH,
    urls_namespace="api",
    renderer=OrjsonRenderer(),
)
errors.install(api)
for prefix, module in ROUTERS:
    api.add_router(prefix, import_module(module).router)


def api_not_found(request: HttpRequest) -> JsonResponse:
    """Unknown routes under /api/ answer 404 in the contract's error shape."""
    return errors.error_response(404, "no_such_endpoint", "接口不存在")
