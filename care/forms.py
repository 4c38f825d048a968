from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CareRecipient, Pause, WellState


class DateInput(forms.DateInput):
    input_type = "date"


class PauseForm(forms.Form):
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput)
    ends_on = forms.DateField(label=_("结束日期"), required=False, widget=DateInput, help_text=_("不填表示待定"))
    reason = forms.CharField(label=_("原因"), max_length=200, help_text=_("如：住院、去子女家"))
    requested_by = forms.ChoiceField(label=_("提出人"), choices=Pause.RequestedBy.choices)

    def clean(self):
        data = super().clean()
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        return data


class EndForm(forms.Form):
    reason = forms.ChoiceField(label=_("结束原因"), choices=CareRecipient.EndReason.choices)
    on = forms.DateField(label=_("自哪天起"), widget=DateInput)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class SafeForm(forms.Form):
    note = forms.CharField(
        label=_("如何确认安全"), max_length=300, help_text=_("如：社工上门见到本人，老人在午睡未听到敲门")
    )


class AcknowledgeForm(forms.Form):
    by_name = forms.CharField(label=_("回应人"), max_length=100)


class VisitForm(forms.Form):
    state = forms.ChoiceField(label=_("老人状态"), choices=WellState.choices, widget=forms.RadioSelect)
    needs = forms.CharField(
        label=_("发现的需求"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：水管漏水、需要配助听器；可一键转为诉求"),
    )
    note = forms.CharField(label=_("备注"), max_length=300, required=False)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    relation = forms.CharField(label=_("关系"), max_length=30, help_text=_("如：儿子、邻居"))
    phone = forms.RegexField(
        label=_("电话"), regex=r"^[0-9\- ]{7,20}$", error_messages={"invalid": _("请输入正确的电话号码。")}
    )
