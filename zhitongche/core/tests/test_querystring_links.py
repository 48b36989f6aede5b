"""Pager and export links keep the query string (Django's {% querystring %}); a parameter named like a dict
method changes nothing."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string


def test_pager_links_keep_every_value_and_change_the_page(rf):
    request = rf.get("/x", {"items": "a b", "q": ["甲", "乙"], "page": "3"})
    page = Paginator(range(100), 25).get_page(3)
    rendered = render_to_string("core/partials/_pager.html", {"page": page}, request=request)
    assert 'href="?items=a+b&amp;q=%E7%94%B2&amp;q=%E4%B9%99&amp;page=4"' in rendered


def test_a_list_page_with_an_items_parameter_answers(make_user, client):
    client.force_login(make_user("admin"))
    r = client.get("/licenses/", {"items": "1", "status": "active"})
    assert r.status_code == 200
    assert "?items=1&amp;status=active&amp;format=xlsx" in r.content.decode()
