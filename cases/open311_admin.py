"""Back office for Open311: staff register a partner system and issue its key (shown once, stored
only as a digest), re-issue or disable keys, and define the questions (attributes) a service asks."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from org.admin import SuperuserOnlyAdmin

from . import open311_services
from .models import Open311Attribute, Open311Client


@admin.register(Open311Client)
class Open311ClientAdmin(SuperuserOnlyAdmin, admin.ModelAdmin):
    """Keys are passwords of whole partner systems: issued, re-issued and disabled by superusers only."""

    list_display = ["name", "region", "key_prefix", "is_active", "last_used_at", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "contact"]
    fields = [
        "name",
        "contact",
        "region",
        "user",
        "is_active",
        "answer_with_token",
        "note",
        "key_prefix",
        "created_by",
        "last_used_at",
    ]
    readonly_fields = ["key_prefix", "created_by", "last_used_at"]
    actions = ["reissue_keys"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key = open311_services.client_issue_key(client=obj, by=request.user)
        self._show_key(request, obj, key)

    def _show_key(self, request, obj, key):
        messages.warning(
            request,
            _("“%(name)s”的 api_key：%(key)s —— 只显示这一次，请立即通过安全渠道交给对接方；遗失后只能重新签发。")
            % {"name": obj.name, "key": key},
        )

    @admin.action(description=_("重新签发密钥（旧密钥立即失效）"))
    def reissue_keys(self, request, queryset):
        for client in queryset:
            key = open311_services.client_issue_key(client=client, by=request.user)
            self._show_key(request, client, key)


@admin.register(Open311Attribute)
class Open311AttributeAdmin(admin.ModelAdmin):
    list_display = ["category", "order", "code", "description", "datatype", "required"]
    list_filter = ["category", "datatype"]
    search_fields = ["code", "description"]
