"""Reads of the catalogue. Items, guides and scenarios are public; the synonym table is for admins."""

from typing import Any

from django.db.models import Case, Count, Prefetch, Q, QuerySet, When

from zhitongche.accounts import scopes
from zhitongche.core.errors import NotFound
from zhitongche.regions.models import Department

from .models import Guide, Scenario, ScenarioItem, SearchState, SearchSynonym, ServiceItem


def item_get(*, code: str) -> ServiceItem:
    """One active item by its implementation code, with its department, or NotFound."""
    item = ServiceItem.objects.select_related("department").filter(item_code=code, active=True).first()
    if item is None:
        raise NotFound("事项不存在或已停用", code="unknown_item")
    return item


def item_guides(*, item: ServiceItem, limit: int = 20) -> list[Guide]:
    """Guides written for an item, city level first."""
    rank = Case(*(When(level=level, then=n) for n, level in enumerate(("city", "district", "township", "village"))),
                default=9)
    return list(item.guides.select_related("division").order_by(rank, "id")[:limit])


def item_scenarios(*, item: ServiceItem) -> QuerySet[Scenario]:
    """Active scenarios that include the item."""
    return Scenario.objects.filter(active=True, scenario_items__item=item).distinct()


def guide_get(*, pk: int) -> Guide:
    """One guide with its division and linked items, or NotFound."""
    guide = (Guide.objects.select_related("division", "division__parent")
             .prefetch_related(Prefetch("items", queryset=ServiceItem.objects.filter(active=True)
                                        .select_related("department")))
             .filter(pk=pk).first())
    if guide is None:
        raise NotFound("指南不存在", code="unknown_guide")
    return guide


def scenario_list() -> QuerySet[Scenario]:
    """Active scenarios with their item counts."""
    return Scenario.objects.filter(active=True).select_related("department").annotate(n_items=Count("scenario_items"))


def scenario_get(*, code: str) -> tuple[Scenario, list[ServiceItem]]:
    """One active scenario and its items in order, or NotFound."""
    scenario = Scenario.objects.select_related("department").filter(code=code, active=True).first()
    if scenario is None:
        raise NotFound("场景不存在", code="unknown_scenario")
    links = ScenarioItem.objects.filter(scenario=scenario).select_related("item", "item__department")
    return scenario, [link.item for link in links]


def popular_items(limit: int = 8) -> list[ServiceItem]:
    """High-frequency items, for suggestions when nothing matches."""
    return list(ServiceItem.objects.filter(active=True, high_frequency=True).only("item_code", "name")
                .order_by("id")[:limit])


def filter_departments() -> list[tuple[int, str]]:
    """Departments that offer items, for the search page's filter."""
    return list(Department.objects.filter(service_items__active=True).distinct().order_by("kind", "code")
                .values_list("id", "name"))


def synonym_list(*, user: Any, q: str = "") -> QuerySet[SearchSynonym]:
    """The synonym table (admins only), optionally those whose words contain q."""
    scopes.require(user, "catalog.synonym_edit")
    qs = SearchSynonym.objects.all()
    if q:
        qs = qs.filter(Q(colloquial__contains=q) | Q(formal__contains=q))
    return qs.order_by("colloquial", "formal")


def synonym_get(*, user: Any, pk: int) -> SearchSynonym:
    """One row of the synonym table (admins only), or NotFound."""
    scopes.require(user, "catalog.synonym_edit")
    synonym = SearchSynonym.objects.filter(pk=pk).first()
    if synonym is None:
        raise NotFound("同义词不存在", code="unknown_synonym")
    return synonym


def search_state() -> SearchState | None:
    """The index state row."""
    return SearchState.objects.order_by("id").first()
