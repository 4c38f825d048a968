"""API for residents, households, addresses and tags, scoped exactly like the pages.

Reads go through ``visible_to`` / the access helpers; writes call ``people.services``. Output
carries masked ID numbers and phones only; the full values come from ``POST residents/{id}/reveal/``,
which writes the audit log like the page's "查看完整信息" button.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import include, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from audit.services import record_read
from lib import api as api_routers
from org.access import has_role_permission
from org.models import PERSONAL_DATA_ROLES

from . import services
from .filters import ResidentFilter
from .models import Address, Household, Resident, Tag

PersonalData = has_role_permission(*PERSONAL_DATA_ROLES)


def _service(fn, **kwargs):
    """Call a service; its Django ValidationError (Chinese, by field) becomes a 400."""
    try:
        return fn(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}) from None


@extend_schema_field(OpenApiTypes.INT)
class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key the caller may only point at rows they can see (others read as "does not exist")."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.visible_to(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class RegionField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return services.assignable_regions(self.context["request"].user)


# Output --------------------------------------------------------------------------------------
class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "description"]


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["id", "region", "road", "lane", "number", "room", "text", "latitude", "longitude"]


class ResidentSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    address = serializers.CharField(source="household.address.text", default="", read_only=True)
    tags: "serializers.SlugRelatedField[Tag]" = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True
    )
    # "" when not given: declared so the schema's enum has the blank choice the answers carry
    relation = serializers.ChoiceField(choices=Resident.Relation.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Resident
        fields = [
            "id",
            "name",
            "gender",
            "birth_date",
            "region",
            "region_name",
            "household",
            "relation",
            "address",
            "id_number_masked",
            "phone_masked",
            "tags",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class HouseholdSerializer(serializers.ModelSerializer):
    address = AddressSerializer(read_only=True)

    class Meta:
        model = Household
        fields = ["id", "name", "region", "address", "note", "created_at"]
        read_only_fields = fields


# Input ---------------------------------------------------------------------------------------
class ResidentInput(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, write_only=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, write_only=True)
    region = RegionField()
    household = VisibleRelatedField(Household, required=False, allow_null=True)
    relation = serializers.ChoiceField(choices=Resident.Relation.choices, required=False, allow_blank=True)
    tags = serializers.SlugRelatedField(slug_field="name", queryset=Tag.objects.all(), many=True, required=False)
    note = serializers.CharField(required=False, allow_blank=True)
    # the updated_at the client last read; a change made by someone else since then is refused (409-like 400)
    expected_updated_at = serializers.DateTimeField(required=False, write_only=True)


class HouseholdInput(serializers.Serializer):
    address = VisibleRelatedField(Address)
    name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)


class AddressInput(serializers.Serializer):
    region = RegionField()
    road = serializers.CharField(max_length=50)
    lane = serializers.CharField(max_length=20, required=False, allow_blank=True)
    number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    room = serializers.CharField(max_length=20, required=False, allow_blank=True)


RevealSerializer = inline_serializer(
    "ResidentReveal", {"id_number": serializers.CharField(), "phone": serializers.CharField()}
)


# Views ---------------------------------------------------------------------------------------
class AuditedReads:
    """List and retrieve of personal records write one audit entry each (who read which records)."""

    read_action = ""

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        rows = response.data.get("results", response.data) if isinstance(response.data, dict) else response.data
        ids = [row.get("id") for row in rows if isinstance(row, dict)]
        record_read(actor=request.user, action=f"{self.read_action}.list", ids=ids, request=request)
        return response

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        response = Response(self.get_serializer(obj).data)
        record_read(actor=request.user, action=f"{self.read_action}.read", obj=obj, request=request)
        return response


class ResidentViewSet(
    AuditedReads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ResidentSerializer
    permission_classes = [PersonalData]
    read_action = "people.resident"
    filterset_class = ResidentFilter

    def get_queryset(self):
        return (
            Resident.objects.visible_to(self.request.user)
            .select_related("region", "household__address")
            .prefetch_related("tags")
            .order_by("name", "id")
        )

    def get_object(self):
        return services.get_resident_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(request=ResidentInput, responses={201: ResidentSerializer})
    def create(self, request, *args, **kwargs):
        data = ResidentInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        d = data.validated_data
        d.pop("expected_updated_at", None)
        resident = _service(services.resident_create, by=request.user, request=request, **d)
        return Response(ResidentSerializer(resident).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ResidentInput, responses={200: ResidentSerializer})
    def update(self, request, *args, partial=False, **kwargs):
        resident = self.get_object()
        data = ResidentInput(data=request.data, partial=partial, context={"request": request})
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        kwargs = {
            "id_number": d.pop("id_number", None) or None,
            "phone": d.pop("phone", None),
            "tags": d.pop("tags", None),
            "expected_updated_at": d.pop("expected_updated_at", None),
        }
        resident = _service(
            services.resident_update, resident=resident, by=request.user, request=request, **kwargs, **d
        )
        resident = services.get_resident_for_user(request.user, resident.pk)
        return Response(ResidentSerializer(resident).data)

    @extend_schema(request=None, responses={200: RevealSerializer})
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """Full ID number and phone of one resident; written to the audit log."""
        resident = self.get_object()
        return Response(services.resident_reveal(resident=resident, by=request.user, request=request))


class HouseholdViewSet(
    AuditedReads, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = HouseholdSerializer
    permission_classes = [PersonalData]
    read_action = "people.household"
    filterset_fields = ["region", "address"]

    def get_queryset(self):
        return Household.objects.visible_to(self.request.user).select_related("address").order_by("pk")

    def get_object(self):
        return services.get_household_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(request=HouseholdInput, responses={201: HouseholdSerializer})
    def create(self, request, *args, **kwargs):
        data = HouseholdInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        household = _service(services.household_create, by=request.user, **data.validated_data)
        return Response(HouseholdSerializer(household).data, status=status.HTTP_201_CREATED)


class AddressViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = AddressSerializer
    permission_classes = [PersonalData]
    filterset_fields = ["region", "road", "lane", "number"]

    def get_queryset(self):
        return Address.objects.visible_to(self.request.user).order_by("road", "lane", "number", "room")

    def get_object(self):
        return services.get_address_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(request=AddressInput, responses={201: AddressSerializer})
    def create(self, request, *args, **kwargs):
        data = AddressInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        address = _service(services.address_get_or_create, by=request.user, **data.validated_data)
        return Response(AddressSerializer(address).data, status=status.HTTP_201_CREATED)


class TagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TagSerializer
    permission_classes = [PersonalData]
    queryset = Tag.objects.all()
    pagination_class = None


router = api_routers.DefaultRouter()
router.register("residents", ResidentViewSet, basename="resident")
router.register("households", HouseholdViewSet, basename="household")
router.register("addresses", AddressViewSet, basename="address")
router.register("tags", TagViewSet, basename="tag")
urlpatterns = [path("", include(router.urls))]
