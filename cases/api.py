"""REST API for cases, scoped like the pages (``Case.objects.visible_to``); writes call
``cases.actions``. Intake accepts an ``Idempotency-Key`` header: the same request sent twice
creates one case and answers 200 with it the second time (201 the first)."""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import include, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from lib import api as api_routers
from org.access import holds_role
from org.models import PERSONAL_DATA_ROLES, STAFF_ROLES, Region, Role
from org.scoping import region_q

from . import sql
from .actions.intake import case_create
from .forms import DESCRIPTION_MAX
from .models import Case, CaseEvent, Category


class CaseEventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = CaseEvent
        fields = ["at", "kind", "kind_display", "actor_name", "note"]


class CaseSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    main_unit = serializers.StringRelatedField()
    region = serializers.StringRelatedField()

    class Meta:
        model = Case
        fields = [
            "id", "number", "title", "description", "category", "region", "channel", "urgency", "status",
            "status_display", "main_unit", "reporter_name", "reporter_phone_masked", "created_at",
            "first_contact_due_at", "due_at", "resolved_at", "verdict", "version",
        ]  # fmt: skip
        read_only_fields = fields

    def get_fields(self):
        # ModelSerializer works its fields out of the model again for every instance: for the one
        # case a POST answers with that cost more than the rest of the answer. Worked out once per
        # class, copied as DRF copies declared fields.
        cls = type(self)
        if "_fields" not in cls.__dict__:
            cls._fields = super().get_fields()
        return copy.deepcopy(cls._fields)


class CaseDetailSerializer(CaseSerializer):
    events = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "events"]
        read_only_fields = fields

    def get_events(self, case):
        events = [e for e in case.events.all() if e.is_public or self.context.get("staff")]
        return CaseEventSerializer(events, many=True).data


class CaseCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=DESCRIPTION_MAX)
    region = serializers.IntegerField(help_text=gettext_lazy("辖区编号（须在您的范围内）"))
    category = serializers.CharField(max_length=50, help_text=gettext_lazy("诉求分类编码（启用中的）"))
    channel = serializers.ChoiceField(choices=Case.Channel.choices, default=Case.Channel.API)
    urgency = serializers.ChoiceField(choices=Case.Urgency.choices, default=Case.Urgency.NORMAL)
    reporter_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    reporter_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    location_text = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        """The region (one the caller may see: PERSONAL_DATA_ROLES, as ``visible_regions``) and the
        active category, on PostgreSQL both read in one statement (``cases.sql.region_and_category``); a
        region out of scope answers like a missing one."""
        user = self.context["request"].user
        if sql.fast():
            region, category = sql.region_and_category(user, attrs["region"], attrs["category"])
        else:
            visible = Region.objects.filter(region_q(user, roles=PERSONAL_DATA_ROLES, field=""))
            region = visible.filter(pk=attrs["region"]).first()
            category = Category.objects.filter(code=attrs["category"], is_active=True).first()
        errors = {}
        if region is None:
            errors["region"] = [_("该辖区不存在或不在您的范围内。")]
        if category is None:
            errors["category"] = [_("没有编码为“%(code)s”的诉求分类，或该分类已停用。") % {"code": attrs["category"]}]
        if errors:
            raise ValidationError(errors)
        return {**attrs, "region": region, "category": category}


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """诉求：列表与详情按辖区和单位范围过滤；POST 受理一件诉求（可带 Idempotency-Key 头，重复请求只受理一次）。"""

    def get_queryset(self):
        return (
            Case.objects.visible_to(self.request.user).select_related("category", "region", "main_unit").order_by("-id")
        )

    def get_serializer_class(self):
        if self.action == "create":
            return CaseCreateSerializer
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        user = self.request.user
        ctx["staff"] = holds_role(user, *STAFF_ROLES)
        return ctx

    def create(self, request, *args, **kwargs):
        user = request.user
        if not holds_role(user, *STAFF_ROLES, Role.PARTNER):
            raise PermissionDenied(_("您没有受理诉求的权限。"))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = (request.headers.get("Idempotency-Key") or "").strip()[:100] or None
        if key:
            key = f"api:{user.pk}:{key}"  # keys are per caller: two partners never collide
        try:
            case, created = case_create(**serializer.validated_data, by=user, idempotency_key=key)
        except DjangoValidationError as exc:
            raise ValidationError({"detail": exc.messages}) from None
        # a replay (also one that lost a race with its twin) gets the first case and 200
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


router = api_routers.DefaultRouter()
router.register("cases", CaseViewSet, basename="case")
urlpatterns = [path("", include(router.urls))]
