from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from lib import phone
from org.models import Region, Unit
from org.scoping import within
from volunteers.models import Organisation

from .models import Desk, DeskTopic, QueueTicket

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EventForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=200)
    region = forms.ModelChoiceField(label=_("辖区"), queryset=Region.objects.none())
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DT)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DT)
    place = forms.CharField(label=_("地点"), max_length=200)
    organiser = forms.ModelChoiceField(label=_("主办单位"), queryset=Unit.objects.none())
    partners = forms.ModelMultipleChoiceField(
        label=_("共建单位"), queryset=Organisation.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("咨询台"), queryset=DeskTopic.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("说明"), widget=forms.Textarea, required=False)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["organiser"].queryset = Unit.objects.filter(region__in=regions)
        # partner organisations of the subdistricts the user works in, not another subdistrict's
        subdistricts = {
            ".".join([p for p in path.split(".") if p][:2]) + "." for path in regions.values_list("path", flat=True)
        }
        self.fields["partners"].queryset = Organisation.objects.filter(
            within(subdistricts, "unit__region")
        ).select_related("unit")

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["starts_at"] >= data["ends_at"]:
            raise ValidationError(_("开始时间必须早于结束时间。"))
        return data


class DeskForm(forms.Form):
    topic = forms.ModelChoiceField(label=_("主题"), queryset=DeskTopic.objects.all())
    name = forms.CharField(label=_("咨询台名称"), max_length=50, required=False)
    # A field, not the form's own ``prefix``: the form metaclass moves it into base_fields.
    prefix = forms.CharField(label=_("号码前缀"), max_length=3, required=False)  # type: ignore[assignment]
    default_minutes = forms.IntegerField(label=_("预计每人用时（分钟）"), min_value=1, max_value=120, initial=8)


class TakeForm(forms.Form):
    name = forms.CharField(label=_("称呼（如：王阿姨）"), max_length=30, required=False)
    phone = forms.CharField(label=_("手机（叫号时短信提醒，可不填）"), max_length=20, required=False)
    priority_reason = forms.ChoiceField(
        label=_("优先照顾"), choices=[("", _("不需要"))] + list(QueueTicket.PriorityReason.choices), required=False
    )

    def clean_phone(self):
        return phone.clean(self.cleaned_data["phone"])  # the call reminder is a text message


class CheckInForm(TakeForm):
    desk: "forms.ModelChoiceField[Desk]" = forms.ModelChoiceField(label=_("咨询台"), queryset=None)

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["desk"].queryset = event.desks.filter(is_open=True)
        self.order_fields(["desk", "name", "phone", "priority_reason"])


class FinishForm(forms.Form):
    # As the volunteer types, the guides panel under the form suggests the guides that answer it (guides.views.suggest).
    summary = forms.CharField(
        label=_("咨询内容"),
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "hx-get": reverse_lazy("guides:suggest"),
                "hx-trigger": "input changed delay:300ms",
                "hx-include": "closest form",
                "hx-target": "next .guide-suggestions",
            }
        ),
    )
    advice = forms.CharField(label=_("答复意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    follow_up = forms.BooleanField(label=_("需要跟进（生成诉求工单）"), required=False)


class RosterForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("班次开始"), widget=DT)
    ends_at = forms.DateTimeField(label=_("班次结束"), widget=DT)
