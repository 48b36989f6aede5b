"""Who may do what in the catalogue: everyone reads it (it is public); admins edit synonyms and reindex."""

from django.db.models import Q

from zhitongche.accounts.scopes import register_rule, register_scope

from .models import Guide, Scenario, SearchSynonym, ServiceItem


def register() -> None:
    """The catalogue is public reading for every signed-in user too; only admins (handled by scopes) edit synonyms."""
    for model in (ServiceItem, Guide, Scenario, SearchSynonym):
        register_scope(model, lambda user: Q())
    register_rule("catalog.synonym_edit", lambda user, obj: False)
    register_rule("catalog.reindex", lambda user, obj: False)
