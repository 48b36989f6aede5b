"""Pager and export links keep the query string; a parameter named like a dict method changes nothing."""

from django.template import Context, Template


def test_query_with_keeps_every_value_and_changes_the_named_keys(rf):
    request = rf.get("/x", {"items": "a b", "q": ["甲", "乙"], "page": "3", "format": "html"})
    rendered = Template("{% load ztc_query %}{% query_with page=4 format=None %}").render(
        Context({"request": request}))
    assert rendered == "items=a+b&amp;q=%E7%94%B2&amp;q=%E4%B9%99&amp;page=4"


def test_a_list_page_with_an_items_parameter_answers(make_user, client):
    client.force_login(make_user("admin"))
    r = client.get("/licenses/", {"items": "1", "status": "active"})
    assert r.status_code == 200
    assert "?items=1&amp;status=active&amp;format=xlsx" in r.content.decode()
