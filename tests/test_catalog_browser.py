"""The public catalogue pages in Chromium, signed out: no serious accessibility violations, large type works on each."""


from tests.browser import MARKS, serious_violations

pytestmark = MARKS


def _catalogue(departments):
    from zhitongche.catalog import index
    from zhitongche.catalog.models import Guide, Scenario, ScenarioItem, ServiceItem

    item = ServiceItem.objects.create(
        item_code="B-1", name="食品行业从业人员预防性体检合格证办理", department_name="鞍山市卫生健康委员会",
        task_type="public_service", materials=["居民身份证", "近期一寸免冠照片"], steps=["申请", "体检", "发证"],
        legal_limit_days=5, promised_days=3, trips=1, fee="不收费", metro_area=True, high_frequency=True)
    other = ServiceItem.objects.create(
        item_code="B-2", name="个体工商户设立登记", department_name="鞍山市市场监督管理局", task_type="confirmation",
        materials=["个体工商户登记申请书", "居民身份证复印件"], steps=["申请", "受理", "核准"], promised_days=1, trips=1)
    guide = Guide.objects.create(code="BG-1", title="健康证办理办事指南", level="village", organisation="解放社区便民服务站",
                                 division_id="210302002001", materials=["居民身份证"], process=["申请", "体检", "领证"],
                                 hours="周一至周五", phone="0412-2000000", complaint_phone="12345")
    guide.items.add(item)
    scenario = Scenario.objects.create(code="kaiban-canyindian", title="开办餐饮店", description="一次办好开店手续")
    ScenarioItem.objects.create(scenario=scenario, item=other, position=0)
    ScenarioItem.objects.create(scenario=scenario, item=item, position=1)
    index.reindex()
    return guide


def test_public_catalogue_pages_are_accessible_in_both_modes(page, live_server, departments):
    guide = _catalogue(departments)
    pages = ["/catalog/?q=办健康证", "/catalog/?q=量子纠缠", "/catalog/items/B-1/", f"/catalog/guides/{guide.pk}/",
             "/catalog/scenarios/", "/catalog/scenarios/kaiban-canyindian/"]
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("text=办事指南 · 搜索")  # the public link in the header, signed out
    page.fill("#id_q", "办健康证")
    page.click("button:has-text(\"搜索\")")
    page.wait_for_selector(".search-results mark")
    assert "预防性体检" in page.locator(".search-results").inner_text()
    for path in pages:
        page.goto(f"{live_server.url}{path}")
        assert page.locator("h1").count() == 1
        assert serious_violations(page, live_server.url) == [], path
    page.click("text=大字号 · 高对比度")
    page.wait_for_selector("body.large-type")
    for path in pages:
        page.goto(f"{live_server.url}{path}")
        assert page.locator("body.large-type").count() == 1, path
        assert serious_violations(page, live_server.url) == [], path
    page.goto(f"{live_server.url}/catalog/guides/{guide.pk}/")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible() and page.locator(".guide-sheet h1").is_visible()
