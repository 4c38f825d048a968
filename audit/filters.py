"""Filters of the audit log, shared by the page, the Excel export and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry


class AuditEntryFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(label=_("操作人"), method="filter_actor")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=AuditEntry.Kind.choices, empty_label=_("全部"))
    action = django_filters.CharFilter(label=_("动作"), lookup_expr="icontains")
    since = django_filters.DateFilter(
        label=_("起始日期"), field_name="at", lookup_expr="date__gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        label=_("截止日期"), field_name="at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )
    object = django_filters.CharFilter(
        label=_("对象"),
        method="filter_object",
        help_text=_("对象名称、编号，或“类型:编号”如 people.resident:42"),
    )

    class Meta:
        model = AuditEntry
        fields = ["actor", "kind", "action", "since", "until", "object"]

    def filter_actor(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(actor_name__icontains=value) | Q(actor__username__iexact=value)) if value else queryset

    def filter_object(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if ":" in value:
            object_type, _sep, object_id = value.partition(":")
            return queryset.filter(object_type=object_type.strip().lower(), object_id=object_id.strip())
        if value.isdigit():
            return queryset.filter(Q(object_id=value) | Q(object_repr__icontains=value))
        return queryset.filter(Q(object_repr__icontains=value) | Q(object_type__icontains=value))
