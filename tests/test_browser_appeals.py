"""Real Chromium: an enterprise submits, the bureau accepts and dispatches, the department signs and replies,
the bureau revisits, the enterprise rates — all through the web pages, with the timeline at the end."""


from tests.browser import MARKS
from zhitongche.appeals.models import Appeal, AppealEvent, Stage
from zhitongche.appeals.tests.fixtures import world  # noqa: F401 — the fixture

pytestmark = MARKS


def login(browser, live_server, username, mobile=False):
    from conftest import PASSWORD

    context = browser.new_context(locale="zh-CN", **({"viewport": {"width": 390, "height": 844}} if mobile else {}))
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/")
    return page


def act(page, action):
    page.click(f"form[action$='/act/{action}/'] button[type=submit]")
    page.wait_for_selector("ul.messages")


def test_submit_dispatch_reply_rate_through_the_pages(browser, live_server, world):  # noqa: F811
    # The enterprise submits from a phone-sized screen.
    owner = login(browser, live_server, world.enterprise_user.username, mobile=True)
    owner.goto(f"{live_server.url}/appeals/new/")
    owner.select_option("#id_category", "general")
    owner.fill("#id_title", "企业拖欠工资纠纷求助")
    owner.fill("#id_content", "我公司与员工因劳动合同和工资发放产生纠纷，请人社部门指导处理。")
    owner.click("button[type=submit].primary")
    owner.wait_for_selector("text=诉求已提交")
    appeal = Appeal.objects.get()
    assert owner.url.endswith(f"/appeals/{appeal.pk}/")

    # The bureau accepts it from the pool and dispatches it with the picker.
    bureau = login(browser, live_server, world.bureau.username)
    bureau.goto(f"{live_server.url}/appeals/pool/")
    bureau.click(f"text={appeal.number}")
    act(bureau, "accept")
    assert bureau.locator("#dispatch-form legend").inner_text() == "建议主办部门（按可能性排序）"
    bureau.select_option("#dispatch-lead", "RSJ")
    act(bureau, "dispatch")

    # The department signs and replies from its inbox.
    dept = login(browser, live_server, world.rsj.username)
    dept.goto(f"{live_server.url}/appeals/inbox/")
    dept.click(f"text={appeal.number}")
    act(dept, "sign")
    dept.fill("#reply-content", "已约谈企业负责人，工资已于本周补发，劳动合同已续签。")
    dept.check("input[name=resolved][value='1']")
    act(dept, "reply")

    # The bureau records the return visit; the enterprise rates it.
    bureau.goto(f"{live_server.url}/appeals/{appeal.pk}/")
    bureau.check("input[name=confirmed][value='1']")
    act(bureau, "revisit")
    owner.goto(f"{live_server.url}/appeals/{appeal.pk}/")
    owner.check("input[name=rating][value=very_satisfied]")
    act(owner, "evaluate")

    appeal.refresh_from_db()
    assert appeal.stage == Stage.CLOSED and appeal.rating == "very_satisfied"
    assert appeal.lead_department.code == "RSJ"
    actions = list(AppealEvent.objects.filter(appeal=appeal).order_by("at", "id").values_list("action", flat=True))
    assert actions == ["submit", "accept", "dispatch", "sign", "reply", "revisit", "evaluate"]
    timeline = owner.locator("ol.timeline").inner_text()
    for label in ("提交", "受理", "交办", "签收", "反馈", "回访", "评价"):
        assert label in timeline


def test_bureau_types_part_of_a_name_and_submits_for_that_enterprise(browser, live_server, world):  # noqa: F811
    page = login(browser, live_server, "t_bureau_td")
    page.goto(f"{live_server.url}/appeals/new/")
    page.fill("#id_enterprise", "铁东测试")  # htmx asks the server as the bureau types
    page.wait_for_selector(f"#enterprise-options option[value='{world.ent.uscc}']", state="attached")
    page.fill("#id_enterprise", world.ent.uscc)  # what choosing the offered name puts in the field
    page.fill("#id_title", "厂房消防验收排期")
    page.fill("#id_content", "新建厂房消防验收排期太久，影响投产，请协调。")
    page.click("button[type=submit].primary")
    page.wait_for_selector("ul.messages")
    assert Appeal.objects.get(title="厂房消防验收排期").enterprise == world.ent
