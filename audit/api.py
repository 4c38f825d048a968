"""Read-only API of the audit log, scoped and filtered exactly like the page."""

from django.urls import include, path
from rest_framework import serializers, viewsets

from lib import api as api_routers
from org.access import has_role_permission
from org.models import AUDIT_ROLES

from .filters import AuditEntryFilter
from .models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "kind",
            "kind_display",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "region",
            "detail",
            "ip",
        ]
        read_only_fields = fields


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """List and read entries; there is no way to create, change or delete one through the API."""

    serializer_class = AuditEntrySerializer
    permission_classes = [has_role_permission(*AUDIT_ROLES)]
    filterset_class = AuditEntryFilter

    def get_queryset(self):
        return AuditEntry.objects.visible_to(self.request.user)


router = api_routers.DefaultRouter()
router.register("audit/entries", AuditEntryViewSet, basename="auditentry")
urlpatterns = [path("", include(router.urls))]
