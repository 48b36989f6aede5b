"""Demo interactions: recent contacts for the demo steward (small), and at `anshan` about 112,000 records of
which exactly 105,169 are effective under rules.py — the figure the city reports — written in bulk."""

import datetime
import random
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from zhitongche.core.calendar import SHANGHAI
from zhitongche.registry.models import Assignment

from .models import Interaction, Kind, NotEffective
from .rules import judge

ANSHAN_EFFECTIVE = 105_169
KIND_WEIGHTS = [(Kind.VISIT, 34), (Kind.CALL, 30), (Kind.MESSAGE, 20), (Kind.POLICY_PUSH, 13), (Kind.OTHER, 3)]
TOPICS = ["用工招聘", "融资贷款", "用电用水", "项目审批", "税费优惠", "物流运输", "厂房用地", "技术改造", "安全生产",
          "市场开拓", "环保手续", "人才引进", "拖欠账款", "专精特新申报"]
POLICIES = ["稳岗返还", "小微企业减税", "创业担保贷款", "技改补贴", "首台套奖励", "社保补贴", "科技型中小企业研发费用加计扣除"]
BOILERPLATE = ["已联系", "企业情况正常", "电话回访", "已走访，无问题", "无"]


def _content(kind: str, rng: random.Random) -> str:
    topic, policy = rng.choice(TOPICS), rng.choice(POLICIES)
    if rng.random() < 0.05:
        return rng.choice(BOILERPLATE)
    if kind == Kind.VISIT:
        return f"上门走访企业，了解{topic}方面的情况，企业反映需要协调{rng.choice(TOPICS)}问题，已记录并答复办理渠道。"
    if kind == Kind.CALL:
        return f"电话联系企业负责人，询问{topic}进展，告知可申报{policy}政策，企业表示将准备材料。"
    if kind == Kind.MESSAGE:
        return f"通过政企直通车群发送{policy}申报通知和办事指南链接，提醒企业关注{topic}相关事项。"
    if kind == Kind.POLICY_PUSH:
        return f"向企业推送{policy}政策解读，说明适用条件、申报材料和截止时间，并提供咨询电话。"
    return f"在{topic}座谈会上与企业代表简单交流。"


def _pick(rng: random.Random, weights: list[tuple[Any, int]]) -> Any:
    return rng.choices([w[0] for w in weights], weights=[w[1] for w in weights])[0]


def bulk_interactions(*, target_effective: int, seed: int, start: datetime.date,
                      progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Write interactions over active assignments until `target_effective` of them count as effective."""
    from zhitongche.imports.bulk import bulk_session, insert_rows

    rng = random.Random(seed)
    pairs = list(Assignment.objects.filter(until__isnull=True).values_list("steward_id", "enterprise_id",
                                                                            "enterprise__region_id"))
    if not pairs:
        return {"interactions": 0, "effective": 0}
    today = timezone.localdate()
    span = (today - start).days
    seen = set(Interaction.objects.filter(effective=True, appeal__isnull=True).values_list(
        "steward_id", "enterprise_id", "occurred_on", "kind"))
    rows = []
    effective = 0
    def adapt(value: datetime.datetime) -> Any:
        if connection.vendor != "sqlite":
            return value
        return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
    while effective < target_effective:
        steward, ent, region = pairs[rng.randrange(len(pairs))]
        kind = _pick(rng, KIND_WEIGHTS)
        day = start + datetime.timedelta(days=rng.randrange(span + 1))
        at = datetime.datetime.combine(day, datetime.time(rng.randint(8, 18), rng.randint(0, 59)), tzinfo=SHANGHAI)
        if at > timezone.now():
            continue
        content = _content(kind, rng)
        reason = judge(kind, content)
        key = (steward, ent, day, kind)
        if not reason and key in seen:
            reason = NotEffective.SAME_DAY_SAME_KIND
        if not reason:
            seen.add(key)
            effective += 1
        rows.append((steward, ent, region, str(kind), content, adapt(at), day, not reason, str(reason), adapt(at)))
        if progress and len(rows) % 50000 == 0:
            progress(f"  互动 {len(rows)} 条")
    with transaction.atomic(), bulk_session():
        insert_rows(Interaction._meta.db_table, ("steward_id", "enterprise_id", "region_id", "kind", "content",
                                                 "occurred_at", "occurred_on", "effective", "not_effective_reason",
                                                 "created_at"), rows)
    return {"interactions": len(rows), "effective": effective}


def load(*, scale: str, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Demo interactions (idempotent): a few hundred at small scale, 105,169 effective ones at `anshan`."""
    existing = Interaction.objects.filter(effective=True).count()
    summary: dict[str, Any] = {}
    if existing == 0:
        summary.update(bulk_interactions(target_effective=300, seed=7, start=datetime.date(2026, 1, 5)))
    if scale == "anshan":
        existing = Interaction.objects.filter(effective=True).count()
        if existing < ANSHAN_EFFECTIVE:
            summary.update(bulk_interactions(target_effective=ANSHAN_EFFECTIVE - existing, seed=105169,
                                             start=datetime.date(2025, 1, 1), progress=progress))
    summary["effective_total"] = Interaction.objects.filter(effective=True).count()
    return summary
