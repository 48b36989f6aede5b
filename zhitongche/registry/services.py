"""Writes on the registry: assigning stewards (one by one and in bulk) and the coverage summary."""

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from zhitongche.accounts import scopes
from zhitongche.core import audit
from zhitongche.core.errors import DomainError, InvalidInput, NotFound
from zhitongche.regions.models import Division, Level

from .choices import EnterpriseStatus
from .models import Assignment, AssignmentRole, CoverageCell, Enterprise, Grid, Steward

CELL_KEYS = ("region_id", "township_id", "grid_id", "is_key_project", "is_above_scale_industrial",
             "is_above_limit_trade")


def coverage_rebuild() -> None:
    """Recount the coverage summary from the registry in one statement (after bulk writes)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("coverage_rebuild must run inside the write's transaction")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_coveragecell")
        cursor.execute(
            "INSERT INTO registry_coveragecell (region_id, township_id, grid_id, is_key_project, "
            "is_above_scale_industrial, is_above_limit_trade, operating, covered) "
            "SELECT e.region_id, e.township_id, e.grid_id, e.is_key_project, e.is_above_scale_industrial, "
            "e.is_above_limit_trade, COUNT(*), COUNT(a.id) FROM registry_enterprise e "
            "LEFT JOIN registry_assignment a ON a.enterprise_id = e.id AND a.role = 'primary' AND a.until IS NULL "
            "WHERE e.status = %s GROUP BY e.region_id, e.township_id, e.grid_id, e.is_key_project, "
            "e.is_above_scale_industrial, e.is_above_limit_trade", [EnterpriseStatus.OPERATING.value])


def _cell_recount(enterprise: Enterprise) -> None:
    """Recount the one summary cell an entity belongs to (after a single change)."""
    key = {k: getattr(enterprise, k) for k in CELL_KEYS}
    members = Enterprise.objects.filter(status=EnterpriseStatus.OPERATING, **key)
    operating = members.count()
    covered = members.filter(assignments__role=AssignmentRole.PRIMARY, assignments__until__isnull=True).count()
    CoverageCell.objects.filter(**key).delete()
    if operating:
        CoverageCell.objects.create(operating=operating, covered=covered, **key)


def _steward_for(actor: Any, steward_id: int) -> Steward:
    steward = Steward.objects.filter(pk=steward_id).first()
    if steward is None or not scopes.may(actor, "steward.assign", steward):
        raise NotFound("管家不存在或无权指派", code="unknown_steward")
    if not steward.active:
        raise DomainError("steward_inactive", "该管家已离岗，不能指派")
    return steward


def _current_primary(enterprise: Enterprise) -> Assignment | None:
    """The enterprise's active primary assignment, locked for the write."""
    return (Assignment.objects.select_for_update()
            .filter(enterprise=enterprise, role=AssignmentRole.PRIMARY, until__isnull=True).first())


def assign_primary(*, actor: Any, enterprise_id: int, steward_id: int) -> Assignment:
    """Make `steward` the enterprise's primary steward (ending the previous one); audited per enterprise."""
    with transaction.atomic():
        enterprise = scopes.get_visible(actor, Enterprise.objects.select_for_update(), pk=enterprise_id)
        scopes.require(actor, "enterprise.assign", enterprise)
        steward = _steward_for(actor, steward_id)
        today = timezone.localdate()
        current = _current_primary(enterprise)
        if current is not None and current.steward_id == steward.pk:
            raise DomainError("already_assigned", "该管家已是这户企业的主责管家")
        if current is not None:
            current.until = today
            current.save(update_fields=["until"])
        assignment = Assignment.objects.create(enterprise=enterprise, steward=steward, role=AssignmentRole.PRIMARY,
                                               since=today)
        audit.record(actor=actor, action="enterprise.assign", obj=enterprise,
                     changes={"primary_steward": [current.steward_id if current else None, steward.pk]})
        _cell_recount(enterprise)
    return assignment


def assign_bulk(*, actor: Any, steward_id: int, grid_id: int | None = None, township: str | None = None,
                only_unassigned: bool = False) -> dict[str, int]:
    """Assign every operating enterprise of a grid or township (that the actor may see) to one steward;
    one audit row for the batch with its scope and counts."""
    if bool(grid_id) == bool(township):
        raise InvalidInput("请指定网格或乡镇(街道)之一", code="invalid_scope")
    with transaction.atomic():
        steward = _steward_for(actor, steward_id)
        qs = Enterprise.objects.filter(status=EnterpriseStatus.OPERATING)
        if grid_id:
            grid = scopes.visible(actor, Grid.objects.all()).filter(pk=grid_id).first()
            if grid is None:
                raise NotFound("网格不存在", code="unknown_grid")
            qs = qs.filter(grid=grid)
        else:
            if not Division.objects.filter(code=township, level=Level.TOWNSHIP).exists():
                raise InvalidInput(f"乡镇(街道)代码 {township} 不存在", code="unknown_township",
                                   details={"field": "township"})
            qs = qs.filter(township_id=township)
        if only_unassigned:
            qs = qs.exclude(assignments__role=AssignmentRole.PRIMARY, assignments__until__isnull=True)
        targets = list(scopes.visible(actor, qs).select_for_update().order_by("id"))
        if not targets:
            raise DomainError("nothing_to_assign", "该范围内没有可指派的经营中企业")
        for e in targets:
            scopes.require(actor, "enterprise.assign", e)
        # The batch in three statements whatever its size: end the other stewards' primary assignments,
        # then open this steward's for every entity that does not have it yet.
        today = timezone.localdate()
        ids = [e.pk for e in targets]
        current = Assignment.objects.filter(enterprise_id__in=ids, role=AssignmentRole.PRIMARY, until__isnull=True)
        kept = set(current.select_for_update().filter(steward=steward).values_list("enterprise_id", flat=True))
        current.exclude(steward=steward).update(until=today)
        Assignment.objects.bulk_create([
            Assignment(enterprise_id=pk, steward=steward, role=AssignmentRole.PRIMARY, since=today)
            for pk in ids if pk not in kept])
        changed = len(ids) - len(kept)
        audit.record(actor=actor, action="enterprise.assign_bulk", obj=steward,
                     changes={"grid": [None, grid_id], "township": [None, township],
                              "enterprises": [None, len(targets)], "reassigned": [None, changed]})
        coverage_rebuild()
    return {"enterprises": len(targets), "changed": changed}


def assignment_end(*, actor: Any, enterprise_id: int) -> None:
    """End the enterprise's primary assignment (the steward left, say); audited."""
    with transaction.atomic():
        enterprise = scopes.get_visible(actor, Enterprise.objects.select_for_update(), pk=enterprise_id)
        scopes.require(actor, "enterprise.assign", enterprise)
        current = _current_primary(enterprise)
        if current is None:
            raise DomainError("not_assigned", "这户企业没有主责管家")
        current.until = timezone.localdate()
        current.save(update_fields=["until"])
        audit.record(actor=actor, action="enterprise.unassign", obj=enterprise,
                     changes={"primary_steward": [current.steward_id, None]})
        _cell_recount(enterprise)
