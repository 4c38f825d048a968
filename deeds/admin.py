"""Back office view of deeds and stories. Stories change only through the pages (deeds.services:
sanitising, the second-person approval and the publishing checks), so they are read-only here."""

from django.contrib import admin

from org.admin import RegionScopedAdmin

from .models import Deed, DeedPhoto, Story


class PhotoInline(admin.TabularInline):
    model = DeedPhoto
    extra = 0
    readonly_fields = ["kind", "image", "caption", "uploaded_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Deed)
class DeedAdmin(RegionScopedAdmin):
    list_display = ["title", "region", "status", "finished_on", "beneficiaries_count"]
    list_filter = ["status"]
    search_fields = ["title"]
    inlines = [PhotoInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Story)
class StoryAdmin(RegionScopedAdmin):
    list_display = ["title", "region", "status", "published_at"]
    list_filter = ["status"]
    search_fields = ["title"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
