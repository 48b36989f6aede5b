"""The demo's appeals follow the rules they show: every timeline is a walk through the transition table in time
order, and each appeal's dates agree with its timeline."""

import datetime
from itertools import pairwise
from types import SimpleNamespace

from django.utils import timezone

from zhitongche.appeals.demo import _small_for_demo_users, bulk_history
from zhitongche.appeals.models import TRANSITIONS, Action, Appeal, AppealEvent, Stage

# Written by the system: the stage stays.
STAYS = {Action.OVERDUE, Action.ESCALATE, Action.EXTEND}


def incoherent(appeal: Appeal, events: list[AppealEvent]) -> list[str]:
    """What is wrong with one appeal's timeline (empty when nothing is)."""
    wrong = []
    if events[0].action != Action.SUBMIT or events[0].at != appeal.submitted_at:
        wrong.append("does not start with its submission")
    for before, event in pairwise(events):
        if event.stage_from != before.stage_to:
            wrong.append(f"{event.action} from {event.stage_from} after {before.action} to {before.stage_to}")
        transition = TRANSITIONS.get(event.action)
        if transition and event.stage_from not in transition.sources:
            wrong.append(f"{event.action} from {event.stage_from}")
        if event.action in STAYS and event.stage_to != event.stage_from:
            wrong.append(f"{event.action} moved the stage")
    if events[-1].stage_to != appeal.stage:
        wrong.append(f"ends in {events[-1].stage_to}, the appeal is {appeal.stage}")
    last = {e.action: e.at for e in events}
    for field, action in (("dispatched_at", Action.DISPATCH), ("signed_at", Action.SIGN), ("replied_at", Action.REPLY)):
        if getattr(appeal, field) is not None and getattr(appeal, field) != last.get(action):
            wrong.append(f"{field} is not the time of its last {action}")
    if appeal.dispatched_at and (appeal.sign_due_at < appeal.dispatched_at or appeal.due_at < appeal.dispatched_at):
        wrong.append("a deadline before the dispatch")
    return wrong


def check_all(appeals: list[Appeal]) -> dict[str, list[str]]:
    events: dict[int, list[AppealEvent]] = {}
    for event in AppealEvent.objects.filter(appeal__in=appeals).order_by("at", "id"):
        events.setdefault(event.appeal_id, []).append(event)
    return {a.number: found for a in appeals if (found := incoherent(a, events[a.pk]))}


def test_bulk_history_timelines_follow_the_loop(world: SimpleNamespace) -> None:
    enterprises = [(world.ent.pk, world.ent.region_id), (world.other.pk, world.other.region_id)]
    summary = bulk_history(count=3000, enterprises=enterprises, seed=7, start=datetime.date(2025, 1, 2))
    appeals = list(Appeal.objects.all())
    assert summary["appeals"] == len(appeals) == 3000
    # Every stage past submission is represented, overdue and reopened appeals too, so that the walk below
    # checks each kind of path.
    assert {a.stage for a in appeals} >= set(Stage) - {Stage.SUBMITTED}
    assert any(a.overdue for a in appeals) and any(a.reopen_count for a in appeals)
    assert check_all(appeals) == {}


def test_the_demo_users_appeals_follow_the_loop(world: SimpleNamespace, make_user) -> None:
    make_user("bureau", username="bureau")
    make_user("department", username="dept_rsj", department="RSJ")
    world.steward_user.username = "steward"
    world.steward_user.save(update_fields=["username"])
    world.enterprise_user.username = "enterprise"
    world.enterprise_user.save(update_fields=["username"])
    assert _small_for_demo_users()["demo_user_appeals"] > 10
    appeals = list(Appeal.objects.all())
    late = [a for a in appeals if a.overdue]
    assert len(late) == 1 and late[0].submitted_at < late[0].due_at < timezone.now()
    assert check_all(appeals) == {}
