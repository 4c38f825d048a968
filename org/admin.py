"""Back office (Django admin, in Chinese) for the region tree, units, users and memberships, and the one rule every
back-office page follows: ``RegionScopedAdmin``.

A staff account sees in ``/admin/`` only what the pages would show it: rows of its regions (through the model's own
``visible_to`` or ``scope_field``), and the choices of every related field (regions, users, residents …) limited the
same way, so a POSTed id outside them is a form error. Superusers are the technical administrators and see
everything. Roles are granted only by an administrator of the region above, never to oneself
(``MembershipRules``); Django's own permission tables (groups, per-user permissions, the superuser flag) and API tokens
are for superusers only.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from .models import STAFF_ROLES, Membership, Region, Role, Unit, User
from .scoping import is_within, region_q


def scoped(queryset, user, *, field=None, roles=STAFF_ROLES):
    """``queryset`` limited to what ``user`` may see: the model's ``visible_to`` when it has one and no ``field`` is
    named, else the rows whose ``field`` region lies in the user's regions held with ``roles``."""
    if field is None and hasattr(queryset, "visible_to"):
        return queryset.visible_to(user)
    return queryset.filter(region_q(user, roles=roles, field=field or "region"))


def visible_users(user):
    """Accounts a member of staff may look up in the back office: those with a membership in their regions."""
    if user.is_superuser:
        return User.objects.all()
    return User.objects.filter(
        pk__in=Membership.objects.filter(region_q(user, roles=STAFF_ROLES)).values("user_id")
    ).distinct()


class ScopedChoices:
    """Related-field choices limited to the user's scope (Region, Unit, User, and any model whose admin is scoped)."""

    def _limit(self, model, request):
        if model is Region:
            return Region.objects.filter(region_q(request.user, roles=STAFF_ROLES, field=""))
        if model is User:
            return visible_users(request.user)
        if model is Unit:
            return Unit.objects.filter(region_q(request.user, roles=STAFF_ROLES))
        related = self.admin_site._registry.get(model)
        if isinstance(related, RegionScopedAdmin):
            return related.get_queryset(request)
        return None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = self._limit(db_field.related_model, request)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        choices = self._limit(db_field.related_model, request)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class RegionScopedAdmin(ScopedChoices, admin.ModelAdmin):
    """A ModelAdmin for rows that hold personal data or cases: lists, search, detail and every change are limited to
    the user's regions (an object outside answers like a missing one), and so are the choices of related fields."""

    #: lookup from the row to its Region (or to a path copy ending in "path"); None: the queryset's ``visible_to``
    scope_field: str | None = None
    scope_roles = STAFF_ROLES

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user, field=self.scope_field, roles=self.scope_roles)


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Pages only the technical administrators (superusers) may open, whatever Django permissions an account has."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


# Memberships ------------------------------------------------------------------------------------------------------
def may_grant(user, region: Region, member=None) -> bool:
    """Whether ``user`` may grant, change or take away a role in ``region`` (for ``member``): superusers anywhere,
    an administrator (role admin) only strictly below their own region — never in it, never to themselves."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    if member is not None and member.pk == user.pk:
        return False
    above = [m.region.path for m in user.memberships.select_related("region") if m.role == Role.ADMIN]
    return any(region.path != p and is_within(region, p) for p in above)


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "region", "role", "unit"]

    request_user = None  # set per request by the admin (get_form / get_formset)

    def clean(self):
        data = super().clean()
        if self.request_user is None or (self.instance.pk and not self.has_changed()):
            return data
        member = data.get("user") or getattr(self.instance, "user", None)
        regions = [data.get("region")]
        if self.instance.pk:  # moving a role away from a region needs the right over that region too
            regions.append(Membership.objects.get(pk=self.instance.pk).region)
        if any(r is not None and not may_grant(self.request_user, r, member) for r in regions):
            raise forms.ValidationError(REFUSED)
        return data


REFUSED = _("只有上级辖区的系统管理员可以授予或更改这个辖区的角色，且不能给自己授权。")


class MembershipFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            m = form.instance
            if m.pk and not may_grant(form.request_user, m.region, m.user):
                raise forms.ValidationError(REFUSED)


class MembershipRules(ScopedChoices):
    """Shared by the membership list and the user page's inline (each with ``MembershipForm``): who may see, add,
    change and delete."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(region_q(request.user, roles=STAFF_ROLES))

    def _may_change(self, request, obj):
        if obj is None:
            return request.user.is_superuser or request.user.has_role(Role.ADMIN)
        return may_grant(request.user, obj.region, obj.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_change(request, obj)


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


class MembershipInline(MembershipRules, admin.TabularInline):
    model = Membership
    form = MembershipForm
    formset = MembershipFormSet
    extra = 1
    autocomplete_fields = ["region", "unit"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type("MembershipForm", (formset.form,), {"request_user": request.user})
        return formset

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._may_change(request, None)

    def has_change_permission(self, request, obj=None):
        # obj is the user on the page: rows are checked one by one in the form
        return admin.TabularInline.has_change_permission(self, request, obj) and self._may_change(request, None)

    def has_delete_permission(self, request, obj=None):
        return admin.TabularInline.has_delete_permission(self, request, obj) and self._may_change(request, None)


PERMISSION_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


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
        users = super().get_queryset(request).prefetch_related("memberships__region")
        return users if request.user.is_superuser else users.filter(pk__in=visible_users(request.user))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, *PERMISSION_FIELDS]

    def has_change_permission(self, request, obj=None):
        """Accounts (passwords, names, activity) change only by a superuser, or by an administrator of a region
        above every role the account holds — not their own account's, not a superuser's."""
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        if obj.pk == request.user.pk or obj.is_superuser:
            return False
        regions = [m.region for m in obj.memberships.select_related("region")]
        return all(may_grant(request.user, r, obj) for r in regions)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.has_change_permission(request, obj)

    @admin.display(description=_("角色"))
    def roles_text(self, obj):
        return "；".join(f"{m.region.name}·{m.get_role_display()}" for m in obj.memberships.all())


@admin.register(Membership)
class MembershipAdmin(MembershipRules, admin.ModelAdmin):
    form = MembershipForm
    list_display = ["user", "region", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__display_name", "region__name"]
    autocomplete_fields = ["user", "region", "unit"]
    list_select_related = ["user", "region", "unit"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type("MembershipForm", (form,), {"request_user": request.user})

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._may_change(request, None)


# Django's own permission tables and the API tokens: superusers only (a group or a per-user permission granted by a
# staff account to itself would be a way around the roles above; a token is a password).
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SuperuserOnlyAdmin, BaseGroupAdmin):
    pass


# DRF's token admin registers itself when imported: replaced by a superuser-only one.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)

    @admin.register(TokenProxy)
    class SuperuserTokenAdmin(SuperuserOnlyAdmin, TokenAdmin):
        pass
