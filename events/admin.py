from django.contrib import admin

from .models import DeskTopic


@admin.register(DeskTopic)
class DeskTopicAdmin(admin.ModelAdmin):
    """The configurable list of desk topics and the case category each maps to."""

    list_display = ["name", "category_code", "order"]
    list_editable = ["category_code", "order"]
