"""Demo users, one per role (see core.demo.LOGINS)."""

from collections.abc import Callable
from typing import Any

from zhitongche.core.demo import DEMO_PASSWORD, LOGINS
from zhitongche.registry.models import Assignment, Enterprise, Steward

from .models import User
from .services import user_create

SCOPES = {
    "bureau": {"region": "210300"},
    "bureau_tiedong": {"region": "210302"},
    "dept_rsj": {"department": "RSJ"},
    "dept_fgw": {"department": "FGW"},
    "dept_tiedong": {"department": "D210302"},
    "leader": {"region": "210300"},
    "clerk": {"region": "210300"},
}


def load(*, scale: str, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Create the demo accounts that do not exist yet, link the steward and enterprise accounts."""
    created = 0
    steward = Steward.objects.filter(region_id="210302").order_by("id").first()
    enterprise = (Enterprise.objects.filter(assignments__steward=steward).order_by("id").first()
                  if steward else Enterprise.objects.order_by("id").first())
    for row in LOGINS:
        if User.objects.filter(username=row["username"]).exists():
            continue
        scope = dict(SCOPES.get(row["username"], {}))
        if row["role"] == "enterprise" and enterprise:
            scope["enterprise"] = enterprise.uscc
        user, _ = user_create(actor="演示数据", username=row["username"], role=row["role"],
                              password=DEMO_PASSWORD, display_name=row["who"], **scope)
        if row["role"] == "steward" and steward and steward.user_id is None:
            Steward.objects.filter(pk=steward.pk).update(user=user)
        created += 1
    return {"users": User.objects.count(), "created": created,
            "steward_enterprises": Assignment.objects.filter(steward=steward).count() if steward else 0}
