"""Labels for appeal codes in templates."""

from django import template

from ..models import Action, Category, Channel, Rating, Stage

register = template.Library()


def _label(choices: type, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


@register.filter
def stage_label(value: str) -> str:
    """阶段 label of a stage code."""
    return _label(Stage, value)


@register.filter
def action_label(value: str) -> str:
    """动作 label of an action code."""
    return _label(Action, value)


@register.filter
def rating_label(value: str) -> str:
    """评价 label of a rating code."""
    return _label(Rating, value)


@register.filter
def category_label(value: str) -> str:
    """类别 label of a category code."""
    return _label(Category, value)


@register.filter
def channel_label(value: str) -> str:
    """渠道 label of a channel code."""
    return _label(Channel, value)
