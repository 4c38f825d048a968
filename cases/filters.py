import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import Region, Unit
from org.scoping import visible_regions

from .models import Case, Category


class CaseFilter(django_filters.FilterSet):
    """The case list's filters; the same class drives the page, the Excel export and saved views."""

    q = django_filters.CharFilter(label=_("关键词"), method="filter_q")
    status = django_filters.MultipleChoiceFilter(
        label=_("状态"), choices=Case.Status.choices, widget=forms.SelectMultiple(attrs={"size": 1})
    )
    open = django_filters.BooleanFilter(label=_("只看未结"), method="filter_open", widget=forms.CheckboxInput)
    category = django_filters.ModelChoiceFilter(
        label=_("分类"), queryset=Category.objects.all(), method="filter_category"
    )
    unit = django_filters.ModelChoiceFilter(label=_("主办单位"), field_name="main_unit", queryset=Unit.objects.all())
    region = django_filters.ModelChoiceFilter(
        label=_("辖区/网格"), queryset=Region.objects.all(), method="filter_region"
    )
    overdue = django_filters.BooleanFilter(label=_("只看超期"), method="filter_overdue", widget=forms.CheckboxInput)
    channel = django_filters.ChoiceFilter(label=_("来源"), choices=Case.Channel.choices)
    created_after = django_filters.DateFilter(
        label=_("受理日期从"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput({"type": "date"}),
    )
    created_before = django_filters.DateFilter(
        label=_("至"), field_name="created_at", lookup_expr="date__lte", widget=forms.DateInput({"type": "date"})
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            regions = visible_regions(user)
            self.filters["region"].queryset = regions
            self.filters["unit"].queryset = Unit.objects.filter(
                Q(region__in=regions) | Q(memberships__user=user)
            ).distinct()

    def filter_q(self, qs, name, value):
        return qs.search(value)

    def filter_open(self, qs, name, value):
        return qs.open() if value else qs

    def filter_category(self, qs, name, value):
        return qs.filter(Q(category=value) | Q(category__parent=value)) if value else qs

    def filter_region(self, qs, name, value):
        return qs.in_region(value) if value else qs

    def filter_overdue(self, qs, name, value):
        return qs.overdue(timezone.now()) if value else qs
