"""Back office (Django admin, in Chinese) for residents, households, addresses, tags and import jobs.

ID numbers and phones appear masked only: the form takes a new number but never shows the stored
one. Residents are saved through ``people.services`` so the audit log and the checks are the same
as on the pages; every list is limited to what the user may see.
"""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.services import record
from lib import crypto, idcard, phone
from org.admin import RegionScopedAdmin

from . import services
from .models import Address, Household, ImportJob, Resident, Tag, registry_of

ScopedAdmin = RegionScopedAdmin  # every list limited to what the user may see, and the related choices too


class ResidentAdminForm(forms.ModelForm):
    id_number = forms.CharField(
        label=_("身份证号"), max_length=18, required=False, help_text=_("填写新号码以登记或更换；留空表示不修改。")
    )
    phone = forms.CharField(label=_("手机"), max_length=20, required=False, help_text=_("留空表示不修改。"))

    class Meta:
        model = Resident
        fields = ["name", "region", "household", "relation", "tags", "note"]

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        if not value:
            return ""
        try:
            number = idcard.validate(value)
        except idcard.IdNumberError as exc:
            raise forms.ValidationError(str(exc)) from None
        region = self.cleaned_data.get("region") or getattr(self.instance, "region", None)
        if region is None:
            return number  # the region's own error is shown; the service checks the number again
        others = Resident.objects.filter(registry=registry_of(region), id_number_hash=crypto.lookup_hash(number))
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("已有相同身份证号的居民。"))
        return number

    def clean_phone(self):
        return phone.clean(self.cleaned_data["phone"], landline=True)


@admin.register(Resident)
class ResidentAdmin(ScopedAdmin):
    form = ResidentAdminForm
    list_display = ["name", "id_number_masked", "phone_masked", "gender", "birth_date", "region", "household"]
    list_filter = ["gender", "tags", "region"]
    search_fields = ["name", "household__address__road"]
    list_select_related = ["region", "household__address"]
    autocomplete_fields = ["region", "household"]
    readonly_fields = ["id_number_masked", "phone_masked", "gender", "birth_date", "created_at", "updated_at"]
    fieldsets = (
        (None, {"fields": ("name", "region", "household", "relation", "tags", "note")}),
        (_("身份信息（只显示遮盖后的号码）"), {"fields": ("id_number_masked", "id_number", "phone_masked", "phone")}),
        (_("系统信息"), {"fields": ("gender", "birth_date", "created_at", "updated_at")}),
    )
    actions = None  # no bulk delete: each deletion is audited one by one

    def get_search_results(self, request, queryset, search_term):
        # a full ID number or phone typed in the search box is matched by its digest
        if idcard.is_valid(search_term) or phone.is_valid(search_term, landline=True):
            return queryset.search(search_term), False
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        d = form.cleaned_data
        fields = {k: d.get(k) for k in ("name", "region", "household", "relation", "note")}
        fields["relation"] = fields["relation"] or ""
        if change:
            saved = services.resident_update(
                resident=obj,
                by=request.user,
                request=request,
                id_number=d["id_number"] or None,
                phone=d["phone"] or None,
                **fields,
            )
        else:
            saved = services.resident_create(
                by=request.user, request=request, id_number=d["id_number"], phone=d["phone"], **fields
            )
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        services.resident_set_tags(resident=form.instance, tags=list(form.cleaned_data["tags"]), by=request.user)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @transaction.atomic
    def delete_model(self, request, obj):
        record(actor=request.user, action="people.resident.delete", obj=obj, request=request, detail={"姓名": obj.name})
        obj.delete()


class MemberInline(admin.TabularInline):
    model = Resident
    fields = readonly_fields = ("name", "relation", "id_number_masked", "phone_masked")
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class AuditedAdmin(ScopedAdmin):
    """Plain back-office edits of a small model, each written to the audit log."""

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        verb = "update" if change else "create"
        record(
            actor=request.user,
            action=f"{obj._meta.label_lower}.{verb}",
            obj=obj,
            request=request,
            detail={"字段": form.changed_data},
        )

    @transaction.atomic
    def delete_model(self, request, obj):
        record(actor=request.user, action=f"{obj._meta.label_lower}.delete", obj=obj, request=request)
        obj.delete()

    actions = None


@admin.register(Household)
class HouseholdAdmin(AuditedAdmin):
    list_display = ["__str__", "region", "created_at"]
    search_fields = ["name", "address__road", "address__lane"]
    list_select_related = ["region", "address"]
    autocomplete_fields = ["region", "address"]
    inlines = [MemberInline]


@admin.register(Address)
class AddressAdmin(AuditedAdmin):
    list_display = ["text", "region", "latitude", "longitude"]
    search_fields = ["road", "lane", "number"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


@admin.register(ImportJob)
class ImportJobAdmin(ScopedAdmin):
    list_display = ["created_at", "kind", "filename", "status", "done", "total", "created_by", "region"]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
