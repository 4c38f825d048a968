from django.contrib import admin

from org.admin import RegionScopedAdmin

from . import services
from .models import Commitment, Organisation, RegularShift, ServiceRecord, Skill, Volunteer


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "category_codes"]


@admin.register(Organisation)
class OrganisationAdmin(RegionScopedAdmin):
    list_display = ["unit", "contact_name", "contact_phone"]
    filter_horizontal = ["regions"]


@admin.register(Commitment)
class CommitmentAdmin(RegionScopedAdmin):
    scope_field = "organisation__unit__region"
    list_display = ["title", "organisation", "period", "times_per_period", "year"]


@admin.register(Volunteer)
class VolunteerAdmin(RegionScopedAdmin):
    list_display = ["name", "region", "status", "phone_masked"]
    list_filter = ["status"]
    search_fields = ["name"]
    # State changes (approval) go through the pages and services.volunteer_decide.
    readonly_fields = ["status", "approved_by", "approved_at", "id_number_masked", "phone_masked", "duplicate_of"]
    exclude = ["user"]


@admin.register(ServiceRecord)
class ServiceRecordAdmin(RegionScopedAdmin):
    """Read-only: the ledger is never edited in place (corrections go through the organiser)."""

    list_display = ["volunteer", "date", "activity", "hours", "source", "verified_at"]
    list_filter = ["source"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RegularShift)
class RegularShiftAdmin(RegionScopedAdmin):
    scope_field = "region"
    """Created through services.regular_shift_create (audited); a changed duty is a new row."""

    list_display = ["volunteer", "activity", "days", "start_time", "end_time", "first_date", "last_date"]
    list_filter = ["days"]
    exclude = ["created_by"]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def save_model(self, request, obj, form, change):
        fields = {f: getattr(obj, f) for f in ("volunteer", "activity", "place", "region", "days", "weekdays")}
        times = {f: getattr(obj, f) for f in ("start_time", "end_time", "first_date", "last_date")}
        created = services.regular_shift_create(by=request.user, **fields, **times)
        obj.pk = created.pk
