"""有效互动: the written rule, recording from the outside, and counts with drill-down."""

import datetime

import pytest
from django.utils import timezone

from zhitongche.core.models import AuditLog
from zhitongche.interactions.models import Interaction
from zhitongche.interactions.rules import content_problem, judge

GOOD = "上门走访企业，了解用工招聘情况，企业反映缺少焊工，已对接人社局招聘会。"


@pytest.fixture
def world(make_user):
    from zhitongche.regions.models import Department
    from zhitongche.registry.identifiers import make_uscc
    from zhitongche.registry.models import Assignment, Enterprise, Steward

    ent = Enterprise.objects.create(uscc=make_uscc("210302", 801), name="鞍山互动测试有限公司", region_id="210302")
    other = Enterprise.objects.create(uscc=make_uscc("210303", 802), name="鞍山未分配有限公司", region_id="210303")
    user = make_user("steward", username="i_steward")
    steward = Steward.objects.create(name="互动管家", phone="13900000801", region_id="210302",
                                     department=Department.objects.get(code="D210302"), user=user)
    Assignment.objects.create(enterprise=ent, steward=steward, since=datetime.date(2025, 1, 1))
    return type("W", (), {"ent": ent, "other": other, "steward": steward, "user": user,
                          "bureau": make_user("bureau", username="i_bureau"),
                          "bureau_tiexi": make_user("bureau", username="i_bureau_tx", region="210303"),
                          "owner": make_user("enterprise", username="i_ent", enterprise=ent.uscc)})


@pytest.mark.parametrize(("kind", "content", "reason"), [
    ("visit", GOOD, ""),
    ("policy_push", "推送稳岗返还政策，说明申报条件和截止时间。", ""),
    ("other", GOOD, "kind_not_counted"),
    ("call", "已联系", "content_too_short"),
    ("call", "电话回访，企业情况正常，无问题。", "boilerplate"),
    ("message", "好好好好好好好好好好好好", "boilerplate"),
    ("visit", "认真学习贯彻落实，高度重视，积极对接，全力支持。", "boilerplate"),
    ("visit", "高度重视企业用地问题，协调自然资源局下周现场踏勘。", ""),
    ("visit", "，。！？  ……   走访", "content_too_short"),
])
def test_effectiveness_rule(kind, content, reason):
    assert judge(kind, content) == reason


def test_meaningful_characters_ignore_punctuation():
    assert content_problem("了解用工情况。" * 1) == "content_too_short"
    assert content_problem("了解用工情况，企业缺焊工十人") == ""


def post(api, user, **body):
    return api(user).post("/api/v1/interactions", {"kind": "visit", "content": GOOD, **body})


def test_first_counts_then_same_day_same_kind_does_not(world, api):
    r1 = post(api, world.user, enterprise=world.ent.uscc)
    assert r1.status_code == 201 and r1.json()["effective"] is True
    r2 = post(api, world.user, enterprise=world.ent.uscc)
    assert r2.json()["effective"] is False and r2.json()["not_effective_reason"] == "same_day_same_kind"
    r3 = post(api, world.user, enterprise=world.ent.uscc, kind="call")
    assert r3.json()["effective"] is True  # another kind
    yesterday = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    r4 = post(api, world.user, enterprise=world.ent.uscc, occurred_at=yesterday)
    assert r4.json()["effective"] is True  # another day
    assert AuditLog.objects.filter(action="interaction.record").count() == 4


def test_linked_to_an_appeal_always_counts(world, api):
    from zhitongche.appeals.services import appeal_submit

    appeal = appeal_submit(actor=world.owner, enterprise=world.ent.uscc, title="用工", content="缺焊工", category="general")
    post(api, world.user, enterprise=world.ent.uscc)
    r = post(api, world.user, enterprise=world.ent.uscc, appeal=appeal.pk)
    assert r.json()["effective"] is True and r.json()["appeal"] == appeal.pk


@pytest.mark.parametrize(("body", "status"), [
    ({"kind": "fax"}, 400), ({"content": ""}, 400), ({"content": "长" * 2001}, 400),
    ({"occurred_at": "2020-01-01T10:00:00+08:00"}, 400), ({"occurred_at": "2099-01-01T10:00:00+08:00"}, 400),
    ({"appeal": 999999}, 404),
])
def test_bad_input_records_nothing(world, api, body, status):
    client = api(world.user)
    before = (Interaction.objects.count(), AuditLog.objects.count())
    r = client.post("/api/v1/interactions", {"enterprise": world.ent.uscc, "kind": "visit", "content": GOOD, **body})
    assert r.status_code == status
    assert (Interaction.objects.count(), AuditLog.objects.count()) == before


def test_only_the_assigned_steward_records(world, api):
    assert post(api, world.user, enterprise=world.other.uscc).status_code == 404
    assert post(api, world.bureau, enterprise=world.ent.uscc).status_code == 403  # sees it, may not record
    assert post(api, world.owner, enterprise=world.ent.uscc).status_code == 403
    assert Interaction.objects.count() == 0


def test_counts_per_steward_region_month_with_drill_down(world, api, client):
    post(api, world.user, enterprise=world.ent.uscc)
    post(api, world.user, enterprise=world.ent.uscc)
    post(api, world.user, enterprise=world.ent.uscc, kind="call")
    bureau = api(world.bureau)
    for group in ("steward", "region", "month"):
        body = bureau.get("/api/v1/stats/interactions", group_by=group).json()
        assert body["total"] == 3 and body["effective"] == 2
        assert sum(g["effective"] for g in body["groups"]) == 2
        client.force_login(world.bureau)
        for g in body["groups"]:
            page = client.get(g["link"]).content.decode()
            assert f"共 {g['effective']} 条" in page
    assert api(world.bureau_tiexi).get("/api/v1/stats/interactions").json()["total"] == 0
    assert api(world.owner).get("/api/v1/stats/interactions").status_code == 403
    assert bureau.get("/api/v1/stats/interactions", group_by="nonsense").status_code == 400


def test_web_pages(world, client):
    client.force_login(world.user)
    page = client.get("/interactions/new/").content.decode()
    assert world.ent.name in page and world.other.name not in page
    r = client.post("/interactions/new/", {"enterprise": world.ent.uscc, "kind": "call", "content": GOOD})
    assert r.status_code == 302 and Interaction.objects.get().effective
    r = client.post("/interactions/new/", {"enterprise": world.ent.uscc, "kind": "call", "content": "已联系"}, follow=True)
    assert "不计入有效互动" in r.content.decode()
    client.force_login(world.bureau)
    text = client.get("/interactions/").content.decode()
    assert "有效互动的认定规则" in text and "互动管家" in text
    assert client.get("/interactions/new/").status_code == 403
    assert client.get("/interactions/list/?from=bad").status_code == 400


def test_web_record_links_an_appeal_by_the_number_users_see(world, client):
    from zhitongche.appeals.services import appeal_submit

    mine = appeal_submit(actor=world.owner, enterprise=world.ent.uscc, title="用工", content="缺焊工", category="general")
    client.force_login(world.user)
    form = {"enterprise": world.ent.uscc, "kind": "visit", "content": GOOD}
    missing = client.post("/interactions/new/", {**form, "appeal": "SQ20990101000001"})
    assert missing.status_code == 400 and "未找到该编号的诉求" in missing.content.decode()
    assert Interaction.objects.count() == 0
    r = client.post("/interactions/new/", {**form, "appeal": mine.number.lower()})
    assert r.status_code == 302 and Interaction.objects.get().appeal_id == mine.pk
