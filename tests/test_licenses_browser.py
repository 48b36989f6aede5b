"""The public licence verification page in Chromium: no serious accessibility violations, large type works."""


from tests.browser import MARKS, serious_violations

pytestmark = MARKS


def test_public_verify_page_is_accessible_in_both_modes(page, live_server, make_user):
    from zhitongche.licenses.services import license_issue, license_type_upsert
    from zhitongche.registry.identifiers import make_uscc
    from zhitongche.registry.models import Enterprise

    license_type_upsert(actor="test", code="SPJY", name="食品经营许可证", department="SCJ", valid_years=5,
                        fields=[{"key": "address", "label": "住所", "required": True}])
    holder = Enterprise.objects.create(uscc=make_uscc("210302", 4242), name="鞍山示例餐饮有限公司", region_id="210302")
    lic = license_issue(actor=make_user("department", department="SCJ"), type_code="SPJY", holder=holder.uscc,
                        fields={"address": "铁东区胜利路 1 号"})

    page.goto(f"{live_server.url}/verify/{lic.identifier}")
    assert "该证照真实有效" in page.locator(".verify-verdict").inner_text()
    assert page.locator("h1").inner_text() == "电子证照核验"
    assert serious_violations(page, live_server.url) == []

    page.click("text=大字号 · 高对比度")
    page.wait_for_selector("body.large-type")
    assert page.url.endswith(f"/verify/{lic.identifier}")
    assert serious_violations(page, live_server.url) == []

    page.goto(f"{live_server.url}/verify/")
    page.fill("#id_identifier", lic.identifier.lower())
    page.click("button:has-text(\"查询\")")
    page.wait_for_selector(".verify-verdict")
    assert page.url.endswith(f"/verify/{lic.identifier}")
    assert serious_violations(page, live_server.url) == []
