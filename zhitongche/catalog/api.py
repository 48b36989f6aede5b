"""`GET /api/v1/search` (CONTRACT.md §6): public search over items, guides and scenarios."""

from django.http import HttpRequest
from ninja import Query, Router, Schema

from . import search as engine

router = Router(tags=["办事指南搜索"])


class SearchHit(Schema):
    kind: str
    id: int
    code: str
    title: str
    department: str
    score: float


class SearchOut(Schema):
    results: list[SearchHit]
    total: int
    took_ms: float


class SearchParams(Schema):
    q: str = ""
    kind: str = "all"
    limit: int = 10
    offset: int = 0
    department: int | None = None
    type: str = ""
    level: str = ""
    flag: list[str] = []


@router.get("/search", response=SearchOut, auth=None, summary="搜索政务服务事项、办事指南和一件事一次办")
def search(request: HttpRequest, params: Query[SearchParams]) -> dict:
    """Everyday words find the formal items (办健康证 → 从业人员预防性健康检查), best first.

    `kind`: `item`, `guide`, `all` (items, guides and 一件事一次办 scenarios together; the default) or
    `scenario`. Optional filters: `department` (id), `type` (item type), `level` (guide level), `flag`
    (`metro_area`, `cross_province`, `province_city`; repeatable). An empty query answers no results.
    """
    filters = engine.Filters(department=params.department, task_type=params.type, level=params.level,
                             flags=tuple(dict.fromkeys(params.flag)))
    result = engine.search(params.q, kind=params.kind, limit=params.limit, offset=params.offset, filters=filters)
    return {"results": [h.as_dict() for h in result.hits], "total": result.total, "took_ms": result.took_ms}
