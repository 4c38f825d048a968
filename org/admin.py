"""Back office (Django admin, in Chinese) for the region tree, units, users and memberships."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Membership, Region, Unit, User


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0
    fields = ["name", "kind", "phone", "is_active"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "kind", "code", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    inlines = [UnitInline]

    @admin.display(description=_("名称"), ordering="path")
    def indented_name(self, obj):
        return "　" * obj.depth + obj.name  # full-width spaces show the tree in the list


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "region__name"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["region", "unit"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "roles_text", "is_active", "last_login"]
    search_fields = ["username", "display_name"]
    list_filter = ["is_active", "is_staff", "is_superuser", "memberships__role"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("display_name", "phone", "email")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "display_name", "password1", "password2")}),)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("memberships__region")

    @admin.display(description=_("角色"))
    def roles_text(self, obj):
        return "；".join(f"{m.region.name}·{m.get_role_display()}" for m in obj.memberships.all())


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "region", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__display_name", "region__name"]
    autocomplete_fields = ["user", "region", "unit"]
    list_select_related = ["user", "region", "unit"]
