"""REST API of insight, scoped like its pages: category suggestions for a text or a case (with
"possibly the same issue"), and the current hot spots. Read-only: accepting a suggestion is a
dispatch, done through the cases API or the pages."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.selectors import get_case_for_user
from org.access import has_role_permission
from org.models import STAFF_ROLES, Role
from org.scoping import visible_regions

from .actions import hotspots, similar, suggestions


class TopSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    confidence = serializers.FloatField()
    unit = serializers.CharField(required=False, allow_blank=True)


class SuggestionSerializer(serializers.Serializer):
    # A field, not the serializer's own ``source``: the serializer metaclass moves it into _declared_fields.
    source = serializers.CharField(help_text="model 或 keywords")  # type: ignore[assignment]
    version = serializers.IntegerField(allow_null=True, help_text="模型版本号；关键词规则时为空")
    threshold = serializers.FloatField(allow_null=True)
    top = TopSerializer(many=True)


class SimilarSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="case.pk")
    number = serializers.CharField(source="case.number")
    title = serializers.CharField(source="case.title")
    status = serializers.CharField(source="case.status")
    score = serializers.FloatField()
    reason = serializers.CharField()


class CaseSuggestionSerializer(SuggestionSerializer):
    similar = SimilarSerializer(many=True)


class SuggestRequestSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    region = serializers.IntegerField(required=False, help_text="辖区编号：给出时附上派单规则指定的单位")


class HotSpotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    headline = serializers.CharField()
    place = serializers.CharField()
    topic = serializers.CharField()
    region = serializers.CharField()
    count = serializers.IntegerField()
    previous_count = serializers.IntegerField()
    heat = serializers.FloatField()
    as_of = serializers.DateTimeField()


def _suggested(s) -> dict:
    return {
        "source": s.source,
        "version": s.model.version if s.model else None,
        "threshold": s.threshold,
        "top": s.top,
    }


class SuggestView(APIView):
    """Top 3 categories for a text (nothing is stored)."""

    permission_classes = [has_role_permission(*STAFF_ROLES)]

    @extend_schema(request=SuggestRequestSerializer, responses=SuggestionSerializer)
    def post(self, request):
        data = SuggestRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        region = visible_regions(request.user).filter(pk=d["region"]).first() if d.get("region") else None
        s = suggestions.suggest_text(title=d["title"], description=d["description"], region=region)
        return Response(_suggested(s))


class CaseSuggestionView(APIView):
    """The case's latest suggestion (or a live one) and the cases that may be the same issue."""

    permission_classes = [has_role_permission(*STAFF_ROLES, Role.PARTNER)]

    @extend_schema(responses=CaseSuggestionSerializer)
    def get(self, request, pk):
        case = get_case_for_user(request.user, pk)
        s = suggestions.latest_suggestion(case) or suggestions.suggest_text(
            title=case.title, description=case.description, region=case.region
        )
        alike = similar.similar_to_case(case, user=request.user) if case.is_open else []
        return Response({**_suggested(s), "similar": SimilarSerializer(alike, many=True).data})


class HotSpotView(APIView):
    """The newest hot spots of the user's regions, hottest first."""

    permission_classes = [has_role_permission(*STAFF_ROLES, Role.LEADER)]

    @extend_schema(responses=HotSpotSerializer(many=True))
    def get(self, request):
        spots = hotspots.latest_hotspots(request.user, limit=50)
        rows = [
            {
                "id": h.pk,
                "headline": h.headline,
                "place": h.place,
                "topic": h.topic,
                "region": h.region.name,
                "count": h.count,
                "previous_count": h.previous_count,
                "heat": h.heat,
                "as_of": h.as_of,
            }
            for h in spots
        ]
        return Response(HotSpotSerializer(rows, many=True).data)


urlpatterns = [
    path("insight/suggest/", SuggestView.as_view(), name="insight-suggest"),
    path("insight/cases/<int:pk>/suggestion/", CaseSuggestionView.as_view(), name="insight-case-suggestion"),
    path("insight/hotspots/", HotSpotView.as_view(), name="insight-hotspots"),
]
