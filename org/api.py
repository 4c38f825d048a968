"""API for regions and units, scoped exactly like the pages."""

from django.urls import include, path
from rest_framework import mixins, serializers, viewsets

from lib import api as api_routers

from .models import Region, Role, Unit
from .scoping import region_q, visible_regions

# Everyone with a staff-like or leader role may read the region tree and units of their area.
READ_ROLES = {Role.WORKER, Role.STAFF, Role.ADMIN, Role.LEADER, Role.PARTNER, Role.VOLUNTEER}


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "name", "kind", "parent", "code", "path", "depth"]


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "region", "phone", "is_active"]


class RegionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RegionSerializer
    filterset_fields = ["kind", "parent"]

    def get_queryset(self):
        return visible_regions(self.request.user, roles=READ_ROLES).order_by("path")


class UnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = UnitSerializer
    filterset_fields = ["kind", "region"]

    def get_queryset(self):
        return Unit.objects.filter(region_q(self.request.user, roles=READ_ROLES)).order_by("region__path", "name")


router = api_routers.DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("units", UnitViewSet, basename="unit")
urlpatterns = [path("", include(router.urls))]
