"""`{% query_with page=2 %}`: the request's query string with some keys changed, for pager and export links."""

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string, every value kept and encoded, with `changes` applied (None drops a key).

    Templates cannot loop over `request.GET.items` safely: a parameter called `items` would replace the method.
    """
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return str(query.urlencode())
