"""Admin views of core tables: entered calendar years are read-only here (enter them with `ztc calendar set`)."""

from django.contrib import admin

from .models import CalendarDay, CalendarYear


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0
    can_delete = False
    readonly_fields = ("date", "working")


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Shows what was entered and from which source; changes go through the audited service."""

    list_display = ("year", "source", "created_at")
    readonly_fields = ("year", "source", "created_at")
    inlines = [CalendarDayInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
