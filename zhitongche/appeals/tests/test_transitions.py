"""Every (stage, action) pair of CONTRACT.md §5 through the API: the listed ones move the appeal as the table
says, every other one answers 409 invalid_transition and changes nothing."""

import itertools
import threading

import pytest
from django.db import connection

from zhitongche.appeals.models import CONTRACT_ACTIONS, TRANSITIONS, Action, Appeal, AppealEvent, Stage
from zhitongche.appeals.services import appeal_sign
from zhitongche.core.errors import Conflict
from zhitongche.core.models import AuditLog

from .fixtures import appeal_at, state

STAGES = [Stage.SUBMITTED, Stage.ACCEPTED, Stage.REJECTED, Stage.DISPATCHED, Stage.HANDLING, Stage.REPLIED,
          Stage.REVISITED, Stage.CLOSED]
VALID_FIELDS = {
    Action.ACCEPT: {"note": "材料齐全"},
    Action.REJECT: {"reason": "非涉企诉求"},
    Action.DISPATCH: {"lead_department": "RSJ", "co_departments": ["CZJ"], "note": "请尽快办理"},
    Action.SIGN: {},
    Action.RETURN: {"reason": "不属于本部门职责"},
    Action.EXTEND: {"days": 3, "reason": "需现场核查"},
    Action.REPLY: {"content": "已协调发放补贴。", "resolved": True},
    Action.REVISIT: {"confirmed": True, "note": "企业确认"},
    Action.EVALUATE: {"rating": "very_satisfied", "comment": "很快"},
    Action.ESCALATE: {"note": "请加快办理"},
}
# The contract table, written out independently of models.TRANSITIONS so that a change to either shows.
EXPECTED = {
    (Action.ACCEPT, Stage.SUBMITTED): Stage.ACCEPTED,
    (Action.REJECT, Stage.SUBMITTED): Stage.REJECTED,
    (Action.DISPATCH, Stage.ACCEPTED): Stage.DISPATCHED,
    (Action.SIGN, Stage.DISPATCHED): Stage.HANDLING,
    (Action.RETURN, Stage.DISPATCHED): Stage.ACCEPTED,
    (Action.RETURN, Stage.HANDLING): Stage.ACCEPTED,
    (Action.EXTEND, Stage.HANDLING): Stage.HANDLING,
    (Action.REPLY, Stage.HANDLING): Stage.REPLIED,
    (Action.REVISIT, Stage.REPLIED): Stage.REVISITED,
    (Action.EVALUATE, Stage.REVISITED): Stage.CLOSED,
    **{(Action.ESCALATE, s): s for s in (Stage.SUBMITTED, Stage.ACCEPTED, Stage.DISPATCHED, Stage.HANDLING,
                                         Stage.REPLIED, Stage.REVISITED)},
}
LEAD_ACTIONS = {Action.SIGN, Action.RETURN, Action.REPLY}


def actor_for(world, appeal, action):
    """The user in the action's `who` column (the bureau when no department holds the appeal yet)."""
    if action in LEAD_ACTIONS:
        return world.rsj if appeal.lead_department_id else world.bureau
    if action == Action.REVISIT:
        return world.steward_user
    if action == Action.EVALUATE:
        return world.enterprise_user
    return world.bureau


def test_table_matches_the_contract():
    listed = {(a, s) for a, t in TRANSITIONS.items() if a in CONTRACT_ACTIONS for s in t.sources}
    assert listed == set(EXPECTED)


@pytest.mark.parametrize(("stage", "action"), list(itertools.product(STAGES, CONTRACT_ACTIONS)))
def test_every_stage_action_pair(world, api, stage, action):
    appeal = appeal_at(world, stage)
    client = api(actor_for(world, appeal, action))  # the token is audited: create it before the snapshot
    before = state(appeal)
    response = client.post(f"/api/v1/appeals/{appeal.pk}/actions/{action}", VALID_FIELDS[action])
    if (action, stage) in EXPECTED:
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["stage"] == EXPECTED[(action, stage)]
        assert body["events"][-1]["action"] == action
        assert AppealEvent.objects.filter(appeal=appeal).count() == before["events"] + 1
        assert AuditLog.objects.filter(action=f"appeal.{action}", object_id=str(appeal.pk)).exists()
    else:
        assert response.status_code == 409, response.content
        error = response.json()["error"]
        assert error["code"] == "invalid_transition"
        assert error["details"]["stage"] == stage
        assert state(appeal) == before


def test_replayed_action_is_409_and_changes_nothing(world, api):
    appeal = appeal_at(world, Stage.DISPATCHED)
    client = api(world.rsj)
    assert client.post(f"/api/v1/appeals/{appeal.pk}/actions/sign").status_code == 200
    before = state(appeal)
    again = client.post(f"/api/v1/appeals/{appeal.pk}/actions/sign")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
    assert state(appeal) == before


def test_stale_officer_loses(world):
    """Two officers load the same dispatched appeal; the first sign wins, the second (stale) gets 409."""
    appeal = appeal_at(world, Stage.DISPATCHED)
    other_officer = world.rsj.__class__.objects.create(username="t_rsj2", role="department",
                                                       department=world.rsj.department)
    appeal_sign(actor=world.rsj, appeal_id=appeal.pk)
    before = state(appeal)
    with pytest.raises(Conflict) as exc:
        appeal_sign(actor=other_officer, appeal_id=appeal.pk)
    assert exc.value.code == "invalid_transition"
    assert state(appeal) == before


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_two_officers_at_once_on_postgresql(world):
    """Real concurrency: two threads sign at the same moment; exactly one succeeds, the other gets 409."""
    appeal = appeal_at(world, Stage.DISPATCHED)
    other_officer = world.rsj.__class__.objects.create(username="t_rsj3", role="department",
                                                       department=world.rsj.department)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(user):
        try:
            barrier.wait()
            appeal_sign(actor=user, appeal_id=appeal.pk)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in (world.rsj, other_officer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["409", "ok"]
    assert AppealEvent.objects.filter(appeal=appeal, action="sign").count() == 1
    assert Appeal.objects.get(pk=appeal.pk).stage == Stage.HANDLING
