"""Back office: staff edit the category tree (names, deadlines) and routing rules here. Cases
themselves change only through the workflow pages (cases.actions), so they are read-only."""

from django.contrib import admin

from org.admin import RegionScopedAdmin

from .models import Case, CaseEvent, Category, RoutingRule


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent", "first_contact_days", "resolve_days", "complex_days", "rehandle_days",
                    "is_active"]  # fmt: skip
    list_editable = ["resolve_days", "is_active"]
    list_filter = ["parent", "is_active"]
    search_fields = ["name", "code"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(RegionScopedAdmin):
    scope_field = "region"
    list_display = ["region", "category", "main_unit", "auto_dispatch"]
    list_filter = ["auto_dispatch", "category"]
    autocomplete_fields = []
    filter_horizontal = ["co_units"]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "kind", "actor_name", "note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(RegionScopedAdmin):
    list_display = ["number", "title", "category", "region", "status", "main_unit", "created_at"]
    list_filter = ["status", "channel", "category"]
    search_fields = ["number", "title"]
    inlines = [CaseEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Open311 partner systems and service attributes live in their own module.
from . import open311_admin  # noqa: E402, F401
