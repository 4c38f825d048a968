from django.contrib import admin

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "to_masked", "purpose", "status", "attempts"]
    list_filter = ["channel", "status", "purpose"]
    readonly_fields = [f.name for f in Message._meta.fields if f.name not in ("to_encrypted", "to_hash")]
    exclude = ["to_encrypted", "to_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
