import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib import idcard, phone
from org.models import Region

from .models import Skill, VolunteerSkill

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
D = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SignUpForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机"), max_length=20)
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        required=False,
        help_text=_("出具志愿服务记录证明时需要；只显示前四位和后四位。"),
    )
    region = forms.ModelChoiceField(label=_("居住社区"), queryset=Region.objects.filter(kind="neighbourhood"))
    skills = forms.ModelMultipleChoiceField(
        label=_("特长"), queryset=Skill.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    level = forms.TypedChoiceField(
        label=_("专业水平"), choices=VolunteerSkill.Level.choices, coerce=int, initial=VolunteerSkill.Level.SKILLED
    )
    note = forms.CharField(label=_("可服务时间、资格证书等说明"), widget=forms.Textarea, required=False)

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        if value:
            try:
                return idcard.validate(value)
            except idcard.IdNumberError as exc:
                raise ValidationError(str(exc)) from None
        return value

    def clean_phone(self):
        return phone.clean(self.cleaned_data["phone"])  # offers and reminders go by text message


class TimesMixin:
    def clean(self):
        data = super().clean()
        start, end = data.get("started_at"), data.get("ended_at")
        if start and end and start >= end:
            raise ValidationError(_("开始时间必须早于结束时间。"))
        return data


class ManualRecordForm(TimesMixin, forms.Form):
    activity = forms.CharField(label=_("活动名称"), max_length=200)
    place = forms.CharField(label=_("服务地点"), max_length=200)
    served = forms.CharField(label=_("服务对象"), max_length=200)
    content = forms.CharField(label=_("服务内容"), widget=forms.Textarea)
    started_at = forms.DateTimeField(label=_("开始时间"), widget=DT)
    ended_at = forms.DateTimeField(label=_("结束时间"), widget=DT)
    hours = forms.DecimalField(label=_("服务时长（小时，不含交通）"), max_digits=5, decimal_places=2, min_value=0.25)


class CorrectionForm(TimesMixin, forms.Form):
    reason = forms.CharField(label=_("更正理由"), widget=forms.Textarea)
    started_at = forms.DateTimeField(label=_("开始时间"), widget=DT)
    ended_at = forms.DateTimeField(label=_("结束时间"), widget=DT)
    hours = forms.DecimalField(label=_("服务时长（小时，不含交通）"), max_digits=5, decimal_places=2, min_value=0.25)
    content = forms.CharField(label=_("服务内容"), widget=forms.Textarea)


class CertificateForm(forms.Form):
    period_from = forms.DateField(label=_("起始日期"), widget=D)
    period_to = forms.DateField(label=_("截止日期"), widget=D)
    issuer = forms.CharField(label=_("出具单位"), max_length=100)
    issuer_contact = forms.CharField(label=_("联系人及电话"), max_length=100)

    def clean(self):
        data = super().clean()
        if data.get("period_from") and data.get("period_to") and data["period_from"] > data["period_to"]:
            raise ValidationError(_("起始日期不能晚于截止日期。"))
        return data


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("起始日期"), widget=D, required=False)
    end = forms.DateField(label=_("截止日期"), widget=D, required=False)
    by = forms.ChoiceField(
        label=_("汇总方式"),
        choices=[
            ("volunteer", _("按志愿者")),
            ("organisation", _("按单位")),
            ("activity", _("按活动")),
            ("month", _("按月份")),
        ],
        required=False,
    )


class DeliveryForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=D, initial=datetime.date.today)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def clean_date(self):
        if self.cleaned_data["date"] > timezone.localdate():
            raise ValidationError(_("不能登记未来日期的履约。"))
        return self.cleaned_data["date"]
