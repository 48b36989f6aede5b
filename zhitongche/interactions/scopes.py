"""Who sees which interactions and who may record them."""

from typing import Any

from django.db.models import Q

from zhitongche.accounts.models import Role
from zhitongche.accounts.scopes import NOTHING, region_q, register_rule, register_scope

from .models import Interaction


def interaction_q(user: Any) -> Q:
    """Bureau and leader: their region; steward: their own records; enterprise: contacts with itself."""
    if user.role in (Role.BUREAU, Role.LEADER):
        return region_q(user)
    if user.role == Role.STEWARD:
        return Q(steward__user_id=user.pk)
    if user.role == Role.ENTERPRISE:
        return Q(enterprise_id=user.enterprise_id)
    return NOTHING


def register() -> None:
    """Register the interaction scope and the recording rule (a steward, for an assigned enterprise)."""
    from zhitongche.appeals.scopes import is_steward_of

    register_scope(Interaction, interaction_q)
    register_rule("interaction.record", lambda user, enterprise: is_steward_of(user, enterprise.pk))
    register_rule("interaction.stats", lambda user, obj: user.role in (Role.BUREAU, Role.LEADER, Role.STEWARD))
