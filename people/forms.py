from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lib import idcard, phone
from org.models import Region

from .models import Resident, Tag
from .services import assignable_regions


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: field errors on their fields, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region):
        return f"{region.parent.name} › {region.name}" if region.kind == Region.Kind.GRID else region.name


class ResidentForm(forms.Form):
    """Create and edit a resident. On edit the ID number field stays empty (never sent to the
    browser unmasked); filling it in replaces the number."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("身份证号"), max_length=18, required=False, help_text=_("18 位，最后一位可以是 X。")
    )
    phone = forms.CharField(label=_("手机"), max_length=20, required=False)
    region = RegionChoiceField(label=_("所属居委/网格"), queryset=Region.objects.none())
    road = forms.CharField(label=_("路"), max_length=50, required=False)
    lane = forms.CharField(label=_("弄"), max_length=20, required=False)
    number = forms.CharField(label=_("号"), max_length=20, required=False)
    room = forms.CharField(label=_("室"), max_length=20, required=False)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Resident.Relation.choices, required=False)
    tags = forms.ModelMultipleChoiceField(
        label=_("标签"), queryset=Tag.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    # the version the editor saw; a save by someone else in between is refused, never overwritten
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, resident: Resident | None = None, **kwargs):
        self.resident = resident
        if resident is not None and "initial" not in kwargs:
            address = resident.household.address if resident.household is not None else None
            kwargs["initial"] = {
                "name": resident.name,
                "region": resident.region_id,
                "relation": resident.relation,
                "tags": list(resident.tags.all()),
                "note": resident.note,
                "road": address.road if address else "",
                "lane": address.lane if address else "",
                "number": address.number if address else "",
                "room": address.room if address else "",
                "version": resident.updated_at.isoformat(),
            }
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["region"]).queryset = assignable_regions(user).select_related("parent")
        if resident is not None:
            masked = resident.id_number_masked or _("未登记")
            self.fields["id_number"].help_text = _("当前：%(masked)s。留空表示不修改。") % {"masked": masked}
            self.fields["phone"].help_text = _("当前：%(masked)s。留空表示不修改。") % {
                "masked": resident.phone_masked or _("未登记")
            }
        else:
            self.fields["id_number"].required = True

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        if not value:
            return ""
        try:
            return idcard.validate(value)
        except idcard.IdNumberError as exc:
            raise ValidationError(str(exc)) from None

    def clean_phone(self):
        return phone.clean(self.cleaned_data["phone"], landline=True)

    def clean(self):
        data = super().clean()
        if not data.get("road") and any(data.get(k) for k in ("lane", "number", "room")):
            self.add_error("road", _("填写了弄、号或室时，请同时填写路名。"))
        return data

    @property
    def address_parts(self) -> dict | None:
        d = self.cleaned_data
        if not d.get("road"):
            return None
        return {k: d.get(k, "") for k in ("road", "lane", "number", "room")}


class ImportForm(forms.Form):
    region = RegionChoiceField(label=_("导入到辖区"), queryset=Region.objects.none(), empty_label=None)
    file = forms.FileField(
        label=_("Excel 文件"),
        help_text=_("请使用下载的模板（.xlsx）。整份文件检查通过才会导入。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
