from django.contrib import admin

from org.admin import RegionScopedAdmin

from .models import Certificate, CompensationPlan, Plot, RenewalProject


class PlotInline(admin.TabularInline):
    model = Plot
    extra = 0


@admin.register(RenewalProject)
class RenewalProjectAdmin(RegionScopedAdmin):
    """Dates, thresholds and the buying-cost settings of a plot (the flat-size sheet reads them)."""

    list_display = ["name", "region", "signing_start", "signing_end", "round2_threshold", "final_ratio"]
    inlines = [PlotInline]
    readonly_fields = ["final_ratio", "took_effect", "closed_at"]


@admin.register(CompensationPlan)
class CompensationPlanAdmin(RegionScopedAdmin):
    scope_field = "project__region"
    """Read-only: plans are edited and published on the plot's pages (renewal.services)."""

    list_display = ["project", "version", "status", "published_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Certificate)
class CertificateAdmin(RegionScopedAdmin):
    """Read-only: certificates change through imports and the household page (audited services)."""

    list_display = ["number", "project", "address", "holder_kind", "signed_at"]
    list_filter = ["project", "kind", "holder_kind"]
    search_fields = ["number", "address"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
