from django.contrib import admin

from .models import Guide, GuideRevision


class RevisionInline(admin.TabularInline):
    """Read-only: revisions change only through guides.services (submit, approve, return)."""

    model = GuideRevision
    fields = readonly_fields = ("number", "status", "note", "author", "submitted_at", "reviewer", "reviewed_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Guide)
class GuideAdmin(admin.ModelAdmin):
    """Owner and region are set here when an office is reorganised; the text is edited through revisions."""

    list_display = ["name", "code", "region", "owner", "topic", "status", "version", "review_due"]
    list_filter = ["status", "topic"]
    search_fields = ["name", "code", "tags"]
    fields = ["code", "region", "owner", "topic", "status", "version", "name", "review_due"]
    readonly_fields = ["code", "status", "version", "name", "review_due"]
    inlines = [RevisionInline]
