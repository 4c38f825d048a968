from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from org.models import Membership, Role

from .actions import enrolment
from .models import CareRecipient, CareVolunteer, Kitchen, Meal, Pause, WellState


class TimeInput(forms.TimeInput):
    input_type = "time"


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


class FamilySafeForm(forms.Form):
    note = forms.CharField(
        label=_("补充说明（可不填）"),
        max_length=200,
        required=False,
        help_text=_("如：我已打电话联系上，老人在午睡"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SafeForm(forms.Form):
    note = forms.CharField(
        label=_("如何确认安全"),
        max_length=300,
        help_text=_("如：社工上门见到本人，老人在午睡未听到敲门"),
        error_messages={"required": _("请写明由谁、如何确认老人安全。")},
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


def workers_for(region):
    """Neighbourhood workers and staff who may see a person of ``region`` (memberships on it or above)."""
    ids = [int(part) for part in region.path.split(".") if part]
    users = Membership.objects.filter(region_id__in=ids, role__in=[Role.WORKER, Role.STAFF]).values("user_id")
    return get_user_model().objects.filter(pk__in=users, is_active=True).order_by("display_name", "username")


class RecipientForm(forms.ModelForm):
    """The recipient's facts as staff enrol or edit them; status changes have their own forms."""

    class Meta:
        model = CareRecipient
        fields = list(enrolment.RECIPIENT_FIELDS)  # what the service lets staff edit
        widgets = {"consent_date": DateInput, "note": forms.Textarea(attrs={"rows": 2})}
        labels = {"consent": _("本人（或监护人）同意接受服务")}

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers_for(region)
        self.fields["consent"].required = True
        self.fields["consent"].error_messages["required"] = _("须经本人（或监护人）同意后才能纳入关爱服务。")


class EnrolContactsForm(forms.Form):
    """Up to three emergency contacts at enrolment, in the order they are to be called."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in (1, 2, 3):
            self.fields[f"name{i}"] = forms.CharField(label=_("紧急联系人%(n)s 姓名") % {"n": i}, required=False)
            self.fields[f"relation{i}"] = forms.CharField(label=_("关系"), required=False, max_length=30)
            self.fields[f"phone{i}"] = forms.RegexField(
                label=_("电话"),
                regex=r"^[0-9\- ]{7,20}$",
                required=False,
                error_messages={"invalid": _("请输入正确的电话号码。")},
            )

    def clean(self):
        data = super().clean()
        for i in (1, 2, 3):
            if bool(data.get(f"name{i}")) != bool(data.get(f"phone{i}")):
                self.add_error(f"phone{i}", _("紧急联系人须同时填写姓名和电话。"))
        return data

    def contacts(self) -> list[tuple[str, str, str]]:
        data = self.cleaned_data
        return [
            (data[f"name{i}"], data.get(f"relation{i}") or "", data[f"phone{i}"])
            for i in (1, 2, 3)
            if data.get(f"name{i}")
        ]


class ContactEditForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    relation = forms.CharField(label=_("关系"), max_length=30, required=False)
    phone = forms.RegexField(
        label=_("新电话"),
        regex=r"^[0-9\- ]{7,20}$",
        required=False,
        help_text=_("不改电话请留空"),
        error_messages={"invalid": _("请输入正确的电话号码。")},
    )


class ResumeForm(forms.Form):
    resume_on = forms.DateField(label=_("从哪天起恢复送餐"), widget=DateInput)


WEEKDAYS = [("1", _("周一")), ("2", _("周二")), ("3", _("周三")), ("4", _("周四"))]
WEEKDAYS += [("5", _("周五")), ("6", _("周六")), ("7", _("周日"))]


class SubscriptionForm(forms.Form):
    kitchen = forms.ModelChoiceField(label=_("助餐点"), queryset=Kitchen.objects.none())
    meal = forms.ChoiceField(label=_("餐次"), choices=Meal.choices, initial=Meal.LUNCH)
    weekdays = forms.MultipleChoiceField(
        label=_("送餐日"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, initial=[d for d, _l in WEEKDAYS]
    )
    price = forms.DecimalField(label=_("餐费（元）"), min_value=0, max_digits=6, decimal_places=2)
    subsidy = forms.DecimalField(label=_("补贴（元）"), min_value=0, max_digits=6, decimal_places=2, initial=0)
    volunteer = forms.ModelChoiceField(label=_("固定送餐人"), queryset=CareVolunteer.objects.none(), required=False)
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput)
    ends_on = forms.DateField(label=_("结束日期"), widget=DateInput, required=False, help_text=_("不填表示长期"))
    window_start = forms.TimeField(label=_("本人送达开始"), widget=TimeInput, required=False)
    window_end = forms.TimeField(
        label=_("本人送达截止"),
        widget=TimeInput,
        required=False,
        help_text=_("如需按时服药、打胰岛素，可填比助餐点更窄的时段；不填则按助餐点时段"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        kitchens = Kitchen.objects.visible_to(user).filter(is_active=True)
        self.fields["kitchen"].queryset = kitchens
        self.fields["volunteer"].queryset = CareVolunteer.objects.filter(
            kitchen__in=kitchens, is_active=True
        ).select_related("user")

    def clean(self):
        data = super().clean()
        if data.get("subsidy") is not None and data.get("price") is not None and data["subsidy"] > data["price"]:
            self.add_error("subsidy", _("补贴不能高于餐费。"))
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["weekdays"] = "".join(data["weekdays"])
        data["volunteer"] = data["volunteer"].user if data.get("volunteer") else None
        return data


class SubscriptionEndForm(forms.Form):
    last_day = forms.DateField(label=_("最后一天送餐"), widget=DateInput)


class VisitPlanForm(forms.Form):
    visitor = forms.ModelChoiceField(label=_("结对探访人"), queryset=CareVolunteer.objects.none())
    every_days = forms.IntegerField(label=_("探访周期（天）"), min_value=1, max_value=60, initial=7)
    first_due = forms.DateField(label=_("首次探访日期"), widget=DateInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visitor"].queryset = (
            CareVolunteer.objects.visible_to(user).filter(is_active=True).select_related("user")
        )
