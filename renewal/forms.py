from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from org.models import User

from .models import Certificate, CompensationPlan, ConsultationEntry, Mediation, PlanItem

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class VoteForm(forms.Form):
    vote = forms.ChoiceField(label=_("一轮意愿"), choices=Certificate.Vote.choices, widget=forms.RadioSelect)
    at = forms.DateTimeField(label=_("投票时间"), widget=DATETIME, required=False, help_text=_("留空为现在"))


class SignForm(forms.Form):
    choice = forms.ChoiceField(label=_("安置方式"), choices=Certificate.Choice.choices, widget=forms.RadioSelect)
    at = forms.DateTimeField(
        label=_("签约时间（精确到分钟）"), widget=DATETIME, required=False, help_text=_("留空为现在")
    )


class MovingForm(forms.Form):
    moved_at = forms.DateTimeField(label=_("搬离时间"), widget=DATETIME, required=False)
    handed_over_at = forms.DateTimeField(label=_("交房时间"), widget=DATETIME, required=False)


class ReasonForm(forms.Form):
    reason = forms.ChoiceField(label=_("未签约原因"), choices=[("", "—"), *Certificate.Reason.choices], required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    owner = forms.ModelChoiceField(label=_("负责人"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners if owners is not None else User.objects.none()


class ConsultationForm(forms.ModelForm):
    class Meta:
        model = ConsultationEntry
        fields = ["channel", "asked", "answer"]
        widgets = {"asked": forms.Textarea(attrs={"rows": 3}), "answer": forms.Textarea(attrs={"rows": 3})}


class PlanForm(forms.ModelForm):
    class Meta:
        model = CompensationPlan
        fields = ["average_price", "subsidy_coefficient", "type_area", "conversion_price", "area_rounding", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class PlanItemForm(forms.ModelForm):
    tiers = forms.JSONField(
        label=_("分档（JSON）"),
        required=False,
        initial=list,
        help_text=_(
            '日期分档：[{"until": "2022-03-10", "minimum": "50000"}]；比例分档：[{"ratio": "0.85", "minimum": "10000"}]'
        ),
    )

    class Meta:
        model = PlanItem
        fields = [
            "order",
            "name",
            "kind",
            "rate",
            "minimum",
            "tiers",
            "basis",
            "person_kind",
            "window_start",
            "window_end",
            "requires_effect",
            "min_ratio",
            "choice",
        ]
        widgets = {
            "window_start": forms.DateInput(attrs={"type": "date"}),
            "window_end": forms.DateInput(attrs={"type": "date"}),
        }

    def clean_tiers(self):
        return self.cleaned_data.get("tiers") or []


class FlatPriceRow(forms.Form):
    label = forms.CharField(label=_("目标区域/房源"), max_length=40, required=False)
    price = forms.DecimalField(
        label=_("单价（元/㎡）"), min_value=Decimal("1"), max_digits=12, decimal_places=2, required=False
    )
    new_flat = forms.BooleanField(label=_("新房"), required=False, initial=True)


FlatPriceFormSet = forms.formset_factory(FlatPriceRow, extra=0, min_num=1, max_num=8)


class FlatSettingsForm(forms.Form):
    first_home = forms.BooleanField(label=_("首套住房"), required=False, initial=True)
    savings = forms.DecimalField(
        label=_("自有存款（元）"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    loan = forms.DecimalField(label=_("贷款（元）"), min_value=0, max_digits=14, decimal_places=2, required=False)
    persons = forms.IntegerField(label=_("共有人数（示意）"), min_value=1, max_value=20, required=False)
    include_conditional = forms.BooleanField(
        label=_("计入待定奖励（按期签约、方案生效时）"), required=False, initial=True
    )


class MediationForm(forms.ModelForm):
    class Meta:
        model = Mediation
        fields = ["subject", "parties"]
        widgets = {"parties": forms.Textarea(attrs={"rows": 3})}


class MediationSessionForm(forms.Form):
    at = forms.DateTimeField(label=_("时间"), widget=DATETIME)
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    attendees = forms.CharField(label=_("到场人员"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    notes = forms.CharField(label=_("调解情况"), widget=forms.Textarea(attrs={"rows": 3}))


class MediationCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("结果"),
        choices=[(v, label) for v, label in Mediation.Outcome.choices if v != Mediation.Outcome.OPEN],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(label=_("调解协议要点或诉讼引导说明"), widget=forms.Textarea(attrs={"rows": 3}))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("权证表（.xlsx）"))
