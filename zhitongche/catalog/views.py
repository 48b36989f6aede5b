"""Public catalogue pages (search, item, guide, scenario) and the admins' synonym table."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from zhitongche.core.errors import DomainError
from zhitongche.core.htmx import render_page

from . import scenarios as scenario_math
from . import search as engine
from . import selectors, services
from .forms import SearchForm, SynonymForm
from .models import DocKind, GuideLevel, TaskType
from .textproc import active_synonyms, highlight

PAGE_SIZE = 10
KIND_LABELS = dict(DocKind.choices)


def _result_url(kind: str, code: str, pk: int) -> str:
    from django.urls import reverse

    if kind == DocKind.ITEM:
        return reverse("catalog:item", args=[code])
    if kind == DocKind.GUIDE:
        return reverse("catalog:guide", args=[pk])
    return reverse("catalog:scenario", args=[code])


def _suggestions(q: str) -> dict[str, Any]:
    """What to offer when nothing matched: formal terms sharing a character with the question, popular items."""
    chars = {c for c in q if "\u4e00" <= c <= "\u9fff"}
    formal: list[str] = []
    for syn in active_synonyms():
        if syn.formal not in formal and chars & set(syn.colloquial):
            formal.append(syn.formal)
        if len(formal) >= 8:
            break
    return {"terms": formal, "popular": selectors.popular_items()}


def search_page(request: HttpRequest) -> HttpResponse:
    """The public search page; results (with the matches marked) are an htmx fragment of it."""
    form = SearchForm(request.GET or None, departments=selectors.filter_departments())
    data = form.cleaned_data if form.is_valid() else {}
    q = (data.get("q") or "").strip()
    page_number = max(1, min(int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1, 100))
    context: dict[str, Any] = {"form": form, "q": q, "searched": bool(q), "examples": ["办健康证", "开饭店",
                               "上户口", "交社保", "开网店", "办退休", "二手房过户", "营业执照丢了"]}
    if q:
        filters = engine.Filters(department=data.get("department"), task_type=data.get("type") or "",
                                 level=data.get("level") or "", flags=tuple(data.get("flag") or ()))
        try:
            result = engine.search(q, kind=data.get("kind") or "all", limit=PAGE_SIZE,
                                   offset=(page_number - 1) * PAGE_SIZE, filters=filters)
        except DomainError as exc:
            context["error"] = exc.message
        else:
            terms = result.highlight_terms()
            context["results"] = [
                {**hit.as_dict(), "url": _result_url(hit.kind, hit.code, hit.id), "kind_label": KIND_LABELS[hit.kind],
                 "marked": mark_safe(highlight(hit.title, terms))}  # noqa: S308 — highlight() escapes the title
                for hit in result.hits]
            context["total"] = result.total
            context["took_ms"] = result.took_ms
            pages = Paginator(range(min(result.total, 100 * PAGE_SIZE)), PAGE_SIZE)
            context["page"] = pages.get_page(page_number) if result.total else None
            params = request.GET.copy()
            params.pop("page", None)
            context["query_string"] = params.urlencode()
            if not result.hits:
                context["suggestions"] = _suggestions(q)
    return render_page(request, "catalog/search.html", "catalog/partials/_results.html", context)


def item_page(request: HttpRequest, code: str) -> HttpResponse:
    """One item: what to bring, the steps, time limits, fee, basis, where it can be done, and its guides."""
    item = selectors.item_get(code=code)
    return render(request, "catalog/item.html", {
        "item": item, "task_type": TaskType(item.task_type).label if item.task_type in TaskType.values else "",
        "guides": selectors.item_guides(item=item), "scenarios": selectors.item_scenarios(item=item),
    })


def guide_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One guide, laid out to print cleanly."""
    guide = selectors.guide_get(pk=pk)
    return render(request, "catalog/guide.html", {"guide": guide, "level": GuideLevel(guide.level).label})


def scenario_list(request: HttpRequest) -> HttpResponse:
    """Every 一件事一次办 scenario."""
    return render(request, "catalog/scenarios.html", {"scenarios": selectors.scenario_list()})


def scenario_page(request: HttpRequest, code: str) -> HttpResponse:
    """A scenario: its items, the merged materials and steps, and what doing them together saves."""
    scenario, items = selectors.scenario_get(code=code)
    return render(request, "catalog/scenario.html", {"scenario": scenario, "items": items,
                                                     "plan": scenario_math.plan(items)})


@login_required
def synonyms(request: HttpRequest) -> HttpResponse:
    """The colloquial-term table (admins): search, add; editing marks the search index stale."""
    q = request.GET.get("q", "").strip()[:50]
    rows = selectors.synonym_list(user=request.user, q=q)
    form = SynonymForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.synonym_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已添加；搜索索引将在后台重建。")
            return redirect(f"{request.path}?{urlencode({'q': form.cleaned_data['colloquial']})}")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "catalog/synonyms.html", {"page": page, "form": form, "q": q,
                                                     "state": selectors.search_state()})


@login_required
def synonym_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change one row."""
    synonym = selectors.synonym_get(user=request.user, pk=pk)
    form = SynonymForm(request.POST or None, initial={"colloquial": synonym.colloquial, "formal": synonym.formal,
                                                      "note": synonym.note})
    if request.method == "POST" and form.is_valid():
        try:
            services.synonym_update(actor=request.user, pk=pk, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存；搜索索引将在后台重建。")
            return redirect("catalog:synonyms")
    return render(request, "catalog/synonym_edit.html", {"form": form, "synonym": synonym})


@login_required
@require_POST
def synonym_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove one row."""
    services.synonym_delete(actor=request.user, pk=pk)
    messages.success(request, "已删除；搜索索引将在后台重建。")
    return redirect("catalog:synonyms")


@login_required
@require_POST
def reindex(request: HttpRequest) -> HttpResponse:
    """Rebuild the search index now."""
    result = services.reindex_now(actor=request.user)
    messages.success(request, f"索引已重建：事项 {result['items']}，指南 {result['guides']}，场景 {result['scenarios']}，"
                              f"用时 {result['seconds']} 秒。")
    return redirect("catalog:synonyms")
