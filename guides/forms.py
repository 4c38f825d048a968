from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from events.models import DeskTopic
from org.models import Region

from . import content
from .models import Guide

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _area(rows=4, help_text=""):
    return forms.CharField(widget=forms.Textarea(attrs={"rows": rows}), required=False, help_text=help_text)


class GuideTextForm(forms.Form):
    """A guide's text as the portals structure it (办事指南). ``revision_data()`` gives a revision's data."""

    name = forms.CharField(label=_("事项名称"), max_length=100)
    topic = forms.ModelChoiceField(label=_("咨询主题"), queryset=DeskTopic.objects.all())
    summary = _area(2, _("用居民听得懂的一句话说清楚：能办什么、先做什么。"))
    authority = forms.CharField(label=_("实施机关"), max_length=200, required=False)
    basis = _area(4, _("法规的真实名称，每行一部，如《上海市养老服务条例》。"))
    conditions = _area(5)
    materials = _area(5, _("每行一项：名称 | 原件份数 | 复印件份数 | 备注，如“居民身份证 | 1 | 1 | 老人本人”。"))
    process = _area(5, _("每行一步。"))
    place = forms.CharField(label=_("办理地点"), max_length=300, required=False)
    hours = forms.CharField(label=_("办理时间"), max_length=200, required=False)
    time_limit = forms.CharField(label=_("承诺时限"), max_length=200, required=False)
    fee = forms.CharField(label=_("收费"), max_length=200, required=False)
    phone = forms.CharField(label=_("咨询电话"), max_length=200, required=False)
    tags = forms.CharField(label=_("标签"), max_length=500, required=False, help_text=_("居民常说的词，用顿号分隔。"))
    questions = _area(5, _("每行一句居民的问法，帮助咨询台找到这份指南。"))
    policy_document = forms.CharField(label=_("政策文件"), max_length=200, required=False)
    policy_date = forms.DateField(label=_("政策日期"), required=False, widget=DATE)
    review_due = forms.DateField(
        label=_("复核日期"), widget=DATE, help_text=_("过了这一天，指南会在各处标注“待复核”。")
    )
    note = forms.CharField(label=_("修改说明"), max_length=200, required=False)
    lock = forms.IntegerField(widget=forms.HiddenInput, required=False)

    LABELS = {
        "summary": _("一句话说明"),
        "basis": _("设定依据"),
        "conditions": _("受理条件"),
        "materials": _("申请材料"),
        "process": _("办理流程"),
        "questions": _("居民常见问法"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.LABELS.items():
            self.fields[name].label = label

    @classmethod
    def initial_from(cls, data: dict, *, note: str = "", lock: int = 0) -> dict:
        initial = {k: v for k, v in data.items() if k != "materials"}
        initial["materials"] = content.format_materials(data.get("materials"))
        initial.update(note=note, lock=lock)
        return initial

    def clean_materials(self):
        try:
            return content.parse_materials(self.cleaned_data["materials"])
        except content.MaterialsError as exc:
            raise ValidationError(str(exc)) from None

    # Not ``data``: that is the bound form's submitted data, an instance attribute that hides any method of the name.
    def revision_data(self) -> dict:
        d = self.cleaned_data
        data = {k: (d.get(k) or "") for k in ("name", "summary", "authority", "basis", "conditions", "process")}
        data.update({k: (d.get(k) or "") for k in ("place", "hours", "time_limit", "fee", "phone", "tags")})
        data.update(questions=d.get("questions") or "", policy_document=d.get("policy_document") or "")
        data["materials"] = d["materials"]
        data["topic"] = d["topic"].pk
        data["policy_date"] = d["policy_date"].isoformat() if d.get("policy_date") else ""
        data["review_due"] = d["review_due"].isoformat() if d.get("review_due") else ""
        return data


class NewGuideForm(GuideTextForm):
    code = forms.SlugField(label=_("事项编码"), max_length=60, help_text=Guide._meta.get_field("code").help_text)
    place_owner = forms.ChoiceField(label=_("适用辖区和责任单位"))

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place_owner"].choices = choices
        self.order_fields(["code", "place_owner", "name", "topic"])


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("审核意见"), max_length=200, required=False)


class GuideFilter(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    topic = forms.ModelChoiceField(label=_("咨询主题"), queryset=DeskTopic.objects.all(), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部"))] + list(Guide.Status.choices), required=False)
    stale = forms.BooleanField(label=_("只看待复核"), required=False)


class ImportForm(forms.Form):
    region: "forms.ModelChoiceField[Region]" = forms.ModelChoiceField(
        label=_("导入到（“街道”“区级”按此确定）"), queryset=None
    )
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["region"].initial = regions.filter(kind="subdistrict").first() or regions.first()
