"""Deadlines at work (sweep, reminders, notifications), duplicate merging, and the figures with drill-down."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from zhitongche.appeals import services
from zhitongche.appeals.models import AppealEvent, Notification, Stage
from zhitongche.appeals.notify import LoggingChannel, SmsChannel, WeChatChannel
from zhitongche.appeals.tasks import deliver_notifications
from zhitongche.core.calendar import SHANGHAI

from .fixtures import appeal_at, state, submit


def dispatched_general(world, clock):
    clock(2025, 11, 3, 9, 0)  # Monday; general → due Mon 2025-11-10 23:59:59
    appeal = submit(world)
    services.appeal_accept(actor=world.bureau, appeal_id=appeal.pk)
    return services.appeal_dispatch(actor=world.bureau, appeal_id=appeal.pk, lead_department="RSJ")


def kinds_for(user):
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True))


def test_sweep_reminds_at_80_percent_and_on_deadline_then_marks_overdue_once_each(world, clock):
    appeal = dispatched_general(world, clock)
    assert kinds_for(world.rsj) == ["dispatched"]
    clock(2025, 11, 5, 9, 0)  # under 80 % of the time
    assert services.sweep_deadlines() == {"overdue": 0, "remind_80": 0, "remind_due": 0}
    clock(2025, 11, 9, 12, 0)  # past 80 % of Nov 3 09:00 → Nov 10 23:59:59
    assert services.sweep_deadlines()["remind_80"] == 1
    assert services.sweep_deadlines()["remind_80"] == 0
    clock(2025, 11, 10, 8, 0)  # the deadline day
    assert services.sweep_deadlines() == {"overdue": 0, "remind_80": 0, "remind_due": 1}
    assert services.sweep_deadlines()["remind_due"] == 0
    clock(2025, 11, 11, 0, 5)  # past the deadline
    assert services.sweep_deadlines() == {"overdue": 1, "remind_80": 0, "remind_due": 0}
    assert services.sweep_deadlines()["overdue"] == 0
    appeal.refresh_from_db()
    assert appeal.overdue and appeal.stage == Stage.DISPATCHED
    assert kinds_for(world.rsj) == ["dispatched", "remind_80", "remind_due", "overdue"]
    assert "overdue" in kinds_for(world.bureau) and "overdue" in kinds_for(world.bureau_tiedong)
    assert "overdue" not in kinds_for(world.bureau_tiexi)
    assert AppealEvent.objects.filter(appeal=appeal, action="overdue").count() == 1


def test_sweep_finds_and_notifies_each_appeals_recipients_in_one_statement(world, clock):
    for _ in range(4):
        dispatched_general(world, clock)
    clock(2025, 11, 12, 9, 0)
    with CaptureQueriesContext(connection) as queries:
        assert services.sweep_deadlines()["overdue"] == 4
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in sql if q.startswith("SELECT") and "accounts_user" in q]  # no lookup of its own
    assert len([q for q in sql if q.startswith('INSERT INTO "appeals_notification"')]) == 4  # one per appeal
    assert kinds_for(world.rsj).count("overdue") == 4 and kinds_for(world.bureau).count("overdue") == 4


def test_each_rule_notifies_exactly_the_active_users_it_names(world, make_user):
    from zhitongche.registry.models import Assignment, Steward

    off_duty = make_user("department", username="t_rsj_off", department="RSJ")
    off_duty.is_active = False
    off_duty.save(update_fields=["is_active"])
    former = make_user("steward", username="t_steward_old")
    Assignment.objects.create(enterprise=world.ent, since=datetime.date(2024, 1, 1), until=datetime.date(2024, 12, 31),
                              steward=Steward.objects.create(name="前任管家", phone="13900000902", region_id="210302",
                                                             user=former, department=world.steward.department))
    rsj, zjj = world.rsj.department_id, world.zjj.department_id

    def notified(recipients):
        with transaction.atomic():
            ids = services.notify(recipients, kind="test", appeal=None, message="测试")
        return set(Notification.objects.filter(pk__in=ids).values_list("recipient_id", flat=True)), len(ids)

    assert notified(services.department_users(rsj)) == ({world.rsj.pk}, 1)
    assert notified(services.department_users(rsj, None, zjj)) == ({world.rsj.pk, world.zjj.pk}, 2)
    assert notified(services.department_users(None)) == (set(), 0)
    assert notified(services.bureau_users("210302")) == ({world.bureau.pk, world.bureau_tiedong.pk}, 2)
    assert notified(services.enterprise_side_users(world.ent.pk)) == ({world.enterprise_user.pk, world.steward_user.pk}, 2)
    # Overlapping rules name a user once.
    assert notified(services.department_users(rsj) | services.bureau_users("210303") | services.department_users(rsj)) \
        == ({world.rsj.pk, world.bureau.pk, world.bureau_tiexi.pk}, 3)


def test_a_rule_naming_no_one_writes_nothing(world):
    appeal = appeal_at(world, Stage.ACCEPTED)  # no lead department yet: 督办 tells no one
    with CaptureQueriesContext(connection) as queries:
        services.appeal_escalate(actor=world.bureau, appeal_id=appeal.pk, note="请加快")
    assert not [q for q in queries.captured_queries if "appeals_notification" in q["sql"]]
    assert AppealEvent.objects.filter(appeal=appeal, action="escalate").count() == 1


def test_overdue_list_for_the_bureau(world, clock, api):
    appeal = dispatched_general(world, clock)
    clock(2025, 11, 12, 9, 0)
    services.sweep_deadlines()
    ids = [a["id"] for a in api(world.bureau).get("/api/v1/appeals", overdue="true").json()["results"]]
    assert appeal.pk in ids
    from zhitongche.appeals.selectors import overdue_list
    assert appeal.pk in [a.pk for a in overdue_list(user=world.bureau)]
    assert list(overdue_list(user=world.bureau_tiexi)) == []


def test_extension_gives_new_reminders(world, clock):
    appeal = dispatched_general(world, clock)
    services.appeal_sign(actor=world.rsj, appeal_id=appeal.pk)
    clock(2025, 11, 10, 8, 0)
    services.sweep_deadlines()
    appeal.refresh_from_db()
    assert appeal.reminded_due
    services.appeal_extend(actor=world.bureau, appeal_id=appeal.pk, days=2, reason="需现场核查")
    appeal.refresh_from_db()
    assert appeal.due_at.astimezone(SHANGHAI).date() == datetime.date(2025, 11, 12)
    assert not appeal.reminded_due and not appeal.overdue


def test_delivery_uses_the_configured_channel(world, settings, caplog):
    submit(world)  # notifies the bureau users
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert ids
    with caplog.at_level("INFO", logger="zhitongche.notify"):
        result = deliver_notifications.call(ids)
    assert result["sent"] == len(ids) and "notify" in caplog.text
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
    assert deliver_notifications.call(ids)["sent"] == 0  # at most once
    settings.ZTC_NOTIFY_CHANNEL = "zhitongche.appeals.notify.SmsChannel"
    submit(world, title="另一件")
    fresh = list(Notification.objects.filter(sent_at__isnull=True).values_list("pk", flat=True))
    with pytest.raises(NotImplementedError):
        deliver_notifications.call(fresh)
    assert Notification.objects.filter(pk__in=fresh, sent_at__isnull=True).count() == len(fresh)


def test_sms_and_wechat_are_interfaces_only():
    for cls in (SmsChannel, WeChatChannel):
        with pytest.raises(NotImplementedError):
            cls().send(None)
    assert hasattr(LoggingChannel(), "send")


def test_notifications_page_and_mark_read(world, client):
    submit(world)
    client.force_login(world.bureau)
    text = client.get("/appeals/notifications/").content.decode()
    assert "新诉求" in text and "未读 1 条" in text
    client.post("/appeals/notifications/")
    assert not Notification.objects.filter(recipient=world.bureau, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=world.bureau_tiedong, read_at__isnull=True).exists()


# ---------------------------------------------------------------- duplicates

def test_similar_open_appeal_is_flagged_and_bureau_merges_it(world, api):
    first = submit(world)
    second = submit(world, content=first.content + "请尽快处理。")
    assert second.duplicate_of_id == first.pk
    body = api(world.bureau).get(f"/api/v1/appeals/{second.pk}").json()
    assert body["duplicate_of"]["number"] == first.number and body["duplicate_of"]["similarity"] >= 0.5
    assert api(world.enterprise_user).get(f"/api/v1/appeals/{second.pk}").json()["duplicate_of"] is None
    r = api(world.bureau).post(f"/api/v1/appeals/{second.pk}/actions/merge", {"into": first.pk})
    assert r.status_code == 200
    assert r.json()["stage"] == "closed" and r.json()["merged_into"] == first.number
    first.refresh_from_db()
    assert first.stage == Stage.SUBMITTED
    assert AppealEvent.objects.filter(appeal=first, action="merge").exists()
    replay = api(world.bureau).post(f"/api/v1/appeals/{second.pk}/actions/merge", {"into": first.pk})
    assert replay.status_code == 409


def test_no_duplicate_for_different_text_other_enterprise_or_older_than_30_days(world, clock, api):
    clock(2025, 10, 1, 9, 0)
    old = submit(world)
    clock(2025, 11, 5, 9, 0)
    again = submit(world, content=old.content)
    assert again.duplicate_of_id is None  # more than 30 days later
    different = submit(world, title="道路破损", content="厂区门前道路塌陷，大货车无法通行，已影响原料运输。")
    assert different.duplicate_of_id is None
    other = services.appeal_submit(actor=world.other_enterprise_user, enterprise=world.other.uscc,
                                   title=again.title, content=again.content, category="general")
    assert other.duplicate_of_id is None


def test_merge_refuses_other_enterprise_and_wrong_role(world, api):
    first = submit(world)
    second = submit(world, content=first.content)
    foreign = services.appeal_submit(actor=world.other_enterprise_user, enterprise=world.other.uscc,
                                     title="x", content="y", category="general")
    client, owner = api(world.bureau), api(world.enterprise_user)
    before = state(second)
    r = client.post(f"/api/v1/appeals/{second.pk}/actions/merge", {"into": foreign.pk})
    assert r.status_code == 400 and state(second) == before
    assert client.post(f"/api/v1/appeals/{second.pk}/actions/merge", {"into": second.pk}).status_code == 400
    assert owner.post(f"/api/v1/appeals/{second.pk}/actions/merge", {"into": first.pk}).status_code == 403
    assert state(second) == before


# ---------------------------------------------------------------- figures

def test_rates_exactly_as_the_contract_defines_them(world, clock, api):
    clock(2025, 11, 3, 9, 0)
    good = appeal_at(world, Stage.CLOSED)  # signed on time, resolved, confirmed, satisfied
    late = submit(world, title="另一件", content="完全不同的内容：用地审批迟迟没有结果。")
    services.appeal_accept(actor=world.bureau, appeal_id=late.pk)
    services.appeal_dispatch(actor=world.bureau, appeal_id=late.pk, lead_department="RSJ")
    clock(2025, 11, 5, 9, 0)  # sign due Nov 4: late
    services.appeal_sign(actor=world.rsj, appeal_id=late.pk)
    services.appeal_reply(actor=world.rsj, appeal_id=late.pk, content="正在协调", resolved=False)
    services.appeal_revisit(actor=world.bureau, appeal_id=late.pk, confirmed=False)
    services.appeal_evaluate(actor=world.enterprise_user, appeal_id=late.pk, rating="dissatisfied")  # reopens
    waiting = submit(world, title="第三件", content="咨询：高校毕业生就业见习补贴如何申请？")
    clock(2025, 11, 20, 9, 0)
    client = api(world.bureau)
    body = client.get("/api/v1/stats/appeals", **{"from": "2025-11-01", "to": "2025-11-30"}).json()
    assert body["total"] == 3
    assert body["rates"] == {"response": 0.5, "resolution": 1.0, "satisfaction": 0.5}
    assert body["counts"]["dispatched"] == 2 and body["counts"]["signed_on_time"] == 1
    assert body["counts"]["replied"] == 1 and body["counts"]["rated"] == 2
    assert body["stages"]["closed"] == 1 and body["stages"]["handling"] == 1 and body["stages"]["submitted"] == 1
    assert body["overdue"] == 1  # the reopened one: fresh deadline Nov 10, still handling on Nov 20
    assert body["avg_handling_working_days"] == 0.0
    # Every figure links to exactly the appeals behind it.
    for name, count in body["counts"].items():
        assert name in body["links"]
        listed = client.get("/api/v1/appeals", figure=name, **{"from": "2025-11-01", "to": "2025-11-30"}).json()
        assert listed["count"] == count, name
    ids = [a["id"] for a in client.get("/api/v1/appeals", figure="satisfied").json()["results"]]
    assert ids == [good.pk]
    assert waiting.pk in [a["id"] for a in client.get("/api/v1/appeals", figure="stage:submitted").json()["results"]]
    assert client.get("/api/v1/stats/appeals", region="210303").json()["total"] == 0
    assert client.get("/api/v1/stats/appeals", department="RSJ").json()["total"] == 2
    assert client.get("/api/v1/stats/appeals", **{"from": "2025-12-01"}).json()["rates"]["response"] is None


def test_stats_scope_and_roles(world, api):
    appeal_at(world, Stage.CLOSED)
    assert api(world.bureau_tiexi).get("/api/v1/stats/appeals").json()["total"] == 0
    assert api(world.leader).get("/api/v1/stats/appeals").json()["total"] == 1
    assert api(world.rsj).get("/api/v1/stats/appeals").json()["total"] == 1
    assert api(world.zjj).get("/api/v1/stats/appeals").json()["total"] == 0
    assert api(world.enterprise_user).get("/api/v1/stats/appeals").status_code == 403


def test_stats_page_links_every_figure(world, client):
    appeal_at(world, Stage.CLOSED)
    client.force_login(world.bureau)
    text = client.get("/appeals/stats/").content.decode()
    assert "响应率" in text and "解决率" in text and "满意率" in text
    assert 'id="chart-stages"' in text and "appeal-chart-data" in text and "/static/js/appeals.js" in text
    assert "figure=signed_on_time" in text and "figure=stage%3Aclosed" in text
    listed = client.get("/appeals/list/?figure=satisfied").content.decode()
    assert "共 1 件" in listed and "统计口径：满意（满意率的分子）" in listed
    assert "统计口径：处于「已办结」阶段" in client.get("/appeals/list/?figure=stage:closed").content.decode()


def test_80_percent_reminder_of_a_reopened_appeal_counts_from_the_reopening(world, clock):
    clock(2025, 11, 3, 9, 0)  # dispatched Monday Nov 3
    appeal = appeal_at(world, Stage.REVISITED)
    clock(2025, 11, 5, 9, 0)
    services.appeal_evaluate(actor=world.enterprise_user, appeal_id=appeal.pk, rating="dissatisfied")
    appeal.refresh_from_db()
    assert appeal.due_at.astimezone(SHANGHAI).date() == datetime.date(2025, 11, 12)
    clock(2025, 11, 11, 6, 0)  # past 80 % counted from the dispatch, not from the reopening
    assert services.sweep_deadlines()["remind_80"] == 0
    clock(2025, 11, 11, 12, 0)  # past 80 % counted from the reopening
    assert services.sweep_deadlines()["remind_80"] == 1


def test_sweep_queries_do_not_grow_with_the_running_appeals(world, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def sweep_queries():
        clock(2025, 11, 3, 10, 0)  # nothing is due for a reminder yet
        with CaptureQueriesContext(connection) as ctx:
            assert services.sweep_deadlines() == {"overdue": 0, "remind_80": 0, "remind_due": 0}
        return len(ctx.captured_queries)

    clock(2025, 11, 3, 9, 0)
    appeal_at(world, Stage.HANDLING)
    few = sweep_queries()
    for _ in range(3):
        clock(2025, 11, 3, 9, 0)
        appeal_at(world, Stage.HANDLING)
    assert sweep_queries() == few


def test_dispatch_notifies_the_lead_and_every_co_department(world, make_user):
    czj = make_user("department", username="t_czj", department="CZJ")
    appeal = appeal_at(world, Stage.ACCEPTED)
    services.appeal_dispatch(actor=world.bureau, appeal_id=appeal.pk, lead_department="RSJ",
                             co_departments=["ZJJ", "CZJ"])
    notices = {(n.recipient_id, n.kind) for n in Notification.objects.filter(
               appeal=appeal, kind__startswith="dispatched")}
    assert notices == {(world.rsj.pk, "dispatched"), (world.zjj.pk, "dispatched_co"), (czj.pk, "dispatched_co")}
