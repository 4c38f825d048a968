"""Back office for care data. State changes (pauses, ending a service, alerts) go through the pages,
which call care.services; here staff fix reference data: kitchens, volunteers, subscriptions."""

from django.contrib import admin

from .models import CareRecipient, CareVolunteer, EmergencyContact, Kitchen, MealRound, MealSubscription, VisitPlan


class ContactInline(admin.TabularInline):
    model = EmergencyContact
    fields = ["order", "name", "relation", "phone_masked"]
    readonly_fields = ["phone_masked"]
    extra = 0


@admin.register(CareRecipient)
class CareRecipientAdmin(admin.ModelAdmin):
    list_display = ["resident", "region", "living", "status", "worker"]
    list_filter = ["status", "living"]
    search_fields = ["resident__name"]
    raw_id_fields = ["resident", "worker"]
    readonly_fields = ["status", "end_reason", "ended_on"]
    inlines = [ContactInline]


@admin.register(Kitchen)
class KitchenAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "serves_on_holidays", "lunch_start", "lunch_end", "is_active"]


@admin.register(CareVolunteer)
class CareVolunteerAdmin(admin.ModelAdmin):
    list_display = ["user", "kitchen", "capacity", "visit_partners", "mode", "is_active"]
    raw_id_fields = ["user"]


@admin.register(MealSubscription)
class MealSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kitchen", "meal", "weekdays", "price", "subsidy", "volunteer", "starts_on", "ends_on"]
    raw_id_fields = ["recipient", "volunteer"]


@admin.register(MealRound)
class MealRoundAdmin(admin.ModelAdmin):
    list_display = ["kitchen", "date", "meal", "window_start", "window_end", "status"]
    list_filter = ["kitchen", "meal", "status"]
    date_hierarchy = "date"
    readonly_fields = ["status", "planned_distance_m", "version"]


@admin.register(VisitPlan)
class VisitPlanAdmin(admin.ModelAdmin):
    list_display = ["recipient", "visitor", "every_days", "next_due", "is_active"]
    raw_id_fields = ["recipient", "visitor"]
