"""A small world for appeal tests: two enterprises in two districts, a steward, and a user of every role.

A plain module (re-exported by conftest.py) so that tests outside this folder can use it too."""

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from zhitongche.appeals import services
from zhitongche.appeals.models import Appeal, AppealEvent, Stage
from zhitongche.core.calendar import SHANGHAI
from zhitongche.core.models import AuditLog


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the current time (Asia/Shanghai wall clock) for the code under test."""
    def set_to(*args: int) -> datetime.datetime:
        moment = datetime.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment
    return set_to


@pytest.fixture
def world(make_user: Any) -> SimpleNamespace:
    """Enterprises in 铁东区 (assigned to the steward) and 铁西区, and users of each role."""
    from zhitongche.regions.models import Department
    from zhitongche.registry.identifiers import make_uscc
    from zhitongche.registry.models import Assignment, Enterprise, Steward

    ent = Enterprise.objects.create(uscc=make_uscc("210302", 901), name="鞍山铁东测试机械有限公司", region_id="210302")
    other = Enterprise.objects.create(uscc=make_uscc("210303", 902), name="鞍山铁西测试商贸有限公司", region_id="210303")
    steward_user = make_user("steward", username="t_steward")
    steward = Steward.objects.create(name="测试管家", phone="13900000901", region_id="210302",
                                     department=Department.objects.get(code="D210302"), user=steward_user)
    Assignment.objects.create(enterprise=ent, steward=steward, since=datetime.date(2025, 1, 1))
    return SimpleNamespace(
        ent=ent, other=other, steward=steward,
        steward_user=steward_user,
        bureau=make_user("bureau", username="t_bureau"),  # whole city
        bureau_tiedong=make_user("bureau", username="t_bureau_td", region="210302"),
        bureau_tiexi=make_user("bureau", username="t_bureau_tx", region="210303"),
        rsj=make_user("department", username="t_rsj", department="RSJ"),
        zjj=make_user("department", username="t_zjj", department="ZJJ"),
        enterprise_user=make_user("enterprise", username="t_ent", enterprise=ent.uscc),
        other_enterprise_user=make_user("enterprise", username="t_ent2", enterprise=other.uscc),
        clerk=make_user("clerk", username="t_clerk"),
        leader=make_user("leader", username="t_leader"),
        admin=make_user("admin", username="t_admin"),
    )


def submit(world: SimpleNamespace, **overrides: Any) -> Appeal:
    """A new general appeal of the 铁东 enterprise, by its own user."""
    fields = {"enterprise": world.ent.uscc, "category": "general", "channel": "online",
              "title": "招用工人社保补贴申请无人受理", "content": "我公司今年新招用 12 名高校毕业生，申请社保补贴两个月无人答复。"}
    fields.update(overrides)
    return services.appeal_submit(actor=world.enterprise_user, **fields)


# How to reach each stage from the previous one, with the right actor.
def _step(world: SimpleNamespace, appeal: Appeal, stage: str) -> None:
    pk = appeal.pk
    if stage == Stage.ACCEPTED:
        services.appeal_accept(actor=world.bureau, appeal_id=pk)
    elif stage == Stage.DISPATCHED:
        services.appeal_dispatch(actor=world.bureau, appeal_id=pk, lead_department="RSJ")
    elif stage == Stage.HANDLING:
        services.appeal_sign(actor=world.rsj, appeal_id=pk)
    elif stage == Stage.REPLIED:
        services.appeal_reply(actor=world.rsj, appeal_id=pk, content="已核实，补贴已于本周发放。", resolved=True)
    elif stage == Stage.REVISITED:
        services.appeal_revisit(actor=world.steward_user, appeal_id=pk, confirmed=True, note="企业确认收到")
    elif stage == Stage.CLOSED:
        services.appeal_evaluate(actor=world.enterprise_user, appeal_id=pk, rating="satisfied")
    elif stage == Stage.REJECTED:
        services.appeal_reject(actor=world.bureau, appeal_id=pk, reason="不属于涉企诉求")


PATH = [Stage.SUBMITTED, Stage.ACCEPTED, Stage.DISPATCHED, Stage.HANDLING, Stage.REPLIED, Stage.REVISITED,
        Stage.CLOSED]


def appeal_at(world: SimpleNamespace, stage: str, **overrides: Any) -> Appeal:
    """A fresh appeal brought to `stage` through the services."""
    appeal = submit(world, **overrides)
    if stage == Stage.REJECTED:
        _step(world, appeal, Stage.REJECTED)
    else:
        for step in PATH[1:PATH.index(Stage(stage)) + 1]:
            _step(world, appeal, step)
    appeal.refresh_from_db()
    assert appeal.stage == stage
    return appeal


def state(appeal: Appeal) -> dict[str, Any]:
    """Everything that must not change when an action is refused."""
    row = Appeal.objects.filter(pk=appeal.pk).values().get()
    row.pop("updated_at")
    return {"row": row, "co": sorted(appeal.co_departments.values_list("code", flat=True)),
            "events": AppealEvent.objects.filter(appeal_id=appeal.pk).count(),
            "audit": AuditLog.objects.count()}
