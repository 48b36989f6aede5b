"""Browser fixtures: one Chromium per test process, a fresh context (and page) per test."""

import os

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, serve_axe


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in this thread; Django's ORM calls from the test are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    serve_axe(page, live_server.url)
    yield page
    context.close()
