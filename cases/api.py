"""REST API for cases, scoped like the pages (``Case.objects.visible_to``); writes call
``cases.actions``. Intake accepts an ``Idempotency-Key`` header: the same request sent twice
creates one case and answers 200 with it the second time (201 the first)."""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import include, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.response import Response

from lib import api as api_routers
from minhu.api_docs import errors
from org.access import holds_role
from org.models import PERSONAL_DATA_ROLES, STAFF_ROLES, Region, Role, Unit
from org.scoping import region_q

from . import sql, workflow
from .actions.intake import case_create
from .actions.workflow import case_accept, case_dispatch, case_resolve, case_visit
from .errors import CaseConflict
from .forms import DESCRIPTION_MAX
from .models import Case, CaseEvent, Category
from .permissions import can_accept, can_dispatch, can_handle


class CaseEventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = CaseEvent
        fields = ["at", "kind", "kind_display", "actor_name", "note"]


class CaseSerializer(serializers.ModelSerializer):
    category: "serializers.SlugRelatedField[Category]" = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    # null until the case is dispatched
    main_unit: "serializers.StringRelatedField[Unit]" = serializers.StringRelatedField(allow_null=True)
    region: "serializers.StringRelatedField[Region]" = serializers.StringRelatedField()

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

    @extend_schema_field(CaseEventSerializer(many=True))
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


# what a workflow step can answer besides the case (the Error body; minhu/api_docs.py)
STEP_ERRORS = errors(400, 401, 403, 404, 409)


class Conflict(APIException):
    """409: someone changed the case first, or it is no longer in a state that allows the step."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class DispatchInput(serializers.Serializer):
    unit = serializers.IntegerField(help_text=gettext_lazy("主办单位编号（/api/v1/units/ 中的 id）"))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ResolveInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text=gettext_lazy("办理结果：居民回访时会听到的答复"))


class VisitInput(serializers.Serializer):
    verdict = serializers.ChoiceField(
        choices=[c for c in Case.Verdict.choices if c[0] in ("satisfied", "basic", "unsatisfied")],
        help_text=gettext_lazy("居民的评价：满意、基本满意或不满意（不满意时须写明原因，诉求退回重办）"),
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


# API action → the workflow table's step (cases/workflow.py): its from-states decide 409 against 400
STEP_OF = {"dispatch_case": "dispatch", "accept": "accept", "resolve": "resolve", "visit": "visit"}


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

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer, 200: CaseSerializer})
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

    # the workflow, step by step, through the same actions as the pages --------------------------------------
    def _step(self, request, input_class, step, *, allowed):
        """1. the case in the caller's scope (404 otherwise); 2. the input; 3. the caller's right to take this
        step (403); 4. the action; a refusal of the workflow is 400, losing a race or a stale state is 409."""
        case = self.get_object()
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        if not allowed(request.user, case):
            raise PermissionDenied(_("您没有权限对这件诉求执行此操作。"))
        try:
            case = step(case, data.validated_data)
        except CaseConflict as exc:
            raise Conflict(exc.messages[0]) from None
        except DjangoValidationError as exc:
            if case.status not in workflow.STEPS[STEP_OF[self.action]].from_states:
                raise Conflict(exc.messages[0]) from None
            raise ValidationError({"detail": exc.messages}) from None
        case = self.get_queryset().get(pk=case.pk)
        return Response(CaseDetailSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(request=DispatchInput, responses={200: CaseDetailSerializer, **STEP_ERRORS})
    @action(detail=True, methods=["post"], url_path="dispatch")  # not named dispatch: View.dispatch is taken
    def dispatch_case(self, request, pk=None):
        def step(case, d):
            unit = Unit.objects.filter(pk=d["unit"]).first()
            if unit is None:
                raise ValidationError({"unit": [_("没有这个单位。")]})
            return case_dispatch(case=case, unit=unit, by=request.user, note=d["note"])

        return self._step(request, DispatchInput, step, allowed=can_dispatch)

    @extend_schema(request=NoteInput, responses={200: CaseDetailSerializer, **STEP_ERRORS})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._step(
            request,
            NoteInput,
            lambda case, d: case_accept(case=case, by=request.user, note=d["note"]),
            allowed=can_accept,
        )

    @extend_schema(request=ResolveInput, responses={200: CaseDetailSerializer, **STEP_ERRORS})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._step(
            request,
            ResolveInput,
            lambda case, d: case_resolve(case=case, by=request.user, note=d["note"]),
            allowed=can_handle,
        )

    @extend_schema(request=VisitInput, responses={200: CaseDetailSerializer, **STEP_ERRORS})
    @action(detail=True, methods=["post"])
    def visit(self, request, pk=None):
        return self._step(
            request,
            VisitInput,
            lambda case, d: case_visit(case=case, by=request.user, verdict=d["verdict"], note=d["note"]),
            allowed=can_handle,
        )


router = api_routers.DefaultRouter()
router.register("cases", CaseViewSet, basename="case")
urlpatterns = [path("", include(router.urls))]
