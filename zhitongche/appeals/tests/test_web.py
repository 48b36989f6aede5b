"""The workbench pages from the outside: submit with attachments, act, see the timeline, scopes and errors."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zhitongche.appeals.models import Appeal, AppealEvent, Attachment, Stage
from zhitongche.core.models import AuditLog

from .fixtures import appeal_at, state, submit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FORM = {"channel": "online", "category": "general", "title": "厂房消防验收", "content": "新建厂房消防验收排期太久，影响投产。"}


def test_enterprise_submits_on_the_web_with_an_attachment(world, client):
    client.force_login(world.enterprise_user)
    assert "提交诉求" in client.get("/appeals/new/").content.decode()
    r = client.post("/appeals/new/", {**FORM, "enterprise": world.ent.uscc,
                                      "files": [SimpleUploadedFile("现场照片.png", PNG, "image/png")]})
    appeal = Appeal.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/appeals/{appeal.pk}/"
    item = Attachment.objects.get()
    assert item.name == "现场照片.png" and item.content_type == "image/png"
    assert "现场照片" not in item.file.name and item.file.name.endswith(".png")  # random stored name
    page = client.get(f"/appeals/{appeal.pk}/").content.decode()
    assert "办理记录" in page and "现场照片.png" in page
    download = client.get(f"/appeals/attachments/{item.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert "attachment" in download["Content-Disposition"] and download["X-Content-Type-Options"] == "nosniff"
    client.force_login(world.other_enterprise_user)
    assert client.get(f"/appeals/attachments/{item.pk}/").status_code == 404
    assert client.get(f"/appeals/{appeal.pk}/").status_code == 404


@pytest.mark.parametrize(("name", "content", "code"), [
    ("病毒.exe", b"MZ" + b"\x00" * 10, "file_type_not_allowed"),
    ("假图片.png", b"GIF89a" + b"\x00" * 10, "file_content_mismatch"),
    ("空.pdf", b"", "empty_file"),
])
def test_bad_attachments_are_refused_and_nothing_is_stored(world, client, name, content, code):
    client.force_login(world.enterprise_user)
    r = client.post("/appeals/new/", {**FORM, "enterprise": world.ent.uscc,
                                      "files": [SimpleUploadedFile(name, content)]})
    assert r.status_code == 400 and code in r.content.decode()
    assert Appeal.objects.count() == 0 and Attachment.objects.count() == 0


def test_attachment_size_limit(world, client, settings):
    settings.ZTC_APPEAL_ATTACHMENT_MAX_BYTES = 50
    client.force_login(world.enterprise_user)
    r = client.post("/appeals/new/", {**FORM, "enterprise": world.ent.uscc,
                                      "files": [SimpleUploadedFile("大.png", PNG + b"\x00" * 100)]})
    assert r.status_code == 400 and "超过" in r.content.decode()
    assert Appeal.objects.count() == 0


def test_steward_submits_on_behalf(world, client):
    client.force_login(world.steward_user)
    page = client.get("/appeals/new/").content.decode()
    assert world.ent.name in page and world.other.name not in page
    r = client.post("/appeals/new/", {**FORM, "channel": "steward", "enterprise": world.ent.uscc})
    assert r.status_code == 302
    assert Appeal.objects.get().channel == "steward"


def test_reply_with_attachment_on_the_web(world, client):
    appeal = appeal_at(world, Stage.HANDLING)
    client.force_login(world.rsj)
    assert "待办诉求" in client.get("/appeals/inbox/").content.decode()
    r = client.post(f"/appeals/{appeal.pk}/act/reply/", {"content": "已办结，见附件。", "resolved": "1",
                                                         "files": [SimpleUploadedFile("回复.pdf", b"%PDF-1.4 x")]})
    assert r.status_code == 302
    appeal.refresh_from_db()
    assert appeal.stage == Stage.REPLIED and appeal.resolved is True
    reply = AppealEvent.objects.get(appeal=appeal, action="reply")
    assert Attachment.objects.get().event_id == reply.pk


def test_web_action_refused_shows_reason_and_changes_nothing(world, client):
    appeal = submit(world)
    client.force_login(world.enterprise_user)
    before = state(appeal)
    r = client.post(f"/appeals/{appeal.pk}/act/accept/", {})
    assert r.status_code == 403 and "无权" in r.content.decode()
    client.force_login(world.bureau)
    r = client.post(f"/appeals/{appeal.pk}/act/sign/", {})
    assert r.status_code == 409 and "invalid_transition" in r.content.decode()
    r = client.post(f"/appeals/{appeal.pk}/act/reject/", {"reason": ""})
    assert r.status_code == 400
    assert state(appeal) == before
    client.force_login(world.bureau_tiexi)
    assert client.post(f"/appeals/{appeal.pk}/act/accept/", {}).status_code == 404
    assert state(appeal) == before


def test_bureau_dispatches_with_suggestions_on_the_page(world, client):
    appeal = submit(world, title="拖欠工资", content="公司拖欠员工三个月工资，劳动合同到期不续签。")
    client.force_login(world.bureau)
    assert appeal.number in client.get("/appeals/pool/").content.decode()
    client.post(f"/appeals/{appeal.pk}/act/accept/", {"note": "受理"})
    page = client.get(f"/appeals/{appeal.pk}/").content.decode()
    assert "建议主办部门" in page and 'name="lead_department"' in page
    r = client.post(f"/appeals/{appeal.pk}/act/dispatch/", {"lead_department": "JYJ", "lead_department_other": "RSJ",
                                                            "co_departments": ["CZJ"], "note": "请办理"})
    assert r.status_code == 302
    appeal.refresh_from_db()
    assert appeal.lead_department.code == "RSJ" and list(appeal.co_departments.values_list("code", flat=True)) == ["CZJ"]
    assert AuditLog.objects.filter(action="appeal.dispatch", object_id=str(appeal.pk)).exists()


@pytest.mark.parametrize(("user", "path"), [
    ("bureau", "/appeals/pool/"), ("bureau", "/appeals/overdue/"), ("bureau", "/appeals/list/"),
    ("bureau", "/appeals/stats/"), ("rsj", "/appeals/inbox/"), ("enterprise_user", "/appeals/mine/"),
    ("steward_user", "/appeals/mine/"), ("leader", "/appeals/stats/"), ("clerk", "/appeals/new/"),
    ("enterprise_user", "/appeals/notifications/"),
])
def test_workbench_pages_open(world, client, user, path):
    appeal_at(world, Stage.REPLIED)
    client.force_login(getattr(world, user))
    r = client.get(path)
    assert r.status_code == 200
    assert 'lang="zh-Hans"' in r.content.decode()


def test_home_redirects_by_role(world, client):
    for user, target in (("bureau", "/appeals/pool/"), ("rsj", "/appeals/inbox/"), ("enterprise_user", "/appeals/mine/"),
                         ("leader", "/appeals/stats/")):
        client.force_login(getattr(world, user))
        assert client.get("/appeals/")["Location"] == target


def test_steward_sees_revisits_waiting(world, client):
    appeal = appeal_at(world, Stage.REPLIED)
    client.force_login(world.steward_user)
    page = client.get("/appeals/mine/").content.decode()
    assert "待回访" in page and appeal.number in page


def test_leader_cannot_open_submit_form(world, client):
    client.force_login(world.leader)
    assert client.get("/appeals/new/").status_code == 403


def test_list_filters_and_export(world, client):
    appeal_at(world, Stage.CLOSED)
    submit(world, title="第二件", content="完全不同的一件诉求内容，关于道路。")
    client.force_login(world.bureau)
    assert "共 1 件" in client.get("/appeals/list/?stage=closed").content.decode()
    refused = client.get("/appeals/list/?stage=nonsense&q=道路")
    text = refused.content.decode()
    assert refused.status_code == 400 and "筛选条件有误" in text and "共 0 件" in text
    assert 'name="q"' in text and 'value="道路"' in text  # the form stays, with what was typed
    unknown = client.get("/appeals/list/", {"department": "NOPE", "q": "道路"})
    assert unknown.status_code == 400 and "主办部门代码：部门代码 NOPE 不存在" in unknown.content.decode()
    assert 'value="道路"' in unknown.content.decode()  # a code only the database knows is refused the same way
    too_long = client.get("/appeals/list/", {"q": "道" * 101}).content.decode()
    assert "标题或编号：最多 100 个字符（现有 101 个）。" in too_long  # the project's wording, not "确保该变量…"
    partial = client.get("/appeals/list/?stage=nonsense", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "筛选条件有误" in partial.content.decode()  # htmx swaps 2xx only
    r = client.get("/appeals/list/?export=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_detail_page_query_count_is_bounded(world, client, django_assert_max_num_queries):
    appeal = appeal_at(world, Stage.CLOSED)
    client.force_login(world.enterprise_user)
    with django_assert_max_num_queries(25):
        assert client.get(f"/appeals/{appeal.pk}/").status_code == 200


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _one_of_each(world):
    for stage in (Stage.SUBMITTED, Stage.ACCEPTED, Stage.REPLIED):
        appeal_at(world, stage)
    Appeal.objects.filter(pk=appeal_at(world, Stage.HANDLING).pk).update(overdue=True)  # for the 督办 list


@pytest.mark.parametrize(("who", "url"), [
    ("bureau", "/appeals/pool/"), ("bureau", "/appeals/list/"), ("bureau", "/appeals/overdue/"),
    ("rsj", "/appeals/inbox/"), ("steward_user", "/appeals/mine/"), ("enterprise_user", "/appeals/mine/"),
    ("enterprise_user", "/appeals/notifications/"),
])
def test_list_pages_do_not_query_per_row(world, client, who, url):
    """More appeals on a page must not mean more queries (no N+1 in the selectors or the templates)."""
    _one_of_each(world)
    client.force_login(getattr(world, who))
    few = _queries(client, url)
    _one_of_each(world)
    _one_of_each(world)
    assert "没有诉求。" not in client.get(url).content.decode()
    assert _queries(client, url) == few


def test_pool_marks_a_likely_duplicate_only_while_its_original_is_open(world, client):
    first = submit(world)
    second = submit(world, content=first.content + "请尽快处理。")
    assert second.duplicate_of_id == first.pk
    client.force_login(world.bureau)

    def marked() -> bool:
        page = client.get("/appeals/pool/").content.decode()
        row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{second.number}(?:(?!</tr>).)*</tr>", page, re.S)
        assert row, "the duplicate is in the pool"
        return "疑似重复" in row.group(0)

    assert marked()
    assert client.post(f"/appeals/{first.pk}/act/reject/", {"reason": "不属于受理范围"}).status_code in (200, 302)
    first.refresh_from_db()
    assert first.stage == Stage.REJECTED
    assert not marked()  # nothing left to merge it into


def test_a_refused_reply_keeps_what_the_department_typed(world, client):
    appeal = appeal_at(world, Stage.HANDLING)
    client.force_login(world.rsj)
    r = client.post(f"/appeals/{appeal.pk}/act/reply/", {
        "content": "已协调<人社局>补发工资。", "resolved": "1",
        "files": [SimpleUploadedFile("病毒.exe", b"MZ" + b"\x00" * 10)]})
    text = r.content.decode()
    assert r.status_code == 400 and "file_type_not_allowed" in text
    assert "已协调&lt;人社局&gt;补发工资。</textarea>" in text  # kept, and escaped
    assert 'name="resolved" value="1" required checked' in text
    assert Appeal.objects.get(pk=appeal.pk).stage == Stage.HANDLING and Attachment.objects.count() == 0
    other = client.post(f"/appeals/{appeal.pk}/act/return/", {"reason": ""}).content.decode()
    assert "已协调" not in other  # only the refused form gets its text back


def test_timeline_names_the_dispatched_departments(world, client):
    appeal = appeal_at(world, Stage.DISPATCHED)
    client.force_login(world.enterprise_user)
    page = client.get(f"/appeals/{appeal.pk}/").content.decode()
    rsj = world.rsj.department
    assert f"主办：{rsj.name}" in page and "主办：RSJ" not in page


def test_bureau_typing_an_enterprise_code_is_told_what_is_wrong(world, client):
    client.force_login(world.bureau_tiedong)
    bad = client.post("/appeals/new/", {**FORM, "enterprise": "123"})
    assert bad.status_code == 400 and "格式或校验位不正确" in bad.content.decode()
    elsewhere = client.post("/appeals/new/", {**FORM, "enterprise": world.other.uscc})  # 铁西, not 铁东
    text = elsewhere.content.decode()
    assert elsewhere.status_code == 400 and "未找到该统一社会信用代码的企业，或该企业不在您的辖区" in text
    assert "厂房消防验收" in text  # the title typed is still there
    assert Appeal.objects.count() == 0
    folded = client.post("/appeals/new/", {**FORM, "enterprise": world.ent.uscc.lower()})
    assert folded.status_code == 302 and Appeal.objects.get().enterprise == world.ent


def test_home_shows_each_role_its_waiting_work(world, client):
    submit(world)
    appeal_at(world, Stage.HANDLING)

    def waiting(user) -> dict[str, str]:
        client.force_login(user)
        text = client.get("/").content.decode()
        section = text[text.index("我的待办"):text.index("平台概况")]
        return dict((label, count) for count, label in re.findall(
            r'<a class="stat-value" href="[^"]+">([\d,]+)</a><span class="stat-label">([^<]+)</span>', section))

    assert waiting(world.bureau)["诉求池：待受理、待交办"] == "1"
    assert waiting(world.rsj)["本部门待签收、办理中的诉求"] == "1"
    assert "诉求池：待受理、待交办" not in waiting(world.rsj)
    assert waiting(world.enterprise_user)["未办结的诉求"] == "2"
    assert waiting(world.other_enterprise_user)["未办结的诉求"] == "0"


@pytest.mark.parametrize("path", ["/appeals/pool/", "/appeals/overdue/"])
def test_the_bureau_queues_send_other_roles_to_their_own_workbench(world, client, path):
    client.force_login(world.enterprise_user)
    assert client.get(path, follow=True).redirect_chain[-1][0] == "/appeals/mine/"
    client.force_login(world.rsj)
    assert client.get(path, follow=True).redirect_chain[-1][0] == "/appeals/inbox/"
    client.force_login(world.bureau)
    assert client.get(path).status_code == 200


def test_bureau_finds_the_enterprise_by_name_while_typing(world, client):
    client.force_login(world.bureau_tiedong)
    page = client.get("/appeals/new/").content.decode()
    assert 'list="enterprise-options"' in page and '<datalist id="enterprise-options">' in page
    assert 'hx-get="/registry/enterprises/options/"' in page
    found = client.get("/registry/enterprises/options/", {"enterprise": "铁东测试"}).content.decode()
    assert f'<option value="{world.ent.uscc}">{world.ent.name}' in found
    assert client.get("/registry/enterprises/options/", {"enterprise": "铁"}).content.decode().strip() == ""
    client.force_login(world.bureau_tiexi)  # another district: not offered
    assert world.ent.uscc not in client.get("/registry/enterprises/options/", {"enterprise": "铁东测试"}).content.decode()
