"""Back-office view of the audit log: read-only for everyone, superusers included."""

from django.contrib import admin

from org.admin import RegionScopedAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(RegionScopedAdmin):
    list_display = ["at", "actor_name", "kind", "action", "object_repr", "region", "ip"]
    list_filter = ["kind", "at"]
    search_fields = ["actor_name", "action", "object_repr", "object_id"]
    date_hierarchy = "at"
    list_select_related = ["region"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    actions = None  # no "delete selected"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
