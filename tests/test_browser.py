"""Real Chromium through Playwright: log in, reach the home page, and no serious accessibility violations."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ZTC_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_URL = "/__tests__/axe.min.js"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"未找到 Chromium（{CHROMIUM}）：跳过浏览器测试"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in this thread; Django's ORM calls from the test are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    # axe-core is served to the page by the test, from the page's own origin, so the CSP still applies.
    page.route(f"{live_server.url}{AXE_URL}", lambda route: route.fulfill(
        body=AXE.read_bytes(), content_type="application/javascript"))
    yield page
    context.close()


def serious_violations(page, base_url):
    page.add_script_tag(url=f"{base_url}{AXE_URL}")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


def test_login_reaches_home_and_pages_are_accessible(page, live_server, make_user):
    from conftest import PASSWORD

    make_user("bureau", username="browser_officer")
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    assert page.locator("h1").inner_text() == "登录"
    assert serious_violations(page, live_server.url) == []

    page.fill("#id_username", "browser_officer")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_selector("text=平台概况")
    assert page.url == f"{live_server.url}/"
    assert serious_violations(page, live_server.url) == []

    page.click("text=大字号 · 高对比度")
    page.wait_for_selector("body.large-type")
    assert serious_violations(page, live_server.url) == []


def test_wrong_password_shows_chinese_error(page, live_server, make_user):
    make_user("bureau", username="browser_wrong")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "browser_wrong")
    page.fill("#id_password", "not-the-password-1")
    page.click("button[type=submit].primary")
    assert "用户名或密码错误" in page.locator("[role=alert]").inner_text()
