"""Back office: keyword rules are edited here or on /insight/keywords/ (both through
insight.actions.store, so the audit log has every change); model versions, suggestions and hot spots
are read-only records."""

from django.contrib import admin

from org.admin import RegionScopedAdmin

from .actions import store
from .models import HotSpot, KeywordRule, RoutingModel, Suggestion


@admin.register(KeywordRule)
class KeywordRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "keywords", "is_active", "updated_at", "updated_by"]
    list_filter = ["is_active"]
    search_fields = ["keywords", "category__name"]
    fields = ["category", "keywords", "is_active"]

    def save_model(self, request, obj, form, change):
        saved = store.keyword_rule_save(
            category=obj.category, keywords=obj.keywords, by=request.user, is_active=obj.is_active
        )
        obj.pk = saved.pk


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RoutingModel)
class RoutingModelAdmin(ReadOnly):
    list_display = ["version", "trained_at", "n_cases", "accuracy", "top3", "threshold", "is_active"]
    exclude = ["blob"]


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnly, RegionScopedAdmin):
    list_display = ["case", "source", "model", "category", "confidence", "auto_dispatched", "accepted", "created_at"]
    list_filter = ["source", "auto_dispatched", "accepted"]
    raw_id_fields = ["case"]


@admin.register(HotSpot)
class HotSpotAdmin(ReadOnly, RegionScopedAdmin):
    list_display = ["place", "topic", "count", "heat", "region", "as_of"]
    list_filter = ["as_of"]
    raw_id_fields = ["cases"]
