"""Filters of the resident list, shared by the page, the Excel export and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from org.models import PERSONAL_DATA_ROLES, Region
from org.scoping import visible_regions

from .models import Household, Resident, Tag


def _regions(request):
    if request is None:
        return Region.objects.none()
    return visible_regions(request.user, roles=PERSONAL_DATA_ROLES).exclude(kind=Region.Kind.DISTRICT)


class ResidentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("查找"), method="filter_search", help_text=_("姓名、完整身份证号、完整手机号或路名")
    )
    region = django_filters.ModelChoiceFilter(
        label=_("辖区"), queryset=_regions, method="filter_region", empty_label=_("全部辖区")
    )
    tag = django_filters.ModelChoiceFilter(
        label=_("标签"), field_name="tags", queryset=Tag.objects.all(), empty_label=_("全部标签")
    )
    household = django_filters.ModelChoiceFilter(
        label=_("户"), queryset=Household.objects.all(), widget=forms.HiddenInput, field_name="household"
    )

    class Meta:
        model = Resident
        fields = ["q", "region", "tag", "household"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_region(self, queryset, name, value):
        return queryset.in_region(value) if value else queryset
