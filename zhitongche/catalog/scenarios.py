"""一件事一次办: what a scenario saves, computed from its items (nothing about the saving is ever typed in).

Doing the items one by one costs the sum of their materials, steps, trips and promised days. Done as one
scenario at one window: the same material is handed in once (names compared after normalisation), shared
steps such as 申请/受理 are done once (distinct step names), one visit serves every item (the most trips any
single item needs), and the departments work in parallel (the longest promised time).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from .textproc import normalize

_BRACKETS = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
# Words that describe the form of a paper, not which paper it is.
_FORM_WORDS = re.compile(r"(原件|复印件|副本|正本|及|和|或|一份|1份|份|加盖公章|扫描件|电子版|彩色|纸质)")


def material_key(name: str) -> str:
    """A material's identity: 营业执照（副本）复印件 and 营业执照 are the same paper."""
    text = _BRACKETS.sub("", name)
    text = _FORM_WORDS.sub("", text)
    return normalize(text).replace(" ", "")


def step_key(name: str) -> str:
    """A step's identity, compared the same way as materials."""
    return normalize(_BRACKETS.sub("", name)).replace(" ", "")


@dataclasses.dataclass(frozen=True)
class Saving:
    """One measure before (items one by one) and after (as one scenario), with the reduction in percent."""

    label: str
    separate: int
    combined: int
    unit: str

    @property
    def saved(self) -> int:
        """How much less."""
        return self.separate - self.combined

    @property
    def percent(self) -> int:
        """The reduction in percent, rounded down."""
        return 100 * self.saved // self.separate if self.separate else 0


@dataclasses.dataclass(frozen=True)
class ScenarioPlan:
    """The merged materials (each with the items needing it), the combined steps and the four savings."""

    materials: list[tuple[str, list[str]]]
    steps: list[str]
    savings: list[Saving]


def plan(items: Sequence[Any]) -> ScenarioPlan:
    """Merge the items' materials and steps and compute the savings against doing them one by one."""
    merged: dict[str, tuple[str, list[str]]] = {}
    separate_materials = 0
    for item in items:
        for material in item.materials or []:
            separate_materials += 1
            key = material_key(material) or material
            name, users = merged.setdefault(key, (material, []))
            if item.name not in users:
                users.append(item.name)
    steps: dict[str, str] = {}
    separate_steps = 0
    for item in items:
        for step in item.steps or []:
            separate_steps += 1
            steps.setdefault(step_key(step) or step, step)
    trips = [item.trips for item in items if item.trips is not None]
    days = [item.promised_days if item.promised_days is not None else item.legal_limit_days for item in items]
    days = [d for d in days if d is not None]
    savings = [
        Saving("申请材料", separate_materials, len(merged), "份"),
        Saving("办理环节", separate_steps, len(steps), "个"),
        Saving("跑动次数", sum(trips), max(trips, default=0), "次"),
        Saving("办理时间", sum(days), max(days, default=0), "个工作日"),
    ]
    return ScenarioPlan(list(merged.values()), list(steps.values()), savings)
