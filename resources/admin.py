"""Back office for resource reference data: the resources themselves with their rules, opening
hours and closed dates, and the booking groups. Bookings change only through the pages
(resources.services), so they are read-only here."""

from django.contrib import admin

from org.admin import RegionScopedAdmin

from .models import Booking, BookingGroup, ClosedDate, OpeningHours, Resource, ResourceGrant, WaitlistEntry


class HoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosedInline(admin.TabularInline):
    model = ClosedDate
    extra = 0


@admin.register(Resource)
class ResourceAdmin(RegionScopedAdmin):
    list_display = ["name", "kind", "region", "unit", "requires_approval", "is_active"]
    list_filter = ["kind", "requires_approval", "is_active"]
    search_fields = ["name"]
    raw_id_fields = ["address"]
    filter_horizontal = ["allowed_groups", "allowed_regions"]
    inlines = [HoursInline, ClosedInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "kind",
                    "region",
                    "unit",
                    "address",
                    "location_note",
                    "description",
                    "capacity",
                    "contact_name",
                    "contact_phone",
                    "is_active",
                ]
            },
        ),
        (
            "预约规则",
            {
                "fields": [
                    "allowed_groups",
                    "allowed_regions",
                    "slot_minutes",
                    "min_minutes",
                    "max_minutes",
                    "min_notice_minutes",
                    "max_days_ahead",
                    "buffer_minutes",
                    "weekly_quota_minutes",
                    "requires_approval",
                    "closed_on_holidays",
                    "checkin_grace_minutes",
                    "offer_minutes",
                ]
            },
        ),
    ]


@admin.register(BookingGroup)
class BookingGroupAdmin(RegionScopedAdmin):
    list_display = ["name", "region"]
    filter_horizontal = ["members"]


class ReadOnlyAdmin(RegionScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = ["resource", "user", "start", "end", "status"]
    list_filter = ["status", "resource"]
    date_hierarchy = "start"


@admin.register(WaitlistEntry)
class WaitlistAdmin(ReadOnlyAdmin):
    scope_field = "resource__region"
    list_display = ["resource", "user", "start", "end", "status"]
    list_filter = ["status"]


@admin.register(ResourceGrant)
class GrantAdmin(ReadOnlyAdmin):
    scope_field = "resource__region"
    list_display = ["case", "resource", "user", "kind", "granted_at"]
