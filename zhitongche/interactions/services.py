"""Writes on interactions: a steward records a contact; effectiveness is decided here by rules.py."""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from zhitongche.accounts import scopes
from zhitongche.appeals.models import Appeal
from zhitongche.core import audit
from zhitongche.core.calendar import local_date
from zhitongche.core.errors import Forbidden, InvalidInput
from zhitongche.registry.models import Enterprise, Steward

from .models import CONTENT_MAX, Interaction, Kind, NotEffective
from .rules import judge

MAX_BACKDATE_DAYS = 30


def interaction_record(*, actor: Any, enterprise: str, kind: str, content: str,
                       occurred_at: datetime.datetime | None = None, appeal_id: int | None = None) -> Interaction:
    """Record a steward's contact with an assigned enterprise and decide whether it is effective."""
    if kind not in Kind.values:
        raise InvalidInput(f"互动方式无效；可选：{'、'.join(Kind.values)}", code="invalid_kind",
                           details={"field": "kind"})
    content = (content or "").strip()
    if not content:
        raise InvalidInput("互动内容不能为空", code="missing", details={"field": "content"})
    if len(content) > CONTENT_MAX:
        raise InvalidInput(f"互动内容不能超过 {CONTENT_MAX} 个字", code="too_long", details={"field": "content"})
    now = timezone.now()
    occurred_at = occurred_at or now
    if timezone.is_naive(occurred_at):
        raise InvalidInput("发生时间须带时区", code="invalid_time", details={"field": "occurred_at"})
    if occurred_at > now + datetime.timedelta(minutes=5) or occurred_at < now - datetime.timedelta(days=MAX_BACKDATE_DAYS):
        raise InvalidInput(f"发生时间须在最近 {MAX_BACKDATE_DAYS} 天内", code="invalid_time",
                           details={"field": "occurred_at"})
    ent = scopes.get_visible(actor, Enterprise.objects.all(), uscc=(enterprise or "").strip().upper()[:18])
    scopes.require(actor, "interaction.record", ent)
    steward = Steward.objects.filter(user=actor).first()
    if steward is None:
        raise Forbidden("只有项目管家可以记录互动")
    appeal = None
    if appeal_id is not None:
        appeal = scopes.get_visible(actor, Appeal.objects.all(), pk=appeal_id)
        if appeal.enterprise_id != ent.pk:
            raise InvalidInput("关联诉求不属于该企业", code="invalid_appeal", details={"field": "appeal"})
    reason = judge(kind, content)
    day = local_date(occurred_at)
    with transaction.atomic():
        if not reason and appeal is None and Interaction.objects.filter(
                steward=steward, enterprise=ent, occurred_on=day, kind=kind, effective=True,
                appeal__isnull=True).exists():
            reason = NotEffective.SAME_DAY_SAME_KIND
        fields = dict(steward=steward, enterprise=ent, region_id=ent.region_id, kind=kind, content=content,
                      occurred_at=occurred_at, occurred_on=day, appeal=appeal, recorded_by=actor)
        try:
            with transaction.atomic():
                row = Interaction.objects.create(**fields, effective=not reason, not_effective_reason=reason)
        except IntegrityError:
            # Another record of the same key won the race: this one is kept, not counted.
            row = Interaction.objects.create(**fields, effective=False,
                                             not_effective_reason=NotEffective.SAME_DAY_SAME_KIND)
        audit.record(actor=actor, action="interaction.record", obj=row, changes=audit.diff({}, audit.snapshot(
            row, ("steward", "enterprise", "kind", "occurred_on", "appeal", "effective", "not_effective_reason"))))
    return row
