"""What every browser test shares: where Chromium is, the marks, and the axe-core check."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ZTC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_URL = "/__tests__/axe.min.js"

MARKS = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"未找到 Chromium（{CHROMIUM}）：跳过浏览器测试"),
]


def serve_axe(page, base_url):  # type: ignore[no-untyped-def]
    """Serve axe-core to the page from its own origin, so the page's CSP still applies."""
    page.route(f"{base_url}{AXE_URL}", lambda route: route.fulfill(
        body=AXE.read_bytes(), content_type="application/javascript"))


def serious_violations(page, base_url):  # type: ignore[no-untyped-def]
    """axe-core's serious and critical violations on the current page."""
    page.add_script_tag(url=f"{base_url}{AXE_URL}")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]
