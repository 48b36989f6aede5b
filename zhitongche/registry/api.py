"""Registry API: enterprises and stewards (lists and details), steward assignment, coverage figures."""

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from pydantic import Field

from zhitongche.api.auth import acting_user
from zhitongche.api.responses import rendered

from . import selectors, services

router = Router(tags=["管家数据库"])


class EnterpriseOut(Schema):
    id: int
    uscc: str
    name: str
    kind: str
    legal_rep: str
    categories: list[str]
    status: str
    region: str = Field(alias="region_id")
    township: str | None = Field(None, alias="township_id")
    industry: str
    grid: int | None = Field(None, alias="grid_id")


class AssignmentOut(Schema):
    steward: int = Field(alias="steward_id")
    steward_name: str = Field(alias="steward.name")
    role: str
    since: datetime.date
    until: datetime.date | None


class EnterpriseDetailOut(EnterpriseOut):
    contact: str
    phone: str
    assignments: list[AssignmentOut] = Field(alias="assignments_list")


class EnterpriseQuery(Schema):
    q: str = Field("", max_length=100)
    region: str = Field("", max_length=12)
    township: str = Field("", max_length=12)
    grid: int | None = None
    category: str = Field("", max_length=32)
    status: str = Field("", max_length=16)
    covered: str = Field("", max_length=3, description="yes / no：是否有主责管家")
    steward: int | None = None


@router.get("/enterprises", response=list[EnterpriseOut], summary="市场主体列表")
@paginate(PageNumberPagination, page_size=50)
def enterprise_list(request: HttpRequest, filters: Query[EnterpriseQuery]) -> Any:
    """Entities the caller may see, filtered; search by name or 统一社会信用代码."""
    return selectors.enterprise_list(user=acting_user(request), **filters.dict())


@router.get("/enterprises/{key}", response=EnterpriseDetailOut, summary="市场主体详情")
def enterprise_detail(request: HttpRequest, key: str) -> Any:
    """One entity by id or 统一社会信用代码, with its steward assignments."""
    user = acting_user(request)
    e = selectors.enterprise_get(user=user, pk=int(key)) if key.isdigit() and len(key) < 18 \
        else selectors.enterprise_get(user=user, uscc=key)
    e.assignments_list = list(selectors.enterprise_assignments(enterprise=e))  # type: ignore[attr-defined]
    return e


class AssignIn(Schema):
    steward: int


@router.post("/enterprises/{enterprise_id}/assign", response=AssignmentOut, summary="指派主责管家")
def enterprise_assign(request: HttpRequest, enterprise_id: int, body: AssignIn) -> Any:
    """Make a steward the entity's primary steward (the previous one's assignment ends today)."""
    return services.assign_primary(actor=acting_user(request), enterprise_id=enterprise_id, steward_id=body.steward)


class BulkAssignIn(Schema):
    steward: int
    grid: int | None = None
    township: str | None = Field(None, max_length=12)
    only_unassigned: bool = False


class BulkAssignOut(Schema):
    enterprises: int
    changed: int


@router.post("/assignments/bulk", response=BulkAssignOut, summary="按网格或乡镇批量指派管家")
def assign_bulk(request: HttpRequest, body: BulkAssignIn) -> Any:
    """Assign every operating entity of a grid or township to one steward."""
    return services.assign_bulk(actor=acting_user(request), steward_id=body.steward, grid_id=body.grid,
                                township=body.township, only_unassigned=body.only_unassigned)


class StewardOut(Schema):
    id: int
    name: str
    phone: str
    department: str = Field(alias="department.code")
    title: str
    region: str = Field(alias="region_id")
    active: bool
    enterprise_count: int = 0


class StewardQuery(Schema):
    q: str = Field("", max_length=100)
    region: str = Field("", max_length=12)
    department: str = Field("", max_length=32)
    active: str = Field("", max_length=3)


@router.get("/stewards", response=list[StewardOut], summary="项目管家列表")
@paginate(PageNumberPagination, page_size=50)
def steward_list(request: HttpRequest, filters: Query[StewardQuery]) -> Any:
    """Stewards the caller may see with how many entities each is primary for."""
    return selectors.steward_list(user=acting_user(request), **filters.dict())


@router.get("/stewards/{steward_id}", response=StewardOut, summary="项目管家详情")
def steward_detail(request: HttpRequest, steward_id: int) -> Any:
    """One steward."""
    return selectors.steward_get(user=acting_user(request), pk=steward_id)


class CoverageRow(Schema):
    code: str
    name: str
    operating: int
    covered: int
    coverage: float
    stewards: int


class CoverageOut(Schema):
    operating: int
    covered: int
    coverage: float
    stewards: int
    by_region: list[CoverageRow]
    by_township: list[CoverageRow]
    by_grid: list[CoverageRow]
    by_category: list[CoverageRow]
    by_department: list[CoverageRow]


COVERAGE_TOTALS = tuple(f for f in CoverageOut.model_fields if not f.startswith("by_"))
COVERAGE_TABLES = tuple(f for f in CoverageOut.model_fields if f.startswith("by_"))
COVERAGE_ROW = tuple(CoverageRow.model_fields)


def coverage_out(figures: dict[str, Any]) -> dict[str, Any]:
    """The API's part of selectors.coverage(), in CoverageOut's field order."""
    return {**{f: figures[f] for f in COVERAGE_TOTALS},
            **{t: [{f: row[f] for f in COVERAGE_ROW} for row in figures[t]] for t in COVERAGE_TABLES}}


@router.get("/stats/coverage", response=CoverageOut, summary="管家覆盖率")
def coverage(request: HttpRequest) -> HttpResponse:
    """Operating entities, those with a primary steward, coverage % and stewards registered, in total and by
    region, township, grid, category and responsible department (within the caller's scope)."""
    # A city's figures are a few thousand rows: rendered without ninja revalidating them (40 % of the call);
    # test_coverage_rendered_as_the_schema_would holds the bytes equal to the validated path.
    return rendered(request, coverage_out(selectors.coverage(user=acting_user(request))))
