"""The web shell from the outside: Chinese login page, home with real counts, large type, logout."""


from conftest import PASSWORD
from zhitongche.accounts.models import User
from zhitongche.regions.models import Division


def test_login_page_is_chinese(db, client):
    response = client.get("/accounts/login/")
    text = response.content.decode()
    assert response.status_code == 200 and 'lang="zh-Hans"' in text
    assert "登录" in text and "用户名" in text and "密码" in text
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_home_requires_login(db, client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_pages_name_the_apps_own_icon(db, client):
    from django.contrib.staticfiles import finders

    # Without it every browser asks for /favicon.ico first, a 404 in the log of each new visitor.
    assert 'rel="icon" href="/static/img/favicon.svg"' in client.get("/accounts/login/").content.decode()
    assert finders.find("img/favicon.svg")


def test_login_to_home_shows_real_counts(make_user, client):
    make_user("bureau", username="officer")
    response = client.post("/accounts/login/", {"username": "officer", "password": PASSWORD}, follow=True)
    text = response.content.decode()
    assert response.status_code == 200 and "平台概况" in text
    villages = Division.objects.filter(level="village").count()
    assert villages > 1000
    assert f"stat-value\">{villages}<" in text
    assert f'stat-value">{User.objects.filter(is_active=True).count()}<' in text


def test_navigation_by_role(make_user, client):
    client.force_login(make_user("admin"))
    assert "审计日志" in client.get("/").content.decode()
    client.force_login(make_user("overseer"))
    text = client.get("/").content.decode()
    assert "审计日志" not in text and "部门与区划" not in text


def test_large_type_persists_per_user(make_user, client):
    user = make_user("leader")
    client.force_login(user)
    assert 'class="large-type"' not in client.get("/").content.decode()
    client.post("/prefs/large-type", {"next": "/"})
    assert User.objects.get(pk=user.pk).large_type is True
    client.logout()
    client.force_login(user)
    assert 'class="large-type"' in client.get("/").content.decode()


def test_large_type_for_visitors_uses_a_cookie(db, client):
    response = client.post("/prefs/large-type", {"next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert 'class="large-type"' in client.get("/accounts/login/").content.decode()


def test_logout(make_user, client):
    client.force_login(make_user("clerk"))
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_departments_page_scope(make_user, client):
    client.force_login(make_user("bureau"))
    text = client.get("/regions/departments/").content.decode()
    assert "鞍山市发展和改革委员会" in text and "鞍山高新技术产业开发区" in text
    assert "重点项目" in text and "key_project" not in text  # the categories each reports, in Chinese


def test_static_assets_are_local(db, client):
    text = client.get("/accounts/login/").content.decode()
    assert "/static/vendor/htmx.min.js" in text
    assert "http://" not in text.replace("http://testserver", "") and "https://" not in text


def test_every_role_menu_resolves(make_user, client):
    from zhitongche.accounts.models import Role
    from zhitongche.core.nav import nav_for
    from zhitongche.registry.identifiers import make_uscc
    from zhitongche.registry.models import Enterprise

    ent = Enterprise.objects.create(uscc=make_uscc("210302", 7), name="菜单测试企业", region_id="210302")
    scopes = {"enterprise": {"enterprise": ent.uscc}, "department": {"department": "RSJ"}}
    for role in Role.values:
        items = nav_for(make_user(role, **scopes.get(role, {})))
        assert items and all(item["url"].startswith("/") for item in items)


def test_calendar_reminder_for_admin_and_bureau_when_coverage_runs_out(make_user, client):
    import datetime

    from zhitongche.core.calendar import SHANGHAI, covered_until, forget_entered_years
    from zhitongche.core.demo import clock_from
    from zhitongche.core.models import CalendarYear

    last = covered_until(datetime.date(2024, 1, 1))
    assert last is not None and last.month == 12 and last.day == 31
    admin, bureau, officer = make_user("admin"), make_user("bureau"), make_user("department")

    def home(user, day):
        with clock_from(datetime.datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)):
            client.force_login(user)  # on the moved clock, so that the session is fresh
            response = client.get("/")
        assert response.status_code == 200
        return response.content.decode()

    near, far = last - datetime.timedelta(days=20), last - datetime.timedelta(days=200)
    for user in (admin, bureau):
        text = home(user, near)
        assert "工作日历即将用完" in text and f"ztc calendar set {last.year + 1}" in text
        assert f"{last.year}年12月31日" in text
        assert "工作日历即将用完" not in home(user, far)
    assert "工作日历即将用完" not in home(officer, near)
    # Once next year's arrangement is entered, the reminder goes (the overlay cache is per process).
    CalendarYear.objects.create(year=last.year + 1, source="国办发明电〔测试〕")
    forget_entered_years()
    try:
        assert "工作日历即将用完" not in home(admin, near)
    finally:
        forget_entered_years()  # the entered year is rolled back with the test; its cached copy must go too
