"""Real Chromium through Playwright: log in, reach the home page, and no serious accessibility violations."""


from tests.browser import MARKS, serious_violations

pytestmark = MARKS


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
