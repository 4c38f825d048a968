import datetime
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import WEEKDAYS, BookingGroup, Resource, ResourceGrant
from .selectors import NO_SUCH_PERSON, aware, person_for


class BookingForm(forms.Form):
    """Date + start time + duration: three large controls, easy on a phone."""

    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    minutes = forms.TypedChoiceField(label=_("时长"), coerce=int)
    purpose = forms.CharField(label=_("用途"), max_length=200, required=False)
    attendees = forms.IntegerField(label=_("人数"), min_value=1, initial=1)

    def __init__(self, *args, resource: Resource, **kwargs):
        super().__init__(*args, **kwargs)
        self.resource = resource
        choices = []
        for m in resource.durations():
            hours, rest = divmod(m, 60)
            label = (f"{hours} 小时" if hours else "") + (f"{rest} 分钟" if rest else "")
            choices.append((m, label))
        cast(forms.ChoiceField, self.fields["minutes"]).choices = choices
        if resource.capacity <= 1:
            self.fields["attendees"].widget = forms.HiddenInput()

    def range(self):
        start = aware(self.cleaned_data["date"], self.cleaned_data["start"])
        return start, start + datetime.timedelta(minutes=self.cleaned_data["minutes"])


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("审批意见"), max_length=200, required=False)


class SeriesForm(forms.Form):
    user = forms.CharField(label=_("预约人（用户名）"), max_length=150)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("每周"), choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )
    follows_workdays = forms.BooleanField(
        label=_("按工作日（含调休上班日）"),
        required=False,
        help_text=_("勾选后不看星期：法定节假日不预约，调休上班的周末照常预约（如走读学生的课后练琴）。"),
    )
    start_time = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(label=_("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    first_date = forms.DateField(label=_("首日"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    last_date = forms.DateField(label=_("末日"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    purpose = forms.CharField(label=_("用途"), max_length=200, required=False)
    skip_conflicts = forms.BooleanField(label=_("跳过已被占用的日期"), required=False)

    def __init__(self, *args, resource: Resource, **kwargs):
        super().__init__(*args, **kwargs)
        self.resource = resource

    def clean_user(self):
        user = person_for(self.cleaned_data["user"], self.resource)
        if user is None:
            raise forms.ValidationError(NO_SUCH_PERSON)
        return user

    def series_kwargs(self) -> dict:
        d = self.cleaned_data
        names = ("weekdays", "follows_workdays", "start_time", "end_time", "first_date", "last_date", "skip_conflicts")
        return {k: d[k] for k in names}


class GrantForm(forms.Form):
    resource = forms.ModelChoiceField(label=_("资源"), queryset=Resource.objects.none())
    user = forms.CharField(label=_("使用人（用户名）"), max_length=150)
    kind = forms.ChoiceField(label=_("方式"), choices=ResourceGrant.Kind.choices, widget=forms.RadioSelect)
    date = forms.DateField(
        label=_("日期（单次预约或周期首日）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    last_date = forms.DateField(
        label=_("周期末日"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("每周（周期预约）"), choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    start_time = forms.TimeField(
        label=_("开始时间"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("结束时间"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    group = forms.ModelChoiceField(
        label=_("群组（长期使用资格）"), queryset=BookingGroup.objects.none(), required=False
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    resolve = forms.BooleanField(label=_("同时办结该诉求"), required=False, initial=True)

    def __init__(self, *args, resources, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = resources
        self.fields["group"].queryset = groups

    def clean(self):
        d = super().clean()
        if d.get("resource") and d.get("user"):
            # the person is looked up for the chosen resource: its subdistrict or its groups, nobody else's
            d["user"] = person_for(d["user"], d["resource"])
            if d["user"] is None:
                self.add_error("user", NO_SUCH_PERSON)
        kind = d.get("kind")
        need = {
            "booking": ["date", "start_time", "end_time"],
            "series": ["date", "last_date", "weekdays", "start_time", "end_time"],
        }.get(kind, [])
        for name in need:
            if not d.get(name):
                self.add_error(name, _("此方式需要填写这一项。"))
        return d


class UsageForm(forms.Form):
    start = forms.DateField(label=_("起"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=_("止"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        d = super().clean()
        if d.get("start") and d.get("end") and d["start"] > d["end"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        return d
