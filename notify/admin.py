from django.contrib import admin

from org.admin import SuperuserOnlyAdmin

from .models import Message, Receipt

RECEIPT_FIELDS = ("attempt", "gateway", "kind", "ok", "vendor_id", "code", "detail", "at")


class ReceiptInline(admin.TabularInline):
    model = Receipt
    fields = RECEIPT_FIELDS
    readonly_fields = RECEIPT_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(SuperuserOnlyAdmin, admin.ModelAdmin):
    """The outbox holds whom each message went to and its text (names, case titles): superusers only."""

    list_display = [
        "created_at",
        "channel",
        "to_masked",
        "purpose",
        "status",
        "attempts",
        "next_attempt_at",
        "error",
        "delivery",
    ]
    list_filter = ["channel", "status", "delivery", "purpose"]
    readonly_fields = [f.name for f in Message._meta.fields if f.name not in ("to_encrypted", "to_hash")]
    exclude = ["to_encrypted", "to_hash"]
    inlines = [ReceiptInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
