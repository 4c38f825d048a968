from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from org.models import Region, Role, Unit
from org.scoping import visible_regions

from .models import Deed, DeedPhoto, Story

DATE = {"type": "date"}


class DeedForm(forms.ModelForm):
    case_numbers = forms.CharField(
        label=_("相关诉求编号"), required=False, help_text=_("多个编号用逗号或空格分隔，如 MH2021-000123")
    )

    class Meta:
        model = Deed
        fields = [
            "title",
            "region",
            "need",
            "work_done",
            "units",
            "partners",
            "volunteers",
            "started_on",
            "finished_on",
            "beneficiaries_count",
            "beneficiaries_kind",
            "cost",
            "consent_needed",
            "consent_obtained",
            "consent_note",
            "status",
            "verdict",
            "verdict_note",
        ]
        widgets = {
            "started_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "finished_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "units": forms.CheckboxSelectMultiple,
            "need": forms.Textarea(attrs={"rows": 3}),
            "work_done": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        regions = visible_regions(user).exclude(kind=Region.Kind.GRID)
        self.fields["region"].queryset = regions
        self.fields["units"].queryset = Unit.objects.filter(region__in=regions, is_active=True)
        if self.instance.pk:
            self.fields["case_numbers"].initial = " ".join(c.number for c in self.instance.cases.all() if c.number)

    def clean_case_numbers(self):

        numbers = [n for n in self.cleaned_data["case_numbers"].replace("，", ",").replace(",", " ").split() if n]
        found = {c.number: c for c in Case.objects.visible_to(self.user).filter(number__in=numbers)}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise forms.ValidationError(_("找不到这些诉求（或您无权查看）：%(n)s") % {"n": "、".join(missing)})
        return list(found.values())


class DeedPhotoForm(forms.ModelForm):
    class Meta:
        model = DeedPhoto
        fields = ["kind", "image", "caption"]


class StoryForm(forms.ModelForm):
    class Meta:
        model = Story
        fields = ["title", "region", "deed", "summary", "categories", "author_name", "body", "names_confirmed"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14}), "summary": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        regions = visible_regions(user).filter(kind__in=[Region.Kind.SUBDISTRICT, Region.Kind.DISTRICT])
        self.fields["region"].queryset = regions
        self.fields["region"].label = _("发布辖区（街道）")
        self.fields["deed"].queryset = Deed.objects.visible_to(user)
        self.fields["deed"].required = False


class StoryPhotoForm(forms.Form):
    image = forms.ImageField(label=_("图片"))
    caption = forms.CharField(label=_("说明"), max_length=200, required=False)
    as_head = forms.BooleanField(label=_("设为题图"), required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("意见"), max_length=300, required=False)


class MonthForm(forms.Form):
    month = forms.CharField(label=_("月份"), widget=forms.DateInput(attrs={"type": "month"}))
    region = forms.ModelChoiceField(label=_("辖区"), queryset=Region.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["region"].queryset = visible_regions(
            user, roles={Role.WORKER, Role.STAFF, Role.ADMIN, Role.LEADER}
        ).exclude(kind=Region.Kind.GRID)

    def clean_month(self):
        value = self.cleaned_data["month"]
        try:
            year, month = (int(p) for p in value.split("-"))
            if not 1 <= month <= 12 or year < 2000:
                raise ValueError
        except ValueError:
            raise forms.ValidationError(_("请按“2021-06”的格式填写月份。"))
        return year, month
