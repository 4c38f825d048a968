"""REST API of shared resources, scoped like the pages: a person sees the resources they may book
(``bookable_resources``) and their own bookings; writes call ``resources.services``."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from lib import api as api_routers

from . import services
from .models import Booking, Resource
from .selectors import bookable_resources, slot_grid
from .views import get_resource_for_user


class ResourceSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    provider = serializers.CharField(read_only=True)
    opening = serializers.CharField(source="opening_summary", read_only=True)

    class Meta:
        model = Resource
        fields = [
            "id", "name", "kind", "kind_display", "provider", "location_note", "capacity", "opening", "min_minutes",
            "max_minutes", "max_days_ahead", "buffer_minutes", "weekly_quota_minutes", "requires_approval",
        ]  # fmt: skip
        read_only_fields = fields


class BookingSerializer(serializers.ModelSerializer):
    resource: "serializers.StringRelatedField[Resource]" = serializers.StringRelatedField()
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Booking
        fields = ["id", "resource", "start", "end", "status", "status_display", "purpose", "decision_note"]
        read_only_fields = fields


class BookingCreateSerializer(serializers.Serializer):
    resource = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    attendees = serializers.IntegerField(min_value=1, default=1)


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=["free", "taken", "mine", "held", "past"])


class DaySerializer(serializers.Serializer):
    date = serializers.DateField()
    closed = serializers.CharField(allow_null=True)
    slots = SlotSerializer(many=True)


def _as_api_error(exc: DjangoValidationError) -> ValidationError:
    return ValidationError({"detail": exc.messages})


class ResourceViewSet(viewsets.GenericViewSet):
    """共享资源：可预约的资源。

    /slots/ 返回未来 7 天的时段（free 可约、taken 已约、mine 我的、held 候补保留、past 已过）。
    """

    serializer_class = ResourceSerializer
    queryset = Resource.objects.none()  # for the schema; reads go through the access helpers
    pagination_class = None  # the list is the few resources one may book: a plain array, and the schema says so

    def list(self, request):

        return Response(ResourceSerializer(bookable_resources(request.user), many=True).data)

    def retrieve(self, request, pk=None):
        try:
            return Response(ResourceSerializer(get_resource_for_user(request.user, pk)).data)
        except Http404:
            raise NotFound from None

    @extend_schema(responses=DaySerializer(many=True))
    @action(detail=True)
    def slots(self, request, pk=None):
        try:
            resource = get_resource_for_user(request.user, pk)
        except Http404:
            raise NotFound from None
        days = slot_grid(resource, days=7, user=request.user)
        return Response([
            {"date": d.date, "closed": d.closed,
             "slots": [{"start": s.start, "end": s.end, "state": s.state} for s in d.slots]}
            for d in days
        ])  # fmt: skip


class BookingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """我的预约：列表；POST 预约（规则不符时 400 并给出中文原因）；POST /{id}/cancel/ 取消。"""

    serializer_class = BookingSerializer
    queryset = Booking.objects.none()  # for the schema; get_queryset scopes to the user

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Booking.objects.none()
        return Booking.objects.filter(user=self.request.user).select_related("resource").order_by("-start")

    @extend_schema(request=BookingCreateSerializer, responses={201: BookingSerializer})
    def create(self, request):
        data = BookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            resource = get_resource_for_user(request.user, d["resource"])
            booking = services.booking_create(
                resource=resource,
                user=request.user,
                start=d["start"],
                end=d["end"],
                by=request.user,
                purpose=d["purpose"],
                attendees=d["attendees"],
            )
        except Http404:
            raise NotFound from None
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from None
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        booking = self.get_queryset().filter(pk=pk).first()
        if booking is None:
            raise NotFound
        try:
            booking = services.booking_cancel(booking=booking, by=request.user)
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from None
        except DjangoPermissionDenied:
            raise NotFound from None
        return Response(BookingSerializer(booking).data)


router = api_routers.SimpleRouter()
router.register("resources", ResourceViewSet, basename="resource")
router.register("bookings", BookingViewSet, basename="booking")
urlpatterns = [path("", include(router.urls))]
