"""Divisions and departments as reference data."""

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from zhitongche.api.auth import acting_user

from . import selectors

router = Router(tags=["行政区划与部门"])


class DivisionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None = Field(None, alias="parent_id")
    zone: str | None = Field(None, alias="zone_id")
    active: bool


class DivisionQuery(Schema):
    parent: str | None = Field(None, max_length=12)
    level: str | None = Field(None, max_length=10)


@router.get("/divisions", response=list[DivisionOut], auth=None, summary="行政区划")
def division_list(request: HttpRequest, query: Query[DivisionQuery]) -> list:
    """Divisions of the city, filtered by parent code and/or level (public reference data)."""
    return list(selectors.division_list(parent=query.parent, level=query.level))


class DepartmentOut(Schema):
    code: str
    name: str
    kind: str
    region: str = Field(alias="region_id")
    responsible_categories: list[str]
    duties: str


@router.get("/departments", response=list[DepartmentOut], summary="部门")
def department_list(request: HttpRequest) -> list:
    """Departments visible to the caller."""
    return list(selectors.department_list(user=acting_user(request)))
