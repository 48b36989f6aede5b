"""Writes on departments."""

from typing import Any

from django.db import transaction

from zhitongche.core import audit
from zhitongche.core.errors import InvalidInput
from zhitongche.registry.choices import Category

from .models import Department, DepartmentKind, Division, Level

DEPARTMENT_FIELDS = ("code", "name", "kind", "region", "responsible_categories", "duties", "active")
KIND_LEVELS = {
    DepartmentKind.CITY: (Level.CITY,),
    DepartmentKind.DISTRICT: (Level.COUNTY,),
    DepartmentKind.ZONE: (Level.ZONE,),
}


def department_upsert(
    *, actor: Any, code: str, name: str, kind: str, region: str | None = None,
    responsible: list[str] | None = None, duties: str | None = None,
) -> tuple[Department, bool]:
    """Create or update a department by code; returns (department, created). Validates everything first."""
    code = (code or "").strip().upper()
    name = (name or "").strip()
    if not code or len(code) > 32 or not all(c.isalnum() or c in "-_" for c in code):
        raise InvalidInput("部门代码须为 1–32 位字母、数字、- 或 _", code="invalid_code")
    if not name or len(name) > 100:
        raise InvalidInput("部门名称不能为空，且不超过 100 个字符", code="invalid_name")
    if kind not in DepartmentKind.values:
        raise InvalidInput(f"未知部门类型 {kind}；可选：city、district、zone", code="invalid_kind")
    levels = KIND_LEVELS[DepartmentKind(kind)]
    if region:
        division = Division.objects.filter(code=region, level__in=levels).first()
        if division is None:
            raise InvalidInput(f"区域代码 {region} 不是本市的{'、'.join(Level(lv).label for lv in levels)}",
                               code="unknown_region")
    elif kind == DepartmentKind.CITY:
        division = Division.objects.filter(level=Level.CITY).first()
        if division is None:
            raise InvalidInput("尚未载入行政区划，请先运行 ztc migrate", code="no_divisions")
    else:
        raise InvalidInput("区县或开发区部门必须指定 --region", code="missing_region")
    categories = list(dict.fromkeys(responsible or []))
    unknown = [c for c in categories if c not in Category.values]
    if unknown:
        raise InvalidInput(f"未知企业类别 {', '.join(unknown)}；可选：{', '.join(Category.values)}",
                           code="invalid_category")
    with transaction.atomic():
        existing = Department.objects.select_for_update().filter(code=code).first()
        created = existing is None
        dept = existing or Department(code=code)
        before = {} if created else audit.snapshot(dept, DEPARTMENT_FIELDS)
        dept.name, dept.kind, dept.region = name, kind, division
        if responsible is not None or created:
            dept.responsible_categories = categories
        if duties is not None or created:
            dept.duties = (duties or "").strip()
        dept.save()
        changes = audit.diff(before, audit.snapshot(dept, DEPARTMENT_FIELDS))
        if changes:
            audit.record(actor=actor, action="department.create" if created else "department.update",
                         obj=dept, changes=changes)
    return dept, created
