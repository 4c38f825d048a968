from django.contrib import admin

from .models import Commitment, Organisation, ServiceRecord, Skill, Volunteer


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "category_codes"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["unit", "contact_name", "contact_phone"]
    filter_horizontal = ["regions"]


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "period", "times_per_period", "year"]


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "status", "phone_masked"]
    list_filter = ["status"]
    search_fields = ["name"]
    # State changes (approval) go through the pages and services.volunteer_decide.
    readonly_fields = ["status", "approved_by", "approved_at", "id_number_masked", "phone_masked"]
    exclude = ["user"]


@admin.register(ServiceRecord)
class ServiceRecordAdmin(admin.ModelAdmin):
    """Read-only: the ledger is never edited in place (corrections go through the organiser)."""

    list_display = ["volunteer", "date", "activity", "hours", "source", "verified_at"]
    list_filter = ["source"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
