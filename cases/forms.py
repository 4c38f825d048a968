from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lib import phone
from org.models import Region, Unit
from org.scoping import visible_regions, within
from people.models import Resident

from . import attachments
from .models import Case, CaseRequest, Category, Consent, Satisfaction

MAX_PHOTOS = 6

# A need told in up to 5,000 characters (about three pages); longer text is refused with a Chinese message.
DESCRIPTION_MAX = 5000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos at once; each checked (type, size) by cases.attachments."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("一次最多上传 6 张照片。"))
        for f in files:
            attachments.check_image(f)
        return files


def category_choices():
    return Category.objects.filter(is_active=True).select_related("parent").order_by("sort_order", "code")


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name} › {obj.name}" if obj.parent_id else obj.name


class IntakeForm(forms.Form):
    """Staff intake at a desk, on a visit or on the hotline: one screen, under a minute."""

    channel = forms.ChoiceField(
        label=_("来源"),
        choices=[(c, Case.Channel(c).label) for c in ("desk", "visit", "hotline")],
        widget=forms.RadioSelect,
        initial="visit",
    )
    resident_query = forms.CharField(
        label=_("居民"),
        required=False,
        help_text=_("输入手机号、身份证号或姓名查找档案；留空则按匿名或下方填写的反映人登记。"),
    )
    reporter_name = forms.CharField(label=_("反映人姓名"), required=False, max_length=50)
    reporter_phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    region = forms.ModelChoiceField(label=_("所在居委/网格"), queryset=Region.objects.none())
    location_text = forms.CharField(label=_("具体位置"), required=False, max_length=200)
    category = CategoryChoiceField(label=_("分类"), queryset=Category.objects.none())
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Case.Urgency.choices, initial="normal")
    title = forms.CharField(label=_("标题"), max_length=200)
    description = forms.CharField(
        label=_("诉求内容"), max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = PhotosField(label=_("照片"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["region"].queryset = visible_regions(user).filter(
            kind__in=[Region.Kind.NEIGHBOURHOOD, Region.Kind.GRID]
        )
        self.fields["category"].queryset = category_choices()
        self.resident = None

    def clean_reporter_phone(self):
        number = phone.normalize(self.cleaned_data["reporter_phone"])
        if number and not phone.is_valid(number, landline=True):
            raise ValidationError(_("请填写正确的电话号码：11 位手机号码，或带区号的固定电话（如 021-63281234）。"))
        return number

    def clean_resident_query(self):
        query = self.cleaned_data["resident_query"].strip()
        if not query:
            return ""
        matches = list(Resident.objects.visible_to(self.user).search(query)[:2])
        if not matches:
            raise ValidationError(_("没有找到这位居民，请核对，或清空后按匿名登记。"))
        if len(matches) > 1:
            raise ValidationError(_("找到多位居民，请输入手机号或身份证号。"))
        self.resident = matches[0]
        return query


class PublicCaseForm(forms.Form):
    """The resident's own form: few fields, big type."""

    name = forms.CharField(label=_("您的称呼"), max_length=50, help_text=_("如：张阿姨、李先生"))
    phone = forms.CharField(label=_("手机号码"), max_length=20, help_text=_("用于告诉您办理进度，查询时也要用到。"))
    region = forms.ModelChoiceField(label=_("您住在哪个居委"), queryset=Region.objects.none())
    location_text = forms.CharField(label=_("具体地址或位置"), max_length=200, required=False)
    category = CategoryChoiceField(label=_("大概是什么事"), queryset=Category.objects.none(), required=False)
    description = forms.CharField(
        label=_("请说说遇到的问题"), max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )
    photos = PhotosField(label=_("照片（可选）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(kind=Region.Kind.NEIGHBOURHOOD).order_by("path")
        self.fields["category"].queryset = Category.objects.filter(is_active=True, parent__isnull=True)
        self.fields["category"].empty_label = _("不清楚，请工作人员判断")

    def clean_phone(self):
        return phone.clean(self.cleaned_data["phone"])  # a mobile: the progress comes by text message

    def clean_description(self):
        text = self.cleaned_data["description"].strip()
        if len(text) < 5:
            raise ValidationError(_("请多写几个字，说清楚是什么问题、在哪里。"))
        return text


class TrackForm(forms.Form):
    number = forms.CharField(label=_("诉求编号"), max_length=20, help_text=_("如 MH2026-000123"))
    phone = forms.CharField(label=_("反映时留的手机号码"), max_length=20)

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()


class CodeForm(forms.Form):
    code = forms.CharField(label=_("短信验证码"), max_length=6, widget=forms.TextInput(attrs={"inputmode": "numeric"}))


class PublicInfoForm(forms.Form):
    note = forms.CharField(
        label=_("补充说明"), max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    photos = PhotosField(label=_("补充照片"))


class PublicRateForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("您对办理结果满意吗"),
        choices=[(v, Case.Verdict(v).label) for v in ("satisfied", "basic", "unsatisfied")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("您的意见"), max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


# -- staff action forms (one per workflow step) ---------------------------------------------------
class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RequiredNoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    note = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 3}))
    before_photos = PhotosField(label=_("处理前照片"))
    after_photos = PhotosField(label=_("处理后照片"))


class DispatchForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("主办单位"), queryset=Unit.objects.none())
    co_units = forms.ModelMultipleChoiceField(label=_("协办单位"), queryset=Unit.objects.none(), required=False)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        units = units_for(case)
        self.fields["unit"].queryset = units
        self.fields["co_units"].queryset = units
        if case.suggested_unit_id:
            self.fields["unit"].initial = case.suggested_unit_id


class ReassignForm(DispatchForm):
    note = forms.CharField(label=_("改派理由"), widget=forms.Textarea(attrs={"rows": 2}))


class VisitForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("居民评价"), choices=[(v, Case.Verdict(v).label) for v in ("satisfied", "basic", "unsatisfied")]
    )
    channel = forms.ChoiceField(label=_("回访方式"), choices=Satisfaction.Channel.choices, initial="phone")
    note = forms.CharField(label=_("居民意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(forms.Form):
    reason_code = forms.ChoiceField(label=_("退单原因"), choices=CaseRequest.ReturnReason.choices)
    reason = forms.CharField(label=_("具体理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label=_("延期工作日"), min_value=1, max_value=30)
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ComplexForm(forms.Form):
    reason = forms.CharField(label=_("复杂原因"), widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(forms.Form):
    into = forms.CharField(label=_("合并到（主诉求编号）"), max_length=20)
    note = forms.CharField(label=_("说明"), required=False)


class ConsentRoundForm(forms.Form):
    title = forms.CharField(label=_("方案名称"), max_length=200)
    description = forms.CharField(label=_("方案说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ConsentForm(forms.Form):
    name = forms.CharField(label=_("居民姓名"), max_length=50)
    address_text = forms.CharField(label=_("住址（门牌/室）"), max_length=200, required=False)
    agrees = forms.TypedChoiceField(
        label=_("意见"), choices=[("1", _("同意")), ("0", _("不同意"))], coerce=lambda v: v == "1"
    )
    channel = forms.ChoiceField(label=_("方式"), choices=Consent.Channel.choices)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核结果"), choices=[("approve", _("同意")), ("reject", _("驳回"))])
    note = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    days = forms.IntegerField(label=_("延期工作日"), required=False, min_value=1, max_value=30)


def units_for(case):
    """Units a dispatcher may choose: active units of the case's subdistrict (and partners there)."""
    region = case.region
    top = region.ancestor_of_kind(Region.Kind.SUBDISTRICT) or region
    return Unit.objects.filter(within(top), is_active=True).order_by("region__path", "name")
