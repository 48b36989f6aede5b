"""Writing the audit trail: one row per write, in the same transaction as the write."""

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .middleware import current_request_id
from .models import AuditLog
from .rows import Insert

# Written by hand: every write of the platform appends one, and the ORM's create() cost three times the INSERT.
_ROW = Insert(AuditLog, ["at", "actor", "actor_label", "action", "object_type", "object_id", "object_repr", "changes",
                         "request_id"])


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The JSON-safe values of `fields` on `obj` (foreign keys by their id), for a before/after diff."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        values[name] = _jsonable(getattr(obj, attname))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """`{field: [before, after]}` for the fields whose value changed."""
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
) -> AuditLog:
    """Append one audit row; must run inside the writing transaction so both commit or neither does."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must be called inside the write's transaction")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr if object_repr is not None else str(obj)[:200]
    real_actor = actor if getattr(actor, "is_authenticated", False) else None
    return _ROW.one(connection, {
        "at": timezone.now(),
        "actor_id": real_actor.pk if real_actor else None,
        "actor_label": (real_actor.get_username() if real_actor else str(actor or "system"))[:150],
        "action": action,
        "object_type": object_type or "",
        "object_id": object_id or "",
        "object_repr": (object_repr or "")[:200],
        "changes": _jsonable(changes or {}),
        "request_id": current_request_id.get(),
    })
