"""Public catalogue pages without login: search with marked matches and suggestions, item, guide, scenario."""

import pytest

from zhitongche.catalog import index
from zhitongche.catalog.models import Guide, Scenario, ScenarioItem, ServiceItem
from zhitongche.catalog.scenarios import material_key, plan


@pytest.fixture
def catalogue_small(db, departments):
    items = [
        ServiceItem.objects.create(item_code="A1", name="个体工商户设立登记", department_name="鞍山市市场监督管理局",
                                   task_type="confirmation", materials=["个体工商户登记申请书", "经营者居民身份证"],
                                   steps=["申请", "受理", "核准"], promised_days=1, trips=1, high_frequency=True),
        ServiceItem.objects.create(item_code="A2", name="食品经营许可", department_name="鞍山市市场监督管理局",
                                   task_type="licensing", materials=["食品经营许可申请书", "经营者居民身份证复印件",
                                                                     "营业执照（副本）复印件"],
                                   steps=["申请", "受理", "审查", "决定"], promised_days=10, trips=2),
    ]
    guide = Guide.objects.create(code="G1", title="个体工商户设立登记办事指南", level="township", organisation="解放街道便民服务中心",
                                 division_id="210302002", materials=["经营者居民身份证"], process=["申请", "领照"],
                                 complaint_phone="12345")
    guide.items.add(items[0])
    scenario = Scenario.objects.create(code="kaiban", title="开办餐饮店")
    for i, item in enumerate(items):
        ScenarioItem.objects.create(scenario=scenario, item=item, position=i)
    index.reindex()
    return items, guide, scenario


def test_search_page_is_public_and_marks_the_matches(catalogue_small, client):
    response = client.get("/catalog/", {"q": "开个体户"})
    text = response.content.decode()
    assert response.status_code == 200 and "<mark>个体工商户</mark>" in text
    assert 'href="/catalog/items/A1/"' in text and 'href="/catalog/guides/' in text
    assert "<script>" not in client.get("/catalog/", {"q": "<script>个体户"}).content.decode().split("</header>")[1]


def test_search_page_offers_suggestions_when_nothing_matches(catalogue_small, client):
    text = client.get("/catalog/", {"q": "量子纠缠"}).content.decode()
    assert "没有找到" in text and "常办事项" in text and "个体工商户设立登记" in text


def test_search_page_htmx_returns_the_fragment_and_errors_are_clear(catalogue_small, client):
    fragment = client.get("/catalog/", {"q": "食品"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "/catalog/items/A2/" in fragment
    text = client.get("/catalog/", {"q": "营" * 600}).content.decode()
    assert "<html" in text  # the form refuses it: shown again, no search, no error page


def test_item_guide_and_scenario_pages(catalogue_small, client):
    items, guide, scenario = catalogue_small
    item_page = client.get("/catalog/items/A2/").content.decode()
    assert "食品经营许可申请书" in item_page and "行政许可" in item_page and "开办餐饮店" in item_page
    guide_page = client.get(f"/catalog/guides/{guide.pk}/").content.decode()
    assert "解放街道便民服务中心" in guide_page and "乡镇（街道）级" in guide_page and "12345" in guide_page
    page = client.get("/catalog/scenarios/kaiban/").content.decode()
    assert "一次办能省多少" in page and "5 份" in page and "4 份" in page  # 经营者居民身份证 counted once
    assert client.get("/catalog/items/NOPE/").status_code == 404
    assert client.get("/catalog/guides/999999/").status_code == 404
    assert client.get("/catalog/scenarios/nope/").status_code == 404


def test_scenario_savings_are_computed_from_the_items(catalogue_small):
    items, _, _ = catalogue_small
    result = {s.label: (s.separate, s.combined) for s in plan(items).savings}
    assert result == {"申请材料": (5, 4), "办理环节": (7, 5), "跑动次数": (3, 2), "办理时间": (11, 10)}
    items[1].trips = 0
    assert {s.label: s.combined for s in plan(items).savings}["跑动次数"] == 1  # change an item, the saving follows


def test_material_names_are_normalised_before_merging():
    assert material_key("营业执照（副本）复印件") == material_key("营业执照") == material_key("营业执照原件")
    assert material_key("经营者居民身份证复印件") == material_key("经营者居民身份证")
    assert material_key("居民户口簿") != material_key("居民身份证")


def test_everyone_sees_the_public_link_and_nav_entry(make_user, client):
    assert "办事指南 · 搜索" in client.get("/accounts/login/").content.decode()
    client.force_login(make_user("steward"))
    text = client.get("/").content.decode()
    assert 'href="/catalog/"' in text and "搜索同义词" not in text
    client.force_login(make_user("admin"))
    assert "搜索同义词" in client.get("/").content.decode()
