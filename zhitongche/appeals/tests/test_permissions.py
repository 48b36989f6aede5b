"""Each role from the outside: the right role acts, a wrong role that can see the appeal gets 403, a user
outside the appeal's scope gets 404 — and refused requests change nothing."""

import pytest

from zhitongche.appeals.models import Appeal, Stage

from .fixtures import appeal_at, state, submit


def post_action(api, user, appeal, action, data=None):
    return api(user).post(f"/api/v1/appeals/{appeal.pk}/actions/{action}", data or {})


def test_enterprise_submits_for_itself_only(world, api):
    client = api(world.enterprise_user)
    ok = client.post("/api/v1/appeals", {"enterprise": world.ent.uscc, "channel": "online", "category": "general",
                                          "title": "用电增容", "content": "新建厂房需要增容，供电公司迟迟不批。"})
    assert ok.status_code == 201
    body = ok.json()
    assert body["stage"] == "submitted" and body["number"].startswith("SQ") and body["id"]
    assert body["suggestions"] is None  # only the bureau sees suggestions
    count = Appeal.objects.count()
    other = client.post("/api/v1/appeals", {"enterprise": world.other.uscc, "channel": "online",
                                             "category": "general", "title": "x", "content": "y"})
    assert other.status_code == 404 and Appeal.objects.count() == count


def test_steward_submits_for_assigned_enterprise_only(world, api):
    client = api(world.steward_user)
    ok = client.post("/api/v1/appeals", {"enterprise": world.ent.uscc, "category": "urgent",
                                          "title": "停电", "content": "园区突然停电，生产线停工。"})
    assert ok.status_code == 201 and ok.json()["channel"] == "steward"
    assert client.post("/api/v1/appeals", {"enterprise": world.other.uscc, "category": "urgent", "title": "停电",
                                            "content": "园区停电"}).status_code == 404


def test_clerk_and_bureau_submit_in_their_region(world, api, make_user):
    assert api(world.clerk).post("/api/v1/appeals", {"enterprise": world.other.uscc, "category": "general",
                                                     "title": "窗口诉求", "content": "办事窗口收到的诉求"}).status_code == 201
    r = api(world.bureau_tiedong).post("/api/v1/appeals", {"enterprise": world.other.uscc, "category": "general",
                                                           "title": "越区", "content": "不在本区"})
    assert r.status_code == 404


def test_bureau_outside_region_gets_404_inside_gets_200(world, api):
    appeal = submit(world)
    assert api(world.bureau_tiexi).get(f"/api/v1/appeals/{appeal.pk}").status_code == 404
    before = state(appeal)
    assert post_action(api, world.bureau_tiexi, appeal, "accept").status_code == 404
    assert state(appeal)["row"] == before["row"]
    r = post_action(api, world.bureau_tiedong, appeal, "accept")
    assert r.status_code == 200 and r.json()["stage"] == "accepted"


@pytest.mark.parametrize("role", ["enterprise_user", "steward_user", "leader", "clerk"])
def test_roles_that_see_but_may_not_accept_get_403(world, api, role):
    appeal = submit(world)
    user = getattr(world, role)
    client = api(user)
    assert client.get(f"/api/v1/appeals/{appeal.pk}").status_code == 200
    before = state(appeal)
    r = client.post(f"/api/v1/appeals/{appeal.pk}/actions/accept", {})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert state(appeal) == before


def test_other_enterprise_and_unrelated_department_get_404(world, api):
    appeal = appeal_at(world, Stage.DISPATCHED)
    for user in (world.other_enterprise_user, world.zjj):
        assert api(user).get(f"/api/v1/appeals/{appeal.pk}").status_code == 404
        assert post_action(api, user, appeal, "sign").status_code == 404
    assert Appeal.objects.get(pk=appeal.pk).stage == Stage.DISPATCHED


def test_co_department_sees_but_cannot_sign(world, api, make_user):
    appeal = submit(world)
    api(world.bureau).post(f"/api/v1/appeals/{appeal.pk}/actions/accept")
    api(world.bureau).post(f"/api/v1/appeals/{appeal.pk}/actions/dispatch",
                           {"lead_department": "RSJ", "co_departments": ["ZJJ"]})
    client = api(world.zjj)
    body = client.get(f"/api/v1/appeals/{appeal.pk}").json()
    assert body["co_departments"] == ["ZJJ"] and body["actions"] == []
    before = state(appeal)
    assert client.post(f"/api/v1/appeals/{appeal.pk}/actions/sign").status_code == 403
    assert state(appeal) == before
    assert post_action(api, world.rsj, appeal, "sign").json()["stage"] == "handling"


def test_bureau_cannot_sign_or_reply(world, api):
    appeal = appeal_at(world, Stage.DISPATCHED)
    assert post_action(api, world.bureau, appeal, "sign").status_code == 403
    appeal = appeal_at(world, Stage.HANDLING)
    assert post_action(api, world.bureau, appeal, "reply", {"content": "x", "resolved": True}).status_code == 403


def test_revisit_by_steward_or_bureau_not_enterprise(world, api):
    appeal = appeal_at(world, Stage.REPLIED)
    assert post_action(api, world.enterprise_user, appeal, "revisit", {"confirmed": True}).status_code == 403
    assert post_action(api, world.rsj, appeal, "revisit", {"confirmed": True}).status_code == 403
    assert post_action(api, world.bureau, appeal, "revisit", {"confirmed": True}).status_code == 200


def test_evaluate_by_enterprise_or_its_steward_not_bureau(world, api):
    appeal = appeal_at(world, Stage.REVISITED)
    assert post_action(api, world.bureau, appeal, "evaluate", {"rating": "satisfied"}).status_code == 403
    r = post_action(api, world.steward_user, appeal, "evaluate", {"rating": "satisfied", "comment": "电话评价"})
    assert r.status_code == 200 and r.json()["stage"] == "closed"


def test_suggestions_for_bureau_only(world, api):
    appeal = submit(world, title="拖欠工资", content="公司拖欠我们三个月工资，劳动合同到期也不续签，要求补发工资。")
    body = api(world.bureau).get(f"/api/v1/appeals/{appeal.pk}").json()
    assert 1 <= len(body["suggestions"]) <= 3
    assert all(set(s) >= {"department", "reason"} for s in body["suggestions"])
    assert "RSJ" in [s["department"] for s in body["suggestions"]]
    assert api(world.leader).get(f"/api/v1/appeals/{appeal.pk}").json()["suggestions"] is None
    assert api(world.enterprise_user).get(f"/api/v1/appeals/{appeal.pk}").json()["suggestions"] is None


def test_suggestions_while_a_dispatch_lies_ahead(world, api, monkeypatch):
    from zhitongche.appeals import selectors

    bureau = api(world.bureau)
    assert bureau.get(f"/api/v1/appeals/{appeal_at(world, Stage.ACCEPTED).pk}").json()["suggestions"]
    built = []
    monkeypatch.setattr(selectors.suggest, "cached_suggester", lambda *a: built.append(a))
    for stage in (Stage.DISPATCHED, Stage.HANDLING, Stage.CLOSED):
        body = bureau.get(f"/api/v1/appeals/{appeal_at(world, stage).pk}").json()
        assert body["suggestions"] == [] and body["stage"] == stage
    assert built == []  # the suggester was not even asked for


def test_anonymous_is_401(world, api):
    appeal = submit(world)
    assert api(None).get(f"/api/v1/appeals/{appeal.pk}").status_code == 401
    assert api(None).post(f"/api/v1/appeals/{appeal.pk}/actions/accept").status_code == 401


def test_list_is_scoped_and_filtered(world, api):
    mine = submit(world)
    services_other = api(world.other_enterprise_user).post(
        "/api/v1/appeals", {"enterprise": world.other.uscc, "category": "general", "title": "铁西", "content": "铁西的诉求"})
    assert services_other.status_code == 201
    ids = [a["id"] for a in api(world.enterprise_user).get("/api/v1/appeals").json()["results"]]
    assert ids == [mine.pk]
    assert api(world.bureau).get("/api/v1/appeals").json()["count"] == 2
    assert api(world.bureau).get("/api/v1/appeals", region="210303").json()["count"] == 1
    assert api(world.bureau_tiedong).get("/api/v1/appeals").json()["count"] == 1
    assert api(world.bureau).get("/api/v1/appeals", stage="closed").json()["count"] == 0
    assert api(world.bureau).get("/api/v1/appeals", stage="nonsense").status_code == 400
    assert api(world.bureau).get("/api/v1/appeals", department="NOPE").status_code == 400


def test_detail_row_check_agrees_with_the_scope_query(world, api, make_user):
    """The API detail checks visibility on the loaded row (scopes.sees_appeal); for every role, in and out of
    region, lead and co-department, current and ended steward assignments, it agrees with appeal_q."""
    import datetime

    from django.contrib.auth import get_user_model

    from zhitongche.accounts import scopes
    from zhitongche.appeals import services
    from zhitongche.registry.models import Assignment, Steward

    led = appeal_at(world, Stage.DISPATCHED)  # 铁东, lead RSJ
    services.appeal_accept(actor=world.bureau, appeal_id=(assisted := submit(world)).pk)
    services.appeal_dispatch(actor=world.bureau, appeal_id=assisted.pk, lead_department="ZJJ",
                             co_departments=["RSJ"])
    tiexi, by_steward = (services.appeal_submit(actor=world.other_enterprise_user, enterprise=world.other.uscc,
                                                category="general", title=f"铁西诉求{n}", content="厂区道路积水")
                         for n in (1, 2))
    Appeal.objects.filter(pk=by_steward.pk).update(submitted_by=world.steward_user)
    ended_steward = make_user("steward")
    Assignment.objects.create(
        enterprise=world.other, since=datetime.date(2024, 1, 1), until=datetime.date(2024, 12, 31),
        steward=Steward.objects.create(name="离任管家", phone="13900000902", region_id="210303", user=ended_steward,
                                       department=world.steward.department))
    inactive = make_user("bureau")
    get_user_model().objects.filter(pk=inactive.pk).update(is_active=False)
    users = [*(u for u in vars(world).values() if isinstance(u, get_user_model())), ended_steward,
             make_user("overseer"), get_user_model().objects.get(pk=inactive.pk)]
    outcomes = set()
    for user in users:
        for appeal in Appeal.objects.filter(pk__in=[led.pk, assisted.pk, tiexi.pk, by_steward.pk]):
            in_scope = scopes.visible(user, Appeal.objects.filter(pk=appeal.pk)).exists()
            assert scopes.may(user, "appeal.view", appeal) == in_scope, (user.username, appeal.pk)
            outcomes.add(in_scope)
            if user.is_active:
                status = api(user).get(f"/api/v1/appeals/{appeal.pk}").status_code
                assert status == (200 if in_scope else 404), (user.username, appeal.pk)
    assert outcomes == {True, False}


def test_api_detail_reads_in_few_queries(world, api, django_assert_num_queries):
    appeal = appeal_at(world, Stage.ACCEPTED)
    bureau, owner = api(world.bureau), api(world.enterprise_user)
    for client in (bureau, owner):  # token first used, suggester built
        assert client.get(f"/api/v1/appeals/{appeal.pk}").status_code == 200
    # The token, then the whole detail in one statement (for the bureau with the suggester's dispatch mark).
    with django_assert_num_queries(2):
        body = bureau.get(f"/api/v1/appeals/{appeal.pk}").json()
    assert body["suggestions"] and body["events"][-1]["action"] == "accept"
    with django_assert_num_queries(2):
        assert owner.get(f"/api/v1/appeals/{appeal.pk}").json()["suggestions"] is None


def test_detail_rendered_as_the_schema_would(world, api, rf):
    """The detail skips ninja's revalidation; its bytes must equal what validating against AppealOut gives."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhitongche.appeals import api as appeals_api
    from zhitongche.appeals import selectors

    png = SimpleUploadedFile("现场照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")
    first = submit(world, files=[png])
    duplicate = submit(world, content=first.content + "请尽快处理。")
    appeals = [first, duplicate, appeal_at(world, Stage.DISPATCHED), appeal_at(world, Stage.CLOSED)]
    assert duplicate.duplicate_of_id == first.pk and first.attachments.exists()
    from zhitongche.api.api import api as platform_api

    renderer = platform_api.renderer
    seen = set()
    for user in (world.bureau, world.enterprise_user, world.rsj):
        for appeal in appeals:
            response = api(user).get(f"/api/v1/appeals/{appeal.pk}")
            if response.status_code == 404:
                continue
            data = appeals_api.detail(user, selectors.appeal_detail(user=user, appeal_id=appeal.pk))
            validated = appeals_api.AppealOut.model_validate(data).model_dump()
            assert response.content == renderer.render(rf.get("/"), validated, response_status=200)
            body = response.json()
            seen.update(key for key in ("suggestions", "duplicate_of", "attachments", "events") if body[key])
    assert seen == {"suggestions", "duplicate_of", "attachments", "events"}
