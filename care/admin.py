"""Back office for care data. Recipients, their contacts, their meal subscriptions and visit pairings are read-only
here: enrolling, editing, pausing, ordering meals and ending a service go through the care pages,
which call care.actions (region from the resident, audit, rounds regenerated). Here staff keep
reference data: kitchens, volunteers and rounds' windows. Visit pairings are read-only too: the
page enforces the pairing limit (about five people per visitor)."""

from django.contrib import admin

from org.admin import RegionScopedAdmin

from .models import CareRecipient, CareVolunteer, EmergencyContact, Kitchen, MealRound, MealSubscription, VisitPlan


class ReadOnlyAdmin:
    """View only: the care pages are where these change, through care.actions."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ContactInline(ReadOnlyAdmin, admin.TabularInline):
    model = EmergencyContact
    fields = readonly_fields = ("order", "name", "relation", "phone_masked")
    extra = 0


@admin.register(CareRecipient)
class CareRecipientAdmin(ReadOnlyAdmin, RegionScopedAdmin):
    list_display = ["resident", "region", "living", "status", "worker"]
    list_filter = ["status", "living"]
    search_fields = ["resident__name"]
    inlines = [ContactInline]


@admin.register(Kitchen)
class KitchenAdmin(RegionScopedAdmin):
    list_display = ["name", "region", "serves_on_holidays", "lunch_start", "lunch_end", "is_active"]


@admin.register(CareVolunteer)
class CareVolunteerAdmin(RegionScopedAdmin):
    list_display = ["user", "kitchen", "capacity", "visit_partners", "mode", "is_active"]
    raw_id_fields = ["user"]


@admin.register(MealSubscription)
class MealSubscriptionAdmin(ReadOnlyAdmin, RegionScopedAdmin):
    scope_field = "recipient__region"
    list_display = ["recipient", "kitchen", "meal", "weekdays", "price", "subsidy", "volunteer", "starts_on", "ends_on"]
    raw_id_fields = ["recipient", "volunteer"]


@admin.register(MealRound)
class MealRoundAdmin(RegionScopedAdmin):
    list_display = ["kitchen", "date", "meal", "window_start", "window_end", "status"]
    list_filter = ["kitchen", "meal", "status"]
    date_hierarchy = "date"
    readonly_fields = ["status", "planned_distance_m", "version"]


@admin.register(VisitPlan)
class VisitPlanAdmin(ReadOnlyAdmin, RegionScopedAdmin):
    list_display = ["recipient", "visitor", "every_days", "next_due", "is_active"]
    raw_id_fields = ["recipient", "visitor"]
