"""Django admin for the synonym table: saves go through the services, so the index is marked stale and rebuilt."""

from typing import Any

from django.contrib import admin

from . import services
from .models import SearchSynonym


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    """The colloquial → formal table; every change queues a rebuild of the search index."""

    list_display = ("colloquial", "formal", "note", "updated_at")
    search_fields = ("colloquial", "formal", "note")

    def save_model(self, request: Any, obj: SearchSynonym, form: Any, change: bool) -> None:
        """Create or update through the services (audited, index marked stale)."""
        data = {"colloquial": obj.colloquial, "formal": obj.formal, "note": obj.note}
        if change:
            saved = services.synonym_update(actor=request.user, pk=obj.pk, **data)
        else:
            saved = services.synonym_create(actor=request.user, **data)
        obj.pk = saved.pk

    def delete_model(self, request: Any, obj: SearchSynonym) -> None:
        """Delete through the services."""
        services.synonym_delete(actor=request.user, pk=obj.pk)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        """Bulk delete, one audited service call per row."""
        for pk in list(queryset.values_list("pk", flat=True)):
            services.synonym_delete(actor=request.user, pk=pk)
