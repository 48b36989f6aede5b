"""Labels for appeal codes in templates: `stage_label`, `action_label`, `rating_label`, `category_label`,
`channel_label` (an unknown code shows as itself); and `{% typed "reply" "content" %}`, what was typed in a refused
action's field; `code|department_name:names`."""

from collections.abc import Callable
from typing import Any

from django import template

from ..models import Action, Category, Channel, Rating, Stage

register = template.Library()


def _label_filter(choices: type) -> Callable[[str], str]:
    def label(value: str) -> str:
        try:
            return str(choices(value).label)
        except ValueError:
            return value or ""
    return label


for _name, _choices in {"stage_label": Stage, "action_label": Action, "rating_label": Rating,
                        "category_label": Category, "channel_label": Channel}.items():
    register.filter(_name, _label_filter(_choices))


@register.simple_tag(takes_context=True)
def typed(context: dict[str, Any], action: str, field: str) -> str:
    """The value typed in `field` of `action`'s form when that action was just refused, else ""."""
    if context.get("posted_action") != action:
        return ""
    return str(context["posted"].get(field, ""))


@register.filter
def department_name(code: str, names: dict[str, str]) -> str:
    """A department's name from its code (the code itself when unknown)."""
    return names.get(code, code)
